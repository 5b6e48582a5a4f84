"""The back-office worklist: tabs (mine, my queues, unassigned, overdue), sorting, claim / release, "Get next",
and completing a work item from its form (through the same service verbs as the REST API)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from engine.errors import ValidationFailed
from engine.services import work, work_pages, worklist
from webapp.ui import fmt, forms, rows
from webapp.ui.case_page import item_url, render_case, task_panel
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, page, safe_next, user

VIEW_LABELS = {"mine": "My items", "queues": "My team's queues", "unassigned": "Unassigned", "overdue": "Overdue"}
PAGE_SIZE, MAX_PAGE = 100, 500
POLL_SECONDS = 5  # the worklist table asks again this often, so new items appear without a reload


def _query() -> worklist.WorklistQuery:
    view = request.args.get("view", "queues")
    sort = request.args.get("sort", "due")
    try:
        limit = min(MAX_PAGE, max(1, int(request.args.get("limit", PAGE_SIZE))))
    except ValueError:
        limit = PAGE_SIZE
    return worklist.WorklistQuery(view=view if view in worklist.VIEWS else "queues",
                                  sort=sort if sort in worklist.SORTS else "due",
                                  queue=request.args.get("queue") or None, limit=limit,
                                  after=request.args.get("after") or None)


@bp.get("/work", endpoint="worklist")
@page("work.read", screen="worklist")
def worklist_page() -> Any:
    who, q = user(), _query()
    items, next_cursor = worklist.worklist_page(ctx(), who, q)
    return render("ui/work.html", q=q, items=items, counts=worklist.worklist_counts(ctx(), who),
                  row_info=rows.describe(items),
                  queues=worklist.my_queues(ctx(), who), views=VIEW_LABELS, next_cursor=next_cursor,
                  saved=worklist.saved_filters(ctx(), who), back=_here(q), poll_seconds=POLL_SECONDS)


@bp.app_template_filter("tab_count")
def tab_count(value: int) -> str:
    """A tab's count; "1,000+" past the cap (counting further would read every row)."""
    return work_pages.count_label(value)


def _here(q: worklist.WorklistQuery) -> str:
    return url_for("ui.worklist", view=q.view, sort=q.sort, queue=q.queue)


@bp.get("/work/table", endpoint="worklist_table")
@page("work.read", screen="worklist")
def worklist_table() -> Any:
    """The worklist table alone (and the tab counts, out of band): the page polls it for new items."""
    who, q = user(), _query()
    items = worklist.worklist(ctx(), who, q)
    return render("ui/_worklist_live.html", q=q, items=items, row_info=rows.describe(items), views=VIEW_LABELS,
                  counts=worklist.worklist_counts(ctx(), who), back=_here(q), poll_seconds=POLL_SECONDS, oob=True)


@bp.post("/work/filters")
@page("work.read", screen="worklist")
def save_filter() -> Any:
    """Save the current tab, sort and queue under a name (the same name again overwrites it)."""
    q = worklist.WorklistQuery(view=request.form.get("view", "queues"), sort=request.form.get("sort", "due"),
                               queue=request.form.get("queue") or None)
    try:
        saved = worklist.save_filter(ctx(), user(), request.form.get("name", ""), q)
    except ValidationFailed as err:
        flash(fmt.said(f"The filter was not saved: {'; '.join((err.details or {}).values()) or err.message}",
                       "Change it and press “Save” again"), "error")
        return redirect(_here(q), code=303)
    flash(f"Saved the filter '{saved['name']}'.", "success")
    return redirect(_here(q), code=303)


@bp.post("/work/filters/<int:filter_id>/delete")
@page("work.read", screen="worklist")
def delete_filter(filter_id: int) -> Any:
    worklist.delete_filter(ctx(), user(), filter_id)
    flash("The saved filter is deleted.", "info")
    return redirect(url_for("ui.worklist"), code=303)


def _back(default: str) -> str:
    return safe_next(request.form.get("back")) or default


@bp.post("/work/next")
@page("work.claim", screen="worklist")
def get_next() -> Any:
    item = worklist.get_next(ctx(), user())
    if item is None:
        flash("Nothing is waiting in your queues right now. New items appear in the list by themselves.", "info")
        return redirect(url_for("ui.worklist"), code=303)
    flash(f"You have '{item['title']}'" + (f" on {item['case_reference']}." if item["case_reference"] else "."),
          "success")
    return redirect(item_url(item), code=303)


@bp.post("/work/items/<int:item_id>/claim")
@page("work.claim", screen="worklist")
def claim(item_id: int) -> Any:
    item = work.claim(ctx(), item_id, user())
    flash(f"You claimed '{item['title']}'.", "success")
    return redirect(_back(item_url(item)), code=303)


@bp.post("/work/items/<int:item_id>/release")
@page("work.claim", screen="worklist")
def release(item_id: int) -> Any:
    item = work.release(ctx(), item_id, user())
    flash(f"You released '{item['title']}'; it is back in the '{item['queue']}' queue.", "info")
    return redirect(_back(url_for("ui.worklist")), code=303)


@bp.post("/work/items/<int:item_id>/reassign")
@page("work.read", screen="worklist")
def reassign(item_id: int) -> Any:
    """A team lead gives the item to someone in a team working its queue (others get 403)."""
    try:
        moved = worklist.reassign(ctx(), item_id, user(), request.form.get("assignee", ""))
    except ValidationFailed as err:
        flash(fmt.said(f"The task was not reassigned: {err.message}", "Choose someone from the “Give to” list"),
              "error")
        return redirect(_back(url_for("ui.item_page", item_id=item_id)), code=303)
    flash(f"'{moved['title']}' is now with {moved['assignee']}.", "success")
    fallback = item_url({**moved, "id": item_id})
    return redirect(_back(fallback), code=303)


@bp.get("/work/items/<int:item_id>")
@page("work.read", "case.read")
def item_page(item_id: int) -> Any:
    item = work.get_work_item(ctx(), item_id, user())
    if item["case_reference"]:
        return redirect(item_url(item))
    return render("ui/item.html", panel=task_panel(item))


@bp.post("/work/items/<int:item_id>/complete")
@page("work.complete", screen="worklist")
def complete(item_id: int) -> Any:
    who = user()
    item = work.get_work_item(ctx(), item_id, who)
    data = forms.parse(item["form"], request.form)
    try:
        done = work.complete(ctx(), item_id, data, who)
    except ValidationFailed as err:
        state = {item_id: (request.form.to_dict(flat=False), err.details or {}, err.message)}
        if item["case_reference"]:
            return render_case(item["case_reference"], state, status=422)
        return render("ui/item.html", 422, panel=task_panel(item, state))
    if done["case_reference"]:  # the case page says it is done and offers "Get next"
        return redirect(url_for("ui.case_page", reference=done["case_reference"], done=item_id), code=303)
    flash(f"“{done['title']}” is done. Take the next item with “Get next”.", "success")
    return redirect(url_for("ui.worklist"), code=303)
