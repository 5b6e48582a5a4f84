"""The front-office desk: one search box, the customer's page with every case and its plain status, one timeline
across their cases, and logging a call in a few clicks."""
from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from engine.services import cases, notes
from webapp.ui.base import bp, is_htmx, render
from webapp.ui.case_views import log_and_return
from webapp.ui.security import ctx, page, user

MAX_QUERY = 200


def _query() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY]


@bp.get("/desk", endpoint="desk")
@page("case.read")
def desk() -> Any:
    """With one customer found, straight to their page (the search box is the desk's front door)."""
    query = _query()
    results = notes.find_customers(ctx(), user(), query) if query else []
    if len(results) == 1 and not is_htmx() and request.args.get("list") is None:
        return redirect(url_for("ui.customer_page", party_id=results[0]["id"]))
    template = "ui/_desk_results.html" if is_htmx() else "ui/desk.html"
    return render(template, query=query, results=results)


@bp.get("/desk/customers/<int:party_id>", endpoint="customer_page")
@page("case.read")
def customer_page(party_id: int) -> Any:
    who = user()
    customer = notes.customer(ctx(), who, party_id)
    open_cases = [c for c in customer["cases"] if c["status"] != "closed"]
    chosen = request.args.get("case") or (open_cases or customer["cases"] or [{"reference": None}])[0]["reference"]
    return render("ui/customer.html", customer=customer, timeline=notes.customer_timeline(ctx(), who, party_id),
                  chosen=chosen, channels=cases.CHANNELS, directions=cases.DIRECTIONS,
                  can_log=who.can("interaction.log"), query=request.args.get("q", ""))


@bp.post("/desk/customers/<int:party_id>/interactions")
@page("interaction.log")
def desk_log(party_id: int) -> Any:
    """The desk's "log a call": the case is chosen on the customer's page (their open case by default)."""
    back = url_for("ui.customer_page", party_id=party_id, case=request.form.get("reference") or None)
    return log_and_return(request.form.get("reference", ""), back)
