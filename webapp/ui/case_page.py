"""Everything the case page shows on one screen, gathered from the engine's service verbs: the case and its
customer, each open task with what the user may do and its form, documents with what capture read, the
checklist and flags, the timeline and the diagram state."""
from __future__ import annotations

from typing import Any

from flask import url_for

from engine.errors import NotFound
from engine.services import cases, documents, work, worklist
from webapp.ui import assets, forms
from webapp.ui.base import render
from webapp.ui.security import ctx, user

# item id -> (submitted values, field errors, message): a completion that came back with a 422
TaskState = dict[int, tuple[dict[str, Any], dict[str, str], str]]
TIMELINE_LIMIT = 100


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
    other_team = bool(who.team_queues) and item["queue"] not in who.team_queues and \
        not {"admin", "integration"} & set(who.roles)
    mine = item["assignee"] == who.username
    return {
        "item": item, "mine": mine, "other_team": other_team,
        "can_claim": who.can("work.claim") and not other_team and item["state"] == "ready",
        "can_release": who.can("work.claim") and (mine or (item["assignee"] is not None and "admin" in who.roles)),
        "show_form": who.can("work.complete") and not other_team and mine,
        "fields": forms.fields(item.get("form"), values or item.get("data") or {}, errors),
        "form_errors": forms.form_errors(item.get("form"), errors), "message": message,
        "description": (item.get("form") or {}).get("description", ""),
    }


def _documents(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for doc in view["documents"]:
        try:
            found.append(documents.get_document(ctx(), doc["id"]))
        except NotFound:
            continue  # removed between the two reads
    return found


def render_case(reference: str, state: TaskState | None = None, status: int = 200) -> Any:
    view = cases.get_case(ctx(), reference)
    who = user()
    panels = []
    if who.can("work.read") or who.can("work.complete"):
        panels = [task_panel(work.get_work_item(ctx(), t["id"]), state) for t in view["open_tasks"]]
    return render("ui/case.html", status, case=view, panels=panels, documents=_documents(view),
                  timeline=cases.timeline(ctx(), reference, limit=TIMELINE_LIMIT),
                  diagram=worklist.case_diagram(ctx(), reference),
                  diagram_ready=assets.available("bpmn-js", ctx().settings))
