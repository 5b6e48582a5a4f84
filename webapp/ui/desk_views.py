"""The front-office desk: one search box, the customer's page with every case and its plain status, one timeline
across their cases, and logging a call in a few clicks."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from engine.errors import DocumentTooLarge, ValidationFailed
from engine.services import cases, customers, documents, duplicates, notes
from engine.services.parties import Customer
from webapp.ui import fmt, forms
from webapp.ui.base import bp, is_htmx, render
from webapp.ui.case_page import waiting_text
from webapp.ui.case_views import log_and_return
from webapp.ui.security import ctx, page, user

MAX_QUERY = 200
OPEN_CHANNELS = ("phone", "branch", "email", "post")  # how a customer reaches the desk


def _query() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY]


@bp.get("/desk", endpoint="desk")
@page("case.read", screen="desk")
def desk() -> Any:
    """With one customer found, straight to their page (the search box is the desk's front door)."""
    query = _query()
    results = notes.find_customers(ctx(), user(), query) if query else []
    if len(results) == 1 and not is_htmx() and request.args.get("list") is None:
        return redirect(url_for("ui.customer_page", party_id=results[0]["id"]))
    template = "ui/_desk_results.html" if is_htmx() else "ui/desk.html"
    return render(template, query=query, results=results)


@bp.get("/desk/customers/new", endpoint="new_customer")
@page("case.create")
def new_customer() -> Any:
    """A walk-in the search did not find: name, e-mail and phone (the search text fills the likely field)."""
    query = _query()
    guess = {"email": query} if "@" in query else {"phone": query} if notes.PHONE.match(query or "x") else \
        {"name": query}
    return render("ui/new_customer.html", values=guess, errors={})


@bp.post("/desk/customers", endpoint="register_customer")
@page("case.create")
def register_customer() -> Any:
    values = {k: request.form.get(k, "").strip()[:320] for k in ("name", "email", "phone")}
    person = Customer(name=values["name"], email=values["email"] or None, phone=values["phone"] or None)
    try:
        found = customers.register_customer(ctx(), user(), person)
    except ValidationFailed as err:
        return render("ui/new_customer.html", 422, values=values, errors=err.details or {}, message=err.message)
    if found["created"]:
        flash(f"Registered {found['name']} as a new customer.", "success")
    else:
        flash(f"{found['name']} is already a customer: here are their cases.", "info")
    return redirect(url_for("ui.customer_page", party_id=found["id"]), code=303)


@bp.post("/desk/customers/<int:party_id>/unmerge", endpoint="unmerge_customer")
@page("work.complete")
def unmerge_customer(party_id: int) -> Any:
    """Undo a merge: the customer's own cases, identifiers and interactions go back to them."""
    try:
        undone = duplicates.undo_merge(ctx(), user(), party_id, request.form.get("reason", ""))
    except ValidationFailed as err:
        flash(f"The merge was not undone: {err.message}.", "error")
        return redirect(url_for("ui.desk"), code=303)
    flash("The merge is undone: each customer has their own cases again.", "success")
    return redirect(url_for("ui.customer_page", party_id=undone["from"]), code=303)


@bp.get("/desk/customers/<int:party_id>", endpoint="customer_page")
@page("case.read", screen="desk")
def customer_page(party_id: int) -> Any:
    who = user()
    customer = notes.customer(ctx(), who, party_id)
    for c in customer["cases"]:  # what a waiting case waits for, in words (its checklist names the documents)
        c["waiting"] = waiting_text(cases.get_case(ctx(), c["reference"])) if c["waiting_for"] else ""
    open_cases = [c for c in customer["cases"] if c["status"] != "closed"]
    chosen = request.args.get("case") or (open_cases or customer["cases"] or [{"reference": None}])[0]["reference"]
    return render("ui/customer.html", customer=customer, timeline=notes.customer_timeline(ctx(), who, party_id),
                  chosen=chosen, channels=cases.CHANNELS, directions=cases.DIRECTIONS,
                  can_log=who.can("interaction.log"), query=request.args.get("q", ""),
                  case_types=ctx().processes.case_types(), can_open=who.can("case.create"),
                  can_upload=who.can("document.upload"))


def _start_schema(case_type: str) -> dict[str, Any] | None:
    return ctx().processes.current(case_type).start_schema


def _new_case_page(customer: dict[str, Any], case_type: str, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, message: str = "", status: int = 200,
                   channel: str = "phone") -> Any:
    schema = _start_schema(case_type) or {}
    values = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in (values or {}).items()}
    return render("ui/new_case.html", status, customer=customer, case_type=case_type, schema=schema,
                  fields=forms.fields(schema, values or {}, errors or {}),
                  form_errors=forms.form_errors(schema, errors), message=message,
                  channels=OPEN_CHANNELS, channel=channel)


@bp.get("/desk/customers/<int:party_id>/cases/new", endpoint="new_case")
@page("case.create", screen="desk")
def new_case(party_id: int) -> Any:
    """The start form of the chosen case type, from its process's start schema (the same form code as tasks)."""
    customer = notes.customer(ctx(), user(), party_id)
    case_type = request.args.get("case_type", "")
    if case_type not in ctx().processes.case_types():
        return _choose_case_type(party_id)
    return _new_case_page(customer, case_type)


def _choose_case_type(party_id: int) -> Any:
    flash("Choose a case type from the list, then press “Start a new case”.", "error")
    return redirect(url_for("ui.customer_page", party_id=party_id), code=303)


@bp.post("/desk/customers/<int:party_id>/cases", endpoint="open_case")
@page("case.create", screen="desk")
def open_case(party_id: int) -> Any:
    """Open the case for this customer (found by their strongest identifier, so it joins their other cases)."""
    who = user()
    customer = notes.customer(ctx(), who, party_id)
    case_type = request.form.get("case_type", "")
    if case_type not in ctx().processes.case_types():
        return _choose_case_type(party_id)
    channel = request.form.get("channel", "phone")
    data = forms.parse(_start_schema(case_type), request.form)
    identifiers = dict(customer["identifiers"])
    person = Customer(name=customer["name"], external_id=identifiers.get("external_id"),
                      email=customer["email"], phone=customer["phone"], party_id=party_id)
    try:
        view, _created = cases.open_case(ctx(), cases.OpenCase(case_type, person, channel, data), who.username)
    except ValidationFailed as err:
        details = err.details or {}
        errors = {k.removeprefix("data."): v for k, v in details.items()}
        return _new_case_page(customer, case_type, request.form.to_dict(flat=False), errors, err.message, 422,
                              channel)
    flash(f"Opened {view['reference']} for {customer['name']}.", "success")
    return redirect(url_for("ui.customer_page", party_id=party_id, case=view["reference"]), code=303)


@bp.post("/desk/customers/<int:party_id>/documents", endpoint="desk_upload")
@page("document.upload", screen="desk")
def desk_upload(party_id: int) -> Any:
    """A document the customer hands over at the desk, onto one of their cases (channel ``branch``)."""
    who = user()
    customer = notes.customer(ctx(), who, party_id)
    reference = request.form.get("reference", "")
    back = url_for("ui.customer_page", party_id=party_id, case=reference or None)
    if reference not in {c["reference"] for c in customer["cases"]}:
        flash("Choose one of the customer’s cases for the document, then upload it again.", "error")
        return redirect(back, code=303)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choose the file to upload, then press “Upload document”.", "error")
        return redirect(back, code=303)
    try:
        view, created = documents.upload(ctx(), documents.Upload(file.filename, file.read(), "branch", reference),
                                         who.username)
    except (ValidationFailed, DocumentTooLarge) as err:
        flash(fmt.said(f"The document was not accepted: {err.message}",
                       "Choose another file, or ask the customer for a PDF or a photo of it"), "error")
        return redirect(back, code=303)
    if created:
        flash(f"Received {view['filename']} on {reference}; it is being read.", "success")
    else:
        flash(f"{view['filename']} is already on {reference}.", "info")
    return redirect(back, code=303)


@bp.post("/desk/customers/<int:party_id>/interactions")
@page("interaction.log", screen="desk")
def desk_log(party_id: int) -> Any:
    """The desk's "log a call": the case is chosen on the customer's page (their open case by default)."""
    back = url_for("ui.customer_page", party_id=party_id, case=request.form.get("reference") or None)
    return log_and_return(request.form.get("reference", ""), back)
