"""The desk opens a new case for the customer it found (the start form from the process's start schema) and
takes a document the customer hands over (multipart, channel ``branch``) (Flask test client)."""
from __future__ import annotations

import io
import re

from engine.services import auth, cases, documents, notes, scheduler
from tests.capture.documents import DOCUMENTS, text_pdf
from tests.ui.conftest import UiClient, claim_data, open_claim


def _party(ctx, reference: str) -> int:
    return cases.get_case(ctx, reference)["customer"]["id"]


def test_the_customer_page_offers_every_case_type(ui: UiClient, ctx) -> None:
    party = _party(ctx, open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567"))
    ui.login("desk")
    html = ui.get(f"/desk/customers/{party}").get_data(as_text=True)
    form = html.split('<h2 id="open-title">', 1)[1].split("</form>", 1)[0]
    assert '<label for="new-case-type">Case type</label>' in form
    assert re.findall(r'<option value="([a-z_]+)">', form) == ctx.processes.case_types()
    start = ui.get(f"/desk/customers/{party}/cases/new", query_string={"case_type": "claim"})
    page = start.get_data(as_text=True)
    assert start.status_code == 200 and "New claim for Sofia Rossi" in page
    names = re.findall(r'\bname="([a-z_]+)"', page.split('class="stack task-form', 1)[1].split("</form>", 1)[0])
    schema = ctx.processes.current("claim").start_schema
    assert set(schema["properties"]) <= set(names) and {"csrf_token", "case_type", "channel"} <= set(names)
    assert '<label for="tnew-policy_number">Policy number' in page  # labelled controls from the schema
    assert '<option value="travel">Travel</option>' in page and 'type="date"' in page
    assert ui.get(f"/desk/customers/{party}/cases/new?case_type=nope").status_code == 303


def test_the_desk_opens_a_claim_for_the_customer(ui: UiClient, ctx) -> None:
    first = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567")
    party = _party(ctx, first)
    ui.login("desk")
    data = claim_data(amount=650, incident_type="travel")
    form = {"case_type": "claim", "channel": "branch", "policy_number": data["policy_number"],
            "incident_date": data["incident_date"], "incident_type": "travel", "description": data["description"],
            "claimed_amount": "650", "currency": "EUR", "documents_provided": ["claim_form", "receipt"]}  # picked
    opened = ui.post(f"/desk/customers/{party}/cases", form)
    assert opened.status_code == 303, opened.get_data(as_text=True)
    reference = re.search(r"case=([A-Z]{3}-\d{4}-\d{6})", opened.headers["Location"]).group(1)
    assert reference != first
    view = cases.get_case(ctx, reference)
    assert view["customer"]["id"] == party and view["channel"] == "branch"  # the same customer, not a new one
    assert view["data"]["claimed_amount"] == 650 and view["data"]["documents_provided"] == ["claim_form", "receipt"]
    page = ui.get(opened.headers["Location"]).get_data(as_text=True)
    assert f"Opened {reference} for Sofia Rossi." in page and f'id="case-{reference}"' in page


def test_an_invalid_start_form_comes_back_with_inline_errors(ui: UiClient, ctx) -> None:
    party = _party(ctx, open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567"))
    ui.login("desk")
    desk = auth.principal_for(ctx, "desk")
    before = len(notes.customer(ctx, desk, party)["cases"])
    bad = ui.post(f"/desk/customers/{party}/cases", {"case_type": "claim", "channel": "phone",
                                                     "policy_number": "not a policy", "incident_type": "motor",
                                                     "description": "Dented door"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "The case request is not valid." in html
    assert 'id="tnew-policy_number-error"' in html and 'value="not a policy"' in html  # what was typed stays
    assert 'id="tnew-claimed_amount-error"' in html
    assert '<option value="motor" selected>' in html
    assert len(notes.customer(ctx, desk, party)["cases"]) == before  # nothing opened
    designer = UiClient(ui.client.application.test_client())
    designer.login("designer")
    assert designer.post(f"/desk/customers/{party}/cases", {"case_type": "claim"}).status_code == 403


def test_a_document_handed_over_at_the_desk(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567", documents=False)
    party = _party(ctx, reference)
    ui.login("desk")
    html = ui.get(f"/desk/customers/{party}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and '<label for="upload-file">File</label>' in html
    lines = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["claim_form"][0]]
    pdf = text_pdf([lines])  # once: the PDF carries its creation time
    sent = ui.post(f"/desk/customers/{party}/documents",
                   {"reference": reference, "file": (io.BytesIO(pdf), "claim-form.pdf")},
                   content_type="multipart/form-data")
    assert sent.status_code == 303
    page = ui.get(sent.headers["Location"]).get_data(as_text=True)
    assert f"Received claim-form.pdf on {reference}; it is being read." in page
    [doc] = cases.get_case(ctx, reference)["documents"]
    stored = documents.get_document(ctx, doc["id"])
    assert (stored["channel"], stored["uploaded_by"], stored["status"]) == ("branch", "desk", "queued")
    while scheduler.run_due_jobs(ctx):
        pass
    assert documents.get_document(ctx, doc["id"])["doc_type"] == "claim_form"
    again = ui.post(f"/desk/customers/{party}/documents",
                    {"reference": reference, "file": (io.BytesIO(pdf), "claim-form.pdf")},
                    content_type="multipart/form-data")
    assert "is already on" in ui.get(again.headers["Location"]).get_data(as_text=True)
    junk = ui.post(f"/desk/customers/{party}/documents",
                   {"reference": reference, "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe")},
                   content_type="multipart/form-data")
    assert "The document was not accepted" in ui.get(junk.headers["Location"]).get_data(as_text=True)
    other = open_claim(ctx, name="Mateo Garcia", phone="+34 612 000 111")
    wrong = ui.post(f"/desk/customers/{party}/documents",
                    {"reference": other, "file": (io.BytesIO(text_pdf([lines])), "x.pdf")},
                    content_type="multipart/form-data")
    assert "Choose one of the customer" in ui.get(wrong.headers["Location"]).get_data(as_text=True)
    assert cases.get_case(ctx, other)["documents"] == []
    no_token = ui.post(f"/desk/customers/{party}/documents", {"reference": reference}, csrf=False)
    assert no_token.status_code == 400
