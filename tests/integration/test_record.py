"""One record people can trust, through the REST API: checklists that count, flags that a person can trust
and that hold automatic decisions, intake work without a case, crash-safe capture, one document per bytes.

Where the OCR is not the point, a capture result is built directly (as capture would return it) and stored
with ``documents.store_result``, the same function the capture job calls; the crash test runs real capture.
"""
from __future__ import annotations

import threading

import pytest

from capture import Box, CaptureResult, Classification, Field, Page
from engine.bpmn.loader import read_process_dir
from engine.services import auth, cases, documents, worklist
from tests.capture.documents import text_pdf
from tests.conftest import ROOT
from tests.integration.test_documents import claim_form_pdf, open_claim, upload, work

LOAN = {"amount": 20000, "term_months": 48, "purpose": "car", "monthly_income": 4200, "monthly_debts": 300,
        "employment_type": "employed"}


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ROOT / "processes" / name) for name in ("claim", "loan", "onboarding")]


def read_as(doc_type: str, **fields: str) -> CaptureResult:
    """What capture returns for a confidently classified document with these fields."""
    text = "\n".join(f"{k}: {v}" for k, v in fields.items())
    return CaptureResult("ok", "application/pdf", pages=(Page(1, 595, 842, "text", text, ()),),
                         classification=Classification(doc_type, 0.95, True),
                         fields=tuple(Field(k, v, v, 1, Box(10, 10, 100, 12), 0.9) for k, v in fields.items()))


def open_loan(api, name: str = "Pia Lindqvist") -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/cases", json={"case_type": "loan", "channel": "web", "data": LOAN,
                                               "customer": {"name": name, "email": "pia@example.com"}})
    assert response.status_code == 201, response.json
    return response.json["reference"]


def deliver(api, ctx, ref: str, label: str, result: CaptureResult) -> int:  # type: ignore[no-untyped-def]
    doc_id = upload(api, f"/api/v1/cases/{ref}/documents", text_pdf([[label]]), f"{label}.pdf").json["id"]
    documents.store_result(ctx, doc_id, result)
    return doc_id


def checklist_row(api, ref: str, doc_type: str) -> dict:  # type: ignore[no-untyped-def]
    return next(i for i in api.get(f"/api/v1/cases/{ref}").json["checklist"]["items"] if i["doc_type"] == doc_type)


def test_two_payslips_are_counted_once_each(api, ctx):
    ref = open_loan(api)
    assert checklist_row(api, ref, "payslip") == {"doc_type": "payslip", "title": "Payslip", "required": 2,
                                                  "received": 0, "missing": 2}
    first = text_pdf([["Payslip October"]])
    doc = upload(api, f"/api/v1/cases/{ref}/documents", first, "oct.pdf").json["id"]
    documents.store_result(ctx, doc, read_as("payslip", net_pay="4150.00 EUR", pay_period="2026-10"))
    again = upload(api, f"/api/v1/cases/{ref}/documents", first, "oct-again.pdf")
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert checklist_row(api, ref, "payslip")["received"] == 1
    assert checklist_row(api, ref, "payslip")["missing"] == 1
    deliver(api, ctx, ref, "Payslip November", read_as("payslip", net_pay="4180.00 EUR"))
    assert checklist_row(api, ref, "payslip") == {"doc_type": "payslip", "title": "Payslip", "required": 2,
                                                  "received": 2, "missing": 0}


def test_flags_use_the_right_fields_resolve_on_newer_evidence_and_hold_the_decision(api, ctx):
    ref = open_loan(api)
    deliver(api, ctx, ref, "Bank statement", read_as("bank_statement", iban="DE89370400440532013000"))
    # a year-to-date figure is not the month's net pay: only net_pay is compared
    deliver(api, ctx, ref, "Payslip Sept", read_as("payslip", net_pay="4190.00 EUR", ytd_net_pay="31350.00 EUR"))
    low = deliver(api, ctx, ref, "Payslip Oct", read_as("payslip", net_pay="3100.00 EUR"))
    flags = api.get(f"/api/v1/cases/{ref}").json["flags"]
    assert [(f["kind"], f["status"], f["document_id"]) for f in flags] == [("income_mismatch", "open", low)]
    deliver(api, ctx, ref, "ID card", read_as("id_document", holder_name="LINDGREN PER", document_number="X1"))
    case = api.get(f"/api/v1/cases/{ref}").json
    assert case["checklist"]["complete"] is True
    assert {(f["kind"], f["status"]) for f in case["flags"]} == {("income_mismatch", "open"), ("name_mismatch", "open")}
    assert case["waiting_for"] == ["documents_received"]  # held: no automatic decision on open flags
    reviews = [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"] if i["kind"] == "review_flag"]
    assert len(reviews) == 2
    deliver(api, ctx, ref, "Payslip Nov", read_as("payslip", net_pay="4210.00 EUR"))  # newer evidence answers it
    case = api.get(f"/api/v1/cases/{ref}").json
    assert {(f["kind"], f["status"]) for f in case["flags"]} == {("income_mismatch", "resolved"), ("name_mismatch", "open")}
    assert case["waiting_for"] == ["documents_received"]
    [review] = [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"] if i["kind"] == "review_flag"]
    form = api.get(f"/api/v1/work-items/{review['id']}").json["form"]
    assert form["description"].startswith("The name on the identity document (LINDGREN PER) is not the customer's")
    assert api.post(f"/api/v1/work-items/{review['id']}/claim").status_code == 200
    bad = api.post(f"/api/v1/work-items/{review['id']}/complete", json={"data": {"decision": "clear"}})
    assert bad.status_code == 422 and bad.json["error"]["details"] == {"reason": "is required"}
    done = api.post(f"/api/v1/work-items/{review['id']}/complete",
                    json={"data": {"decision": "confirm", "reason": "Customer's ID shows another person"}})
    assert done.status_code == 200, done.json
    case = api.get(f"/api/v1/cases/{ref}").json
    assert "documents_received" not in case["waiting_for"]  # a person decided: the process goes on
    assert [t["name"] for t in case["open_tasks"]] == ["underwrite"]  # with a confirmed flag: never fast-approved
    timeline = api.get(f"/api/v1/cases/{ref}/timeline").json["items"]
    confirmed = next(e for e in timeline if e["kind"] == "flag_confirmed")
    assert confirmed["payload"]["reason"] == "Customer's ID shows another person"
    assert any(e["kind"] == "flag_resolved" for e in timeline)


def test_without_flags_the_same_application_is_approved_automatically(api, ctx):
    """The control for the test above: the hold, not the application, sent it to an underwriter."""
    ref = open_loan(api)
    deliver(api, ctx, ref, "Bank statement", read_as("bank_statement", iban="DE89370400440532013000"))
    deliver(api, ctx, ref, "Payslip Sept", read_as("payslip", net_pay="4190.00 EUR"))
    deliver(api, ctx, ref, "Payslip Oct", read_as("payslip", net_pay="4210.00 EUR"))
    deliver(api, ctx, ref, "ID card", read_as("id_document", holder_name="PIA LINDQVIST"))
    case = api.get(f"/api/v1/cases/{ref}").json
    assert case["flags"] == [] and case["open_tasks"] == [] and "documents_received" not in case["waiting_for"]


def test_a_proof_of_address_in_another_name_is_flagged(api, ctx):
    ref = open_loan(api)
    deliver(api, ctx, ref, "Utility bill", read_as("proof_of_address", holder_name="Mr John Smith"))
    deliver(api, ctx, ref, "Passport", read_as("id_document", holder_name="LINDQVIST PIA"))  # same person
    flags = api.get(f"/api/v1/cases/{ref}").json["flags"]
    assert [(f["kind"], f["status"]) for f in flags] == [("address_name_mismatch", "open")]


def _intake_agent(ctx, api):  # type: ignore[no-untyped-def]
    auth.ensure_user(ctx, "ines", ["backoffice"], team="Document intake")
    auth.set_team_queues(ctx, "Document intake", ["document_intake", "customer_records"])
    auth.ensure_user(ctx, "tina", ["backoffice"], team="Claims triage")
    auth.set_team_queues(ctx, "Claims triage", ["claims_triage"])
    return auth.create_token(ctx, "ines", "backoffice"), auth.create_token(ctx, "tina", "backoffice")


def _route_item(api, ctx, name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    doc = upload(api, "/api/v1/documents", text_pdf([[f"Dear Sir, about {name}"]]), f"{name}.pdf").json["id"]
    documents.store_result(ctx, doc, read_as("other"))
    items = [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"] if i["document_id"] == doc]
    return doc, items[0]["id"]


def test_inbox_items_claim_release_and_complete_like_any_other(api, ctx):
    ines, tina = _intake_agent(ctx, api)
    ref = open_claim(api)
    doc, item = _route_item(api, ctx, "letter")
    assert api.get("/api/v1/work-items?queue=document_intake", role=tina).status_code == 403
    assert api.get(f"/api/v1/work-items/{item}", role=tina).status_code == 403
    assert api.post(f"/api/v1/work-items/{item}/claim", role=tina).status_code == 403
    assert api.post(f"/api/v1/work-items/{item}/claim", role=ines).json["state"] == "claimed"
    assert api.post(f"/api/v1/work-items/{item}/release", role=ines).json["state"] == "ready"
    taken = worklist.get_next(ctx, auth.principal_for(ctx, "ines"))  # Get next serves intake work
    assert taken is not None and taken["id"] == item
    missing = api.post(f"/api/v1/work-items/{item}/complete", role=ines, json={"data": {"action": "discard"}})
    assert missing.status_code == 422 and "reason" in missing.json["error"]["details"]
    done = api.post(f"/api/v1/work-items/{item}/complete", role=ines,
                    json={"data": {"action": "link", "case_reference": ref}})
    assert done.status_code == 200, done.json
    assert api.get(f"/api/v1/documents/{doc}").json["case_reference"] == ref


def test_route_opens_a_new_case_or_discards_with_a_reason(api, ctx):
    ines, _tina = _intake_agent(ctx, api)
    doc, item = _route_item(api, ctx, "new-claim")
    api.post(f"/api/v1/work-items/{item}/claim", role=ines)
    start = {"policy_number": "POL-5550001", "incident_date": "2026-11-02", "incident_type": "travel",
             "description": "Bag lost on the flight home", "claimed_amount": 300, "currency": "EUR"}
    opened = api.post(f"/api/v1/work-items/{item}/complete", role=ines, json={"data": {
        "action": "new_case", "case_type": "claim", "customer_name": "Oskar Berg",
        "customer_email": "oskar@example.com", "case_data": start}})
    assert opened.status_code == 200, opened.json
    ref = api.get(f"/api/v1/documents/{doc}").json["case_reference"]
    assert ref and api.get(f"/api/v1/cases/{ref}").json["customer"]["name"] == "Oskar Berg"
    doc2, item2 = _route_item(api, ctx, "spam")
    api.post(f"/api/v1/work-items/{item2}/claim", role=ines)
    gone = api.post(f"/api/v1/work-items/{item2}/complete", role=ines,
                    json={"data": {"action": "discard", "reason": "Advertising, not a customer document"}})
    assert gone.status_code == 200
    assert api.get(f"/api/v1/documents/{doc2}").json["status"] == "discarded"
    assert [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"]
            if i["document_id"] == doc2] == []


def test_classify_sets_the_type_and_runs_the_checks_again(api, ctx):
    ref = open_loan(api)
    doc = upload(api, f"/api/v1/cases/{ref}/documents", text_pdf([["blurry"]]), "blurry.pdf").json["id"]
    unsure = read_as("payslip", net_pay="2000.00 EUR")
    documents.store_result(ctx, doc, CaptureResult(unsure.status, unsure.media_type, unsure.pages,
                                                   Classification("payslip", 0.4, False), unsure.fields))
    assert checklist_row(api, ref, "payslip")["received"] == 0 and api.get(f"/api/v1/cases/{ref}").json["flags"] == []
    [item] = [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"] if i["document_id"] == doc]
    api.post(f"/api/v1/work-items/{item['id']}/claim")
    assert api.post(f"/api/v1/work-items/{item['id']}/complete",
                    json={"data": {"doc_type": "payslip"}}).status_code == 200
    assert checklist_row(api, ref, "payslip")["received"] == 1
    assert [f["kind"] for f in api.get(f"/api/v1/cases/{ref}").json["flags"]] == ["income_mismatch"]


def test_a_crash_after_capture_loses_no_routing(api, ctx, monkeypatch):
    """Real capture of a real PDF; the crash is simulated by failing the process message once (a process
    cannot be killed between two statements of a test)."""
    ref = open_claim(api, documents_provided=["repair_estimate"])
    doc = upload(api, "/api/v1/documents", claim_form_pdf(ref), "claim-form.pdf").json["id"]
    real, calls = cases.send_message, []

    def crash_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(cases, "send_message", crash_once)
    work(ctx)  # the first run dies at the message; the job is retried with backoff
    view = api.get(f"/api/v1/documents/{doc}").json
    assert (view["status"], view["case_reference"]) == ("indexed", ref)  # stored and linked together
    assert "documents_received" in api.get(f"/api/v1/cases/{ref}").json["waiting_for"]
    ctx.clock.advance(seconds=3600)
    work(ctx)
    assert "documents_received" not in api.get(f"/api/v1/cases/{ref}").json["waiting_for"]
    assert len(api.get(f"/api/v1/cases/{ref}").json["documents"]) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_the_same_file_uploaded_concurrently_is_one_document(api, ctx, client, tokens):
    ref = open_claim(api)
    pdf, barrier, results = claim_form_pdf(ref), threading.Barrier(10), []

    def run() -> None:
        barrier.wait()
        results.append(documents.upload(ctx, documents.Upload("form.pdf", pdf, reference=ref), "upstream"))

    threads = [threading.Thread(target=run) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({view["id"] for view, _new in results}) == 1
    assert sorted(new for _view, new in results) == [False] * 9 + [True]
    assert len(api.get(f"/api/v1/cases/{ref}").json["documents"]) == 1


def test_an_unreadable_name_or_net_pay_is_not_taken_as_agreement(api, ctx):
    ref = open_loan(api)
    deliver(api, ctx, ref, "ID card, glare", read_as("id_document", document_number="X1"))
    deliver(api, ctx, ref, "Payslip, torn", read_as("payslip", employer="ACME"))
    flags = {f["kind"]: f for f in api.get(f"/api/v1/cases/{ref}").json["flags"]}
    assert set(flags) == {"name_mismatch", "income_mismatch"} and {f["status"] for f in flags.values()} == {"open"}
    assert "could not be read" in flags["name_mismatch"]["message"]
    deliver(api, ctx, ref, "ID card, rescanned", read_as("id_document", holder_name="Pia Lindqvist"))
    flags = {f["kind"]: f["status"] for f in api.get(f"/api/v1/cases/{ref}").json["flags"]}
    assert flags == {"name_mismatch": "resolved", "income_mismatch": "open"}


def _apply(api) -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/cases", json={"case_type": "onboarding", "channel": "web", "customer": {
        "name": "Ann Example", "email": "ann@example.com"}, "data": {
        "customer_type": "individual", "full_name": "Ann Example", "country": "NL", "product": "current_account",
        "date_of_birth": "1990-04-12"}})
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def test_a_low_risk_account_opens_without_a_person_when_the_documents_agree(api, ctx):
    ref = _apply(api)
    deliver(api, ctx, ref, "Bill", read_as("proof_of_address", holder_name="Ann Example"))
    deliver(api, ctx, ref, "Passport", read_as("id_document", holder_name="EXAMPLE ANN"))
    case = api.get(f"/api/v1/cases/{ref}").json
    assert "verify_identity" not in [t["name"] for t in case["open_tasks"]]
    assert "documents_received" not in case["waiting_for"]


def test_an_account_is_never_opened_automatically_on_a_confirmed_flag(api, ctx):
    """Low risk opens the account without a person; a confirmed name flag sends it to identity verification."""
    ref = _apply(api)
    deliver(api, ctx, ref, "Bill", read_as("proof_of_address", holder_name="Ann Example"))
    deliver(api, ctx, ref, "Passport", read_as("id_document", holder_name="Bob Other"))
    case = api.get(f"/api/v1/cases/{ref}").json
    assert "documents_received" in case["waiting_for"] and case["status"] != "closed"  # held
    [review] = [i for i in api.get("/api/v1/work-items?queue=document_intake").json["items"] if i["kind"] == "review_flag"]
    api.post(f"/api/v1/work-items/{review['id']}/claim")
    api.post(f"/api/v1/work-items/{review['id']}/complete",
             json={"data": {"decision": "confirm", "reason": "Passport of her husband sent by mistake"}})
    case = api.get(f"/api/v1/cases/{ref}").json
    assert [t["name"] for t in case["open_tasks"]] == ["verify_identity"]
