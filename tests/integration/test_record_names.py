"""Names with letters beyond ASCII on ID cards and proofs of address, read by the real capture (Tesseract for
the scans) and checked against the case's customer: the right customer passes, another one is flagged.

The documents are made here, born-digital (fpdf2, DejaVu font) and scanned-looking (noise, skew), laid out
as European ID cards are ("Surname: ØSTERGÅRD / Given names: SØREN") and as a utility bill addresses its
customer. Tesseract's English model has no Ø, Ł or Ż: it reads "ØSTERGÅRD" as "O@STERGARD" (capture reads
that as OSTERGARD), "Żółć" as "Zotc" or "ZOLC", and the name check compares transliterated names with a fuzzy
ratio, so they still name the customer. A first name alone never does (tests/api/test_identity.py).
"""
from __future__ import annotations

import pytest

from engine.bpmn.loader import read_process_dir
from tests.capture.documents import encode, scan, text_pdf
from tests.conftest import ROOT
from tests.integration.test_documents import upload, work

LOAN = {"amount": 20000, "term_months": 48, "purpose": "car", "monthly_income": 4200, "monthly_debts": 300,
        "employment_type": "employed"}
PEOPLE = {  # customer name -> (surname and given names as an ID card prints them)
    "Søren Østergård": ("ØSTERGÅRD", "SØREN"),
    "Łukasz Żółć": ("ŻÓŁĆ", "ŁUKASZ"),
}


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ROOT / "processes" / "loan")]


def id_card(surname: str, given: str) -> list[str]:
    return ["EUROPEAN UNION", "IDENTITY CARD", f"Surname: {surname}", f"Given names: {given}",
            "Nationality: Danish", "Date of birth: 14 June 1988", "Document number: DK4829175",
            "Date of expiry: 13 June 2031"]


def utility_bill(name: str) -> list[str]:
    return ["BrightPower Energy Ltd", "Your electricity bill", f"Customer name: {name}",
            "Supply address: 12 Canal Street, 3511 AB Utrecht", "Account number: 5550012345",
            "Billing period: 01/09/2026 to 30/09/2026", "Statement date: 02/10/2026", "Amount due: EUR 84.20"]


def as_pdf(lines: list[str]) -> tuple[bytes, str]:
    return text_pdf([lines]), "pdf"


def as_scan(lines: list[str]) -> tuple[bytes, str]:
    return encode(scan(lines, skew=0.6, noise=0.01, blur=0.4, seed=7), "PNG"), "png"


def open_loan(api, name: str, email: str) -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/cases", json={"case_type": "loan", "channel": "web", "data": LOAN,
                                               "customer": {"name": name, "email": email}})
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def send(api, ref: str, files: list[tuple[str, tuple[bytes, str]]]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    sent = {}
    for label, (data, ext) in files:
        response = upload(api, f"/api/v1/cases/{ref}/documents", data, f"{label}.{ext}")
        assert response.status_code == 202, response.json
        sent[response.json["id"]] = label
    return sent


def read(api, sent: dict[int, str]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    docs = {label: api.get(f"/api/v1/documents/{doc_id}").json for doc_id, label in sent.items()}
    return {label: {"type": d["doc_type"], "holder": {f["name"]: f["value"] for f in d["fields"]}.get("holder_name"),
                    "flags": [(f["kind"], f["status"]) for f in d["flags"]]} for label, d in docs.items()}


def name_flags(api, ref: str) -> dict[int, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {f["document_id"]: (f["kind"], f["status"]) for f in api.get(f"/api/v1/cases/{ref}").json["flags"]
            if f["kind"] in ("name_mismatch", "address_name_mismatch")}


@pytest.mark.ocr
@pytest.mark.parametrize("customer", list(PEOPLE))
def test_an_id_card_in_the_customers_name_passes_and_is_flagged_on_another_customer(api, ctx, customer):
    surname, given = PEOPLE[customer]
    right = open_loan(api, customer, "right@example.eu")
    other = open_loan(api, f"{customer.split()[0]} Andersen", "other@example.eu")
    card = [("id-digital", as_pdf(id_card(surname, given))), ("id-scanned", as_scan(id_card(surname, given)))]
    on_right, on_other = send(api, right, card), send(api, other, card)
    work(ctx)
    seen = read(api, on_right)
    assert {label: d["type"] for label, d in seen.items()} == {"id-digital": "id_document",
                                                                "id-scanned": "id_document"}
    assert seen["id-digital"]["holder"] == f"{given} {surname}"  # born-digital: every letter as printed
    assert seen["id-scanned"]["holder"], seen  # scanned: a name is read, transliterated by the OCR
    assert name_flags(api, right) == {}
    flagged = name_flags(api, other)
    assert set(flagged) == set(on_other) and set(flagged.values()) == {("name_mismatch", "open")}
    message = next(f["message"] for f in api.get(f"/api/v1/cases/{other}").json["flags"])
    assert "is not the customer's name" in message


@pytest.mark.ocr
@pytest.mark.parametrize("customer", list(PEOPLE))
def test_a_bill_addressed_to_the_customer_passes_and_is_flagged_on_another_customer(api, ctx, customer):
    right = open_loan(api, customer, "right@example.eu")
    other = open_loan(api, "Maria Kowalska", "other@example.eu")
    bill = [("bill-digital", as_pdf(utility_bill(customer))), ("bill-scanned", as_scan(utility_bill(customer)))]
    on_right, on_other = send(api, right, bill), send(api, other, bill)
    work(ctx)
    seen = read(api, on_right)
    assert {d["type"] for d in seen.values()} == {"proof_of_address"}
    assert seen["bill-digital"]["holder"] == customer
    assert seen["bill-scanned"]["holder"], seen
    assert name_flags(api, right) == {}
    flagged = name_flags(api, other)
    assert set(flagged) == set(on_other) and set(flagged.values()) == {("address_name_mismatch", "open")}
