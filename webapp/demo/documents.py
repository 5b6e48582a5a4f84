"""Real documents for the demo: generated PDFs (payslips, IDs, claim forms, statements...) in each demo customer's
name, uploaded to their cases and read by real capture, so every checklist tick has a document behind it; plus one
inbox letter nobody can place (a "Route inbound document" item) and one request that needs a duplicate decision.

PDFs are drawn with fpdf2 in DejaVu Sans (Debian's fonts-dejavu-core), born digital, so capture reads their text
layer without OCR and loading the demo stays quick.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Callable

from anyascii import anyascii
from fpdf import FPDF
from sqlalchemy import select

from capture import CaptureError, process
from engine.context import Context
from engine.models import Case
from engine.services import cases, documents
from engine.services.parties import Customer

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
Lines = Callable[[Case, int], list[str]]


def _money(value: float) -> str:
    return f"EUR {value:,.2f}"


def _claim_form(case: Case, n: int) -> list[str]:
    d = case.data
    return ["Claim Form", f"Claim reference: {case.reference}", f"Policy number: {d.get('policy_number', '')}",
            f"Policyholder name: {case.party.name}", f"E-mail: {case.party.email or ''}",
            f"Date of incident: {d.get('incident_date', '')}",
            f"Description of the incident: {d.get('description', '')}",
            f"Amount claimed: {_money(float(d.get('claimed_amount') or 0))}",
            "Declaration: I confirm that the above is true and complete."]


def _estimate(title: str) -> Lines:
    def lines(case: Case, n: int) -> list[str]:
        total = float(case.data.get("claimed_amount") or 0)
        return ["Garage and Repairs Ltd" if title == "Repair Estimate" else "Service Provider Ltd", title,
                f"Number: EST-{case.id:04d}-{n}", f"Claim reference: {case.reference}",
                f"Date: {case.created_at:%d/%m/%Y}", f"Parts and labour {_money(total * 0.8)}",
                f"Other costs {_money(total * 0.2)}", f"Total estimate: {_money(total)}"]
    return lines


def _invoice(case: Case, n: int) -> list[str]:
    total = float(case.data.get("claimed_amount") or 0)
    net = round(total / 1.21, 2)
    return ["Service Provider Ltd", "INVOICE", f"Invoice number: INV-{case.id:05d}-{n}",
            f"Invoice date: {case.created_at:%d/%m/%Y}", f"Bill to: {case.party.name}",
            f"Claim reference: {case.reference}", f"Services rendered {_money(net)}", f"Subtotal {_money(net)}",
            f"VAT 21% {_money(total - net)}", f"Total due: {_money(total)}", "Payment within 30 days."]


def _medical_invoice(case: Case, n: int) -> list[str]:
    total = float(case.data.get("claimed_amount") or 0)
    return ["St. Mary Clinic", "Medical invoice", f"Invoice number: MED-{case.id:05d}",
            f"Patient name: {case.party.name}", f"Policy number: {case.data.get('policy_number', '')}",
            f"Treatment {_money(total)}", f"Total amount: {_money(total)}"]


def _receipt(case: Case, n: int) -> list[str]:
    total = float(case.data.get("claimed_amount") or 0)
    return ["Airport Travel Store", "RECEIPT", f"Receipt no: {80000 + case.id}", f"{case.created_at:%d/%m/%Y} 14:32",
            f"Replacement luggage {_money(total)}", f"TOTAL {_money(total)}", "Thank you for your purchase"]


def _id_document(case: Case, n: int) -> list[str]:
    return ["REPUBLIC OF EUROPA", "IDENTITY CARD", f"Name: {case.party.name}", "Nationality: Europa",
            "Date of birth: 12 March 1985", f"Document number: NX{4829175 + case.id}",
            "Date of expiry: 11 March 2031", "Issuing authority: City Hall"]


def _payslip(case: Case, n: int) -> list[str]:
    net = float(case.data.get("monthly_income") or 2500)
    month = (case.created_at.replace(day=1) - timedelta(days=1 + 31 * n)).strftime("%B %Y")
    return ["ACME Manufacturing Ltd", "PAYSLIP", "Employer: ACME Manufacturing Ltd",
            f"Employee name: {case.party.name}", f"Pay period: {month}", f"Gross pay: {_money(net * 1.35)}",
            f"Income tax: {_money(net * 0.35)}", f"Net pay: {_money(net)}",
            "Paid to IBAN: DE89 3704 0044 0532 0130 00"]


def _bank_statement(case: Case, n: int) -> list[str]:
    income = float(case.data.get("monthly_income") or 2500)
    return ["First City Bank", "Bank statement", f"Account holder: {case.party.name}",
            "IBAN: FR14 2004 1010 0505 0001 3M02 606", f"Statement date: {case.created_at:%d/%m/%Y}",
            "Opening balance: EUR 1,204.10", f"Salary credit {_money(income)}", "Rent debit EUR 950.00"]


def _tax_return(case: Case, n: int) -> list[str]:
    income = float(case.data.get("monthly_income") or 2500) * 12
    return ["Income Tax Return", "Tax year: 2025", f"Taxpayer name: {case.party.name}",
            "Tax identification number: 123-45-6789", f"Taxable income: {_money(income)}", "Tax office: Utrecht"]


def _proof_of_address(case: Case, n: int) -> list[str]:
    return ["BrightPower Energy Ltd", "Utility bill: your electricity bill", f"Customer name: {case.party.name}",
            "Supply address: 12 Canal Street, Utrecht", f"Account number: {5550000000 + case.id}",
            "Meter reading: 45210 kWh", "Billing period: 01/10/2026 to 31/10/2026",
            f"Statement date: {case.created_at:%d/%m/%Y}", "Amount due: EUR 84.20"]


def _company_registration(case: Case, n: int) -> list[str]:
    return ["Chamber of Commerce", "Trade register extract", f"Company name: {case.party.name} Trading B.V.",
            f"Registration number: {71234000 + case.id}", "Legal form: private limited company",
            "Registered office: Amsterdam", "Incorporated on 4 May 2018", f"Directors: {case.party.name}"]


TEMPLATES: dict[str, Lines] = {
    "company_registration": _company_registration,
    "claim_form": _claim_form, "repair_estimate": _estimate("Repair Estimate"), "invoice": _invoice,
    "receipt": _receipt, "medical_invoice": _medical_invoice, "id_document": _id_document, "payslip": _payslip,
    "bank_statement": _bank_statement, "tax_return": _tax_return, "proof_of_address": _proof_of_address,
}


def pdf(lines: list[str]) -> bytes:
    """A one-page, born-digital A4 PDF of these lines."""
    doc = FPDF(unit="pt", format="A4")
    if FONT.exists():
        doc.add_font("dejavu", "", str(FONT))
        doc.set_font("dejavu", size=11)
    else:  # without the Debian font: the core font, which holds Latin-1 only
        doc.set_font("helvetica", size=11)
        lines = [anyascii(line) for line in lines]
    doc.add_page()
    for i, line in enumerate(lines):
        doc.text(56, 80 + i * 22, line)
    return bytes(doc.output())


def _read(ctx: Context, data: bytes, document_id: int) -> None:
    """Real capture, in this process (the demo's own files are trusted), then everything that follows."""
    try:
        result = process(data, limits=ctx.capture_limits, rules=ctx.capture_rules)
    except CaptureError:
        return  # left queued: the worker reads it as it would any upload
    documents.store_result(ctx, document_id, result)


def attach_case_documents(ctx: Context, references: list[str]) -> int:
    """For each case, one document per one it was given (``documents_provided``), as far as its checklist asks
    (a second payslip is a second month's). Returns how many documents were added."""
    added = 0
    for reference in references:
        with ctx.read() as session:
            case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            continue
        provided = Counter(case.data.get("documents_provided") or [])
        required = Counter(case.data.get("required_documents") or []) or provided
        for doc_type, count in provided.items():
            for n in range(min(count, required.get(doc_type, count))):
                template = TEMPLATES.get(doc_type)
                if template is None:
                    continue
                data = pdf(template(case, n))
                view, new = documents.upload(ctx, documents.Upload(f"{doc_type}-{n + 1}.pdf", data, "web", reference),
                                             "upstream")
                if new:
                    _read(ctx, data, int(view["id"]))
                    added += 1
    return added


def add_inbox_letter(ctx: Context) -> int:
    """A letter in the inbox that names no case and no known customer: someone must route it."""
    data = pdf(["Dear Sir or Madam,", "Please find enclosed the photos of the damage we spoke about.",
                "I am not sure which department handles this.", "Kind regards,", "A. Customer"])
    view, _new = documents.upload(ctx, documents.Upload("letter-from-a-customer.pdf", data, "post"), "mailroom")
    _read(ctx, data, int(view["id"]))
    return int(view["id"])


def add_possible_duplicate(ctx: Context, reference: str) -> str:
    """A request with the e-mail of the customer of ``reference`` under another name: never merged on its own,
    it gets a new customer and a "Possible duplicate customer" item for a person."""
    with ctx.read() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        email, data, case_type = case.party.email, dict(case.data), case.case_type
    start = ctx.processes.current(case_type).start_schema or {}
    data = {k: v for k, v in data.items() if k in (start.get("properties") or {})}
    data["documents_provided"] = []
    view, _ = cases.open_case(ctx, cases.OpenCase(case_type, Customer(name="Alex Morgan", email=email),
                                                  "email", data), "upstream")
    return str(view["reference"])


__all__ = ["attach_case_documents", "add_inbox_letter", "add_possible_duplicate", "pdf", "TEMPLATES"]
