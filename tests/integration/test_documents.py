"""Documents end to end over the REST API: upload, capture in the worker, link, checklist, search, flags.

The worker here is the same job runner `caseworks worker` and the in-process worker use (`run_due_jobs`),
called directly so the test controls when it runs; capture itself runs in its real child process with
the real Tesseract.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image

from engine.bpmn.loader import read_process_dir
from engine.services import documents, scheduler
from tests.capture.documents import DOCUMENTS, encode, scan, text_pdf
from tests.conftest import ROOT


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ROOT / "processes" / name) for name in ("claim", "loan")]


def upload(api, url: str, data: bytes, name: str = "scan.pdf", role: str = "integration"):  # type: ignore[no-untyped-def]
    return api.post(url, role=role, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def work(ctx) -> None:  # type: ignore[no-untyped-def]
    while scheduler.run_due_jobs(ctx):
        pass


def open_claim(api, documents_provided: list[str] | None = None, **customer) -> str:  # type: ignore[no-untyped-def]
    body = {"case_type": "claim", "channel": "web",
            "customer": {"name": "Jane Doe", "email": "jane.doe@example.com", **customer},
            "data": {"policy_number": "POL-44712298", "incident_date": "2026-11-01", "incident_type": "motor",
                     "description": "Rear-ended at a junction", "claimed_amount": 2450, "currency": "EUR",
                     "documents_provided": documents_provided or []}}
    response = api.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json["reference"]


def claim_form_pdf(reference: str) -> bytes:
    lines = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["claim_form"][0]]
    return text_pdf([lines])


def test_inbox_pdf_naming_a_case_is_linked_and_ticks_the_checklist(api, ctx):
    ref = open_claim(api)
    assert api.get(f"/api/v1/cases/{ref}").json["checklist"]["missing"] == ["claim_form", "repair_estimate"]
    accepted = upload(api, "/api/v1/documents", claim_form_pdf(ref), "claim-form.pdf")
    assert accepted.status_code == 202 and accepted.json["status"] == "queued"
    assert accepted.json["case_reference"] is None  # the inbox, until the worker reads it
    work(ctx)
    doc = api.get(f"/api/v1/documents/{accepted.json['id']}").json
    assert (doc["status"], doc["doc_type"], doc["case_reference"], doc["ocr_pages"]) == ("indexed", "claim_form", ref, 0)
    assert {f["name"]: f["value"] for f in doc["fields"]}["case_reference"] == ref
    case = api.get(f"/api/v1/cases/{ref}").json
    assert case["checklist"]["missing"] == ["repair_estimate"] and case["status"] == "waiting"
    linked = [e for e in api.get(f"/api/v1/cases/{ref}/timeline").json["items"] if e["kind"] == "document_linked"]
    assert [e["payload"]["doc_type"] for e in linked] == ["claim_form"]
    hits = api.get("/api/v1/search?q=rear-end collision junction").json["items"]  # words only in the PDF
    assert [(h["kind"], h["ref"], h["case_reference"]) for h in hits] == [("document", str(doc["id"]), ref)]


def test_complete_checklist_moves_the_process_on(api, ctx):
    ref = open_claim(api, documents_provided=["claim_form"])
    estimate = [line.replace("CLM-2026-000123", ref) for line in DOCUMENTS["repair_estimate"][0]]
    assert upload(api, f"/api/v1/cases/{ref}/documents", text_pdf([estimate]), "estimate.pdf").status_code == 202
    work(ctx)
    case = api.get(f"/api/v1/cases/{ref}").json
    assert case["checklist"]["complete"] is True
    assert [t["name"] for t in case["open_tasks"]] == ["assess"]  # documents_received was delivered
    assert "message_received" in [e["kind"] for e in api.get(f"/api/v1/cases/{ref}/timeline").json["items"]]


def test_scanned_payslip_on_a_loan_is_ocred_with_net_pay_iban_and_an_income_flag(api, ctx):
    loan = api.post("/api/v1/cases", json={
        "case_type": "loan", "channel": "branch", "customer": {"name": "Jane Doe", "phone": "+31 6 5555 0101"},
        "data": {"amount": 12000, "term_months": 48, "purpose": "car", "monthly_income": 3200, "monthly_debts": 150,
                 "employment_type": "employed"}}).json
    image = scan(DOCUMENTS["payslip"][0], skew=1.5, noise=0.02, seed=7)
    accepted = upload(api, f"/api/v1/cases/{loan['reference']}/documents", encode(image, "PNG"), "payslip.png")
    assert accepted.status_code == 202
    work(ctx)
    doc = api.get(f"/api/v1/documents/{accepted.json['id']}").json
    fields = {f["name"]: f["value"] for f in doc["fields"]}
    assert (doc["status"], doc["doc_type"], doc["ocr_pages"]) == ("indexed", "payslip", 1)
    assert fields["net_pay"] == "2512.34 EUR" and fields["iban"] == "DE89370400440532013000"
    net_pay = next(f for f in doc["fields"] if f["name"] == "net_pay")
    assert net_pay["page"] == 1 and net_pay["box"][2] > 0  # where it stands on the page, for the viewer
    page = api.get(f"/api/v1/documents/{doc['id']}/pages/1").json
    png = api.get(f"/api/v1/documents/{doc['id']}/pages/1.png?width=620")
    assert png.status_code == 200 and png.mimetype == "image/png"
    shown = Image.open(io.BytesIO(png.data))
    assert shown.width == 620 and abs(shown.height - round(620 * page["height"] / page["width"])) <= 1
    x, y, w, h = (round(v * 620 / page["width"]) for v in net_pay["box"])
    assert shown.convert("L").crop((x, y, x + w, y + h)).getextrema()[0] < 128  # the box lands on ink
    assert api.get(f"/api/v1/documents/{doc['id']}/pages/2.png").status_code == 404
    case = api.get(f"/api/v1/cases/{loan['reference']}").json
    assert [f["kind"] for f in case["flags"]] == ["income_mismatch"]  # 2,512.34 vs 3,200 declared
    hits = api.get("/api/v1/search?q=ACME Manufacturing").json["items"]
    assert (hits[0]["kind"], hits[0]["case_reference"]) == ("document", loan["reference"])


def test_duplicate_upload_to_the_same_case_is_recognised(api, ctx):
    ref = open_claim(api)
    pdf = claim_form_pdf(ref)
    first = upload(api, f"/api/v1/cases/{ref}/documents", pdf)
    again = upload(api, f"/api/v1/cases/{ref}/documents", pdf, "same-again.pdf")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json["duplicate"] is True and again.json["id"] == first.json["id"]
    assert len(api.get(f"/api/v1/cases/{ref}").json["documents"]) == 1
    assert api.get(f"/api/v1/documents/{first.json['id']}/content").data == pdf


def test_unrecognisable_inbox_document_asks_a_person_to_route_it(api, ctx):
    ref = open_claim(api)
    letter = text_pdf([["Dear Sir or Madam,", "Please find my documents attached as discussed on the phone.",
                        "Kind regards, a customer"]])
    doc_id = upload(api, "/api/v1/documents", letter, "letter.pdf").json["id"]
    work(ctx)
    assert api.get(f"/api/v1/documents/{doc_id}").json["status"] == "indexed"
    items = api.get("/api/v1/work-items?queue=document_intake").json["items"]
    assert [(i["kind"], i["document_id"]) for i in items] == [("route_document", doc_id)]
    detail = api.get(f"/api/v1/work-items/{items[0]['id']}").json
    assert {"action", "case_reference", "reason"} <= set(detail["form"]["properties"])
    bad = api.post(f"/api/v1/work-items/{items[0]['id']}/complete", json={"data": {"case_reference": "CLM-2026-999999"}})
    assert bad.status_code == 422
    done = api.post(f"/api/v1/work-items/{items[0]['id']}/complete", json={"data": {"case_reference": ref}})
    assert done.status_code == 200
    assert api.get(f"/api/v1/documents/{doc_id}").json["case_reference"] == ref
    classify = api.get("/api/v1/work-items?queue=document_intake").json["items"]  # a letter is no known type
    assert [i["kind"] for i in classify] == ["classify_document"]


@pytest.mark.parametrize("data, name, status, code", [
    (b"", "empty.pdf", 422, "invalid_document"),
    (b"MZ\x90\x00" + b"\x00" * 200, "invoice.pdf", 422, "invalid_document"),
    (b"just some text, not a document", "note.pdf", 422, "invalid_document"),
])
def test_bad_uploads_get_a_clear_4xx_and_store_nothing(api, ctx, data, name, status, code):
    ref = open_claim(api)
    response = upload(api, f"/api/v1/cases/{ref}/documents", data, name)
    assert response.status_code == status and response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert api.get(f"/api/v1/cases/{ref}").json["documents"] == []


def test_missing_file_field_and_unknown_document(api):
    assert api.post("/api/v1/documents", data={}, content_type="multipart/form-data").status_code == 422
    assert api.get("/api/v1/documents/999").status_code == 404


def test_file_names_are_kept_harmless(api, ctx):
    ref = open_claim(api)
    view, _ = documents.upload(ctx, documents.Upload('..\\..\\evil"<script>.pdf', claim_form_pdf(ref), reference=ref),
                               "desk")  # a name as a hostile client could send it
    assert view["filename"] == "evilscript.pdf"
    content = api.get(f"/api/v1/documents/{view['id']}/content")
    assert content.headers["Content-Disposition"] == 'inline; filename="evilscript.pdf"'
    assert content.headers["X-Content-Type-Options"] == "nosniff"
