"""Everything the case page shows on one screen, gathered from the engine's service verbs: the case and its
customer, each open task with what the user may do and its form, documents with what capture read, the
checklist and flags, the timeline and the diagram state."""
from __future__ import annotations

from typing import Any

from flask import url_for

from engine import policy
from engine.errors import NotFound
from engine.services import cases, changes, documents, intake, notes, work, worklist
from engine.services import members as members_svc
from webapp.ui import assets, case_data, fmt, forms, roles
from webapp.ui.base import render
from webapp.ui.security import ctx, user

# item id -> (submitted values, field errors, message): a completion that came back with a 422
TaskState = dict[int, tuple[dict[str, Any], dict[str, str], str]]
TIMELINE_LIMIT = 100
VIEW_WIDTH = 900  # the page image's width in pixels; boxes are placed in percent, so they fit any shown width
PENDING = ("queued", "processing")


def item_url(item: dict[str, Any]) -> str:
    """Where a work item is worked: its case page at the task, or its own page (documents in the inbox)."""
    if item.get("case_reference"):
        return url_for("ui.case_page", reference=item["case_reference"]) + f"#task-{item['id']}"
    return url_for("ui.item_page", item_id=item["id"])


def task_panel(item: dict[str, Any], state: TaskState | None = None) -> dict[str, Any]:
    """One open work item: who holds it, what the user may do with it, and its form."""
    who = user()
    values, errors, message = (state or {}).get(item["id"], ({}, {}, ""))
    values = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in values.items()}
    works = roles.works_items(who)
    other_team = not policy.may_work_queue(who, item["queue"])  # the same rule the API applies
    mine = item["assignee"] == who.username
    can_reassign = works and item["state"] in ("ready", "claimed") and worklist.can_reassign(who, item["queue"])
    members = members_svc.queue_members(ctx(), item["queue"]) if can_reassign else []
    return {
        "item": item, "mine": mine, "other_team": other_team,
        "can_claim": works and not other_team and item["state"] == "ready",
        "can_release": works and (mine or (item["assignee"] is not None and "admin" in who.roles)),
        "show_form": works and who.can("work.complete") and not other_team and mine,
        "fields": forms.fields(item.get("form"), values or item.get("data") or {}, errors),
        "form_errors": forms.form_errors(item.get("form"), errors), "message": message,
        "description": (item.get("form") or {}).get("description", ""),
        "can_reassign": can_reassign, "members": members,
        "candidates": [m["username"] for m in members if m["username"] != item["assignee"]],
    }


def _readable(task: dict[str, Any], reference: str) -> dict[str, Any]:
    """The item with its form when the user may read it (``engine.policy``); else only what the case page
    already says about it (title, queue, who holds it), never its form or data."""
    who = user()
    if policy.may_work_queue(who, task["queue"]):
        return work.get_work_item(ctx(), task["id"], who)
    return {**task, "case_reference": reference, "priority": 0, "form": None, "data": None}


def _documents(view: dict[str, Any]) -> list[dict[str, Any]]:
    return documents.case_documents(ctx(), view["reference"])


def _pct(value: float, whole: float) -> float:
    return round(100.0 * value / whole, 3) if whole else 0.0


def viewer(doc: dict[str, Any], number: int = 1, active: int | None = None) -> dict[str, Any] | None:
    """One page of an indexed document: its image, the fields read on it as boxes (in percent of the page,
    so they scale with the shown image: shown width / page width), and every field with its page."""
    if doc.get("status") != "indexed" or not doc.get("pages"):
        return None
    number = min(max(1, number), int(doc["pages"]))
    try:
        page = documents.page_words(ctx(), doc["id"], number)
    except NotFound:
        return None
    width, height = float(page["width"] or 0), float(page["height"] or 0)
    fields = []
    for index, f in enumerate(doc.get("fields") or []):
        box = list(f.get("box") or [])
        placed = None
        if f.get("page") == number and len(box) == 4 and width and height:
            x, y, w, h = (float(v) for v in box)
            placed = {"left": _pct(x, width), "top": _pct(y, height), "width": _pct(w, width),
                      "height": _pct(h, height)}
        fields.append({**f, "index": index, "box_pct": placed})
    return {"doc": doc, "number": number, "pages": int(doc["pages"]), "width": width, "height": height,
            "fields": fields, "boxes": [f for f in fields if f["box_pct"]], "active": active,
            "image": url_for("ui.page_image", document_id=doc["id"], number=number, width=VIEW_WIDTH)}


def documents_state(reference: str, pages: dict[int, int] | None = None,
                    view: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case's documents with a viewer for each indexed one, and whether any is still being read."""
    view = view if view is not None else cases.get_case(ctx(), reference)
    docs = _documents(view)
    pages = pages or {}
    return {"reference": reference, "documents": docs,
            "viewers": {d["id"]: viewer(d, pages.get(d["id"], 1)) for d in docs},
            "pending": any(d["status"] in PENDING for d in docs)}


def waiting_text(view: dict[str, Any], checklist: dict[str, Any] | None = None) -> str:
    missing = (checklist if checklist is not None else view.get("checklist") or {}).get("missing") or []
    return fmt.waiting_text(view.get("waiting_for") or [], missing, intake.MESSAGE)


def render_case(reference: str, state: TaskState | None = None, status: int = 200,
                pages: dict[int, int] | None = None, done: dict[str, Any] | None = None) -> Any:
    version = changes.case_version(ctx(), reference)  # read first: a change after it shows on the next poll
    view = cases.get_case(ctx(), reference)
    who = user()
    panels = []
    if who.can("work.read") or who.can("work.complete"):
        panels = [task_panel(_readable(t, reference), state) for t in view["open_tasks"]]
    others = [c for c in notes.customer(ctx(), who, view["customer"]["id"])["cases"] if c["reference"] != reference]
    return render("ui/case.html", status, case=view, panels=panels, docs=documents_state(reference, pages, view),
                  other_cases=others, data=case_data.rows(ctx().processes.current(view["case_type"]), view["data"]),
                  version=version, waiting=waiting_text(view), may_open_desk=roles.may_open(who, "desk"), done=done,
                  timeline=cases.timeline(ctx(), reference, limit=TIMELINE_LIMIT),
                  diagram=worklist.case_diagram(ctx(), reference),
                  diagram_ready=assets.available("bpmn-js", ctx().settings))
