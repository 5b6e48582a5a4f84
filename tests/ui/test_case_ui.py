"""The case page: the case at a glance, the task form from its JSON schema with inline errors, completing it
through ``work.complete``, documents with what capture read, checklist, timeline and diagram state."""
from __future__ import annotations

import io
import re

from PIL import Image
from werkzeug.datastructures import MultiDict

from engine.services import cases, documents, scheduler, work, worklist
from tests.capture.documents import DOCUMENTS, text_pdf
from tests.ui.conftest import UiClient, open_claim
from webapp.ui import forms


def _item(ctx, reference: str, name: str) -> dict:
    items = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference)) if i["name"] == name]
    assert len(items) == 1, items
    return items[0]


def _claimed_by_agent(ui: UiClient, ctx, **data) -> tuple[str, dict]:
    reference = open_claim(ctx, **data)
    ui.login("agent")
    assert ui.post("/work/next").status_code == 303
    return reference, _item(ctx, reference, "assess")


def test_the_case_at_a_glance(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, amount=12500)
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Jonas Keller" in html and "jonas@example.com" in html
    assert "Your claim is being assessed by our claims team; we aim to decide by 7 November." in html
    assert 'class="pill pill-open"' in html and "due in 5 d" in html
    assert "Claim and work on it" in html  # not claimed yet: no form, a claim button
    assert 'name="decision"' not in html
    assert "✓ Claim form" in html and "✓ Repair estimate" in html


def test_the_form_follows_its_schema(ui: UiClient, ctx) -> None:
    reference, item = _claimed_by_agent(ui, ctx)
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    form = html.split('class="stack task-form"', 1)[1].split("</form>", 1)[0]
    names = re.findall(r'\bname="([a-z_]+)"', form)
    assert names == ["csrf_token", "decision", "approved_amount", "reason"]  # ui:order
    assert f'<label for="t{item["id"]}-decision">Decision' in form
    assert '<option value="refer">Refer</option>' in form  # an enum is a select
    assert 'type="number"' in form and "<textarea" in form
    assert "Refer when cover is unclear or you suspect fraud" in form  # help text from the description
    assert f'aria-describedby="t{item["id"]}-decision-help"' in form


def test_validation_errors_come_back_inline_with_what_was_typed(ui: UiClient, ctx) -> None:
    reference, item = _claimed_by_agent(ui, ctx)
    response = ui.post(f"/work/items/{item['id']}/complete", {"decision": "approve", "reason": "ok"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The form data is not valid." in html
    assert f'<p class="error" id="t{item["id"]}-approved_amount-error">Amount to pay is required</p>' in html
    assert '<option value="approve" selected>' in html
    assert "ok</textarea>" in html
    assert "should be non-empty" not in html and "is too short" in html  # the reason's minLength: 3
    assert work.get_work_item(ctx, item["id"])["state"] == "claimed"
    not_a_number = ui.post(f"/work/items/{item['id']}/complete", {"decision": "approve", "approved_amount": "lots"})
    assert not_a_number.status_code == 422
    assert "Amount to pay must be a number" in not_a_number.get_data(as_text=True)  # in words, not jsonschema


def test_completing_the_assessment_moves_the_case_on(ui: UiClient, ctx) -> None:
    reference, item = _claimed_by_agent(ui, ctx, amount=12500)
    done = ui.post(f"/work/items/{item['id']}/complete", {"decision": "approve", "approved_amount": "11,800"})
    assert done.status_code == 303 and done.headers["Location"] == f"/cases/{reference}?done={item['id']}"
    html = ui.get(done.headers["Location"]).get_data(as_text=True)
    assert "You completed “Assess claim”." in html and 'id="get-next-after"' in html  # "Get next" at once
    assert "approved for 11,800.00 EUR and is awaiting final sign-off" in html
    assert "Approve payout" in html and "another team" in html  # the claims managers' queue
    assert cases.get_case(ctx, reference)["data"]["approved_amount"] == 11800
    manager = UiClient(ui.client.application.test_client())
    manager.login("manager")
    payout = _item(ctx, reference, "approve_payout")
    assert manager.post("/work/next").headers["Location"] == f"/cases/{reference}#task-{payout['id']}"
    closed = manager.post(f"/work/items/{payout['id']}/complete", {"decision": "approve"})
    assert closed.status_code == 303
    view = cases.get_case(ctx, reference)
    assert (view["status"], view["outcome"]) == ("closed", "paid")


def test_a_task_in_another_teams_queue_cannot_be_completed(ui: UiClient, ctx) -> None:
    reference, item = _claimed_by_agent(ui, ctx, amount=12500)
    ui.post(f"/work/items/{item['id']}/complete", {"decision": "approve", "approved_amount": "11800"})
    payout = _item(ctx, reference, "approve_payout")
    refused = ui.post(f"/work/items/{payout['id']}/complete", {"decision": "approve"})
    assert refused.status_code == 403
    assert "not one of your team" in refused.get_data(as_text=True)


def test_timeline_and_diagram_state(ui: UiClient, ctx) -> None:
    reference, item = _claimed_by_agent(ui, ctx)
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Case opened" in html and "Task claimed" in html and "Triage claim" in html
    current = re.search(r'data-current="([^"]*)"', html).group(1)
    done = re.search(r'data-done="([^"]*)"', html).group(1).split()
    assert current == "assess"
    assert {"start", "triage", "check_documents"} <= set(done) and "assess" not in done
    diagram_url = re.search(r'data-bpmn-url="([^"]+)"', html).group(1)
    xml = ui.get(diagram_url)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'<bpmn:process id="claim"' in xml.data


def test_a_case_waiting_for_documents_lights_the_receive_task(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    state = worklist.case_diagram(ctx, reference)
    assert state["current"] == [] and state["waiting"] == ["wait_documents"]
    ui.login("desk")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Waiting for the customer’s documents: claim form, repair estimate." in html  # what is awaited
    assert "✗ Claim form" in html and "(1 missing)" in html


def test_documents_show_their_type_status_and_fields(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    lines = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["claim_form"][0]]
    view, _new = documents.upload(ctx, documents.Upload("claim-form.pdf", text_pdf([lines]), "email", reference),
                                  "upstream")
    while scheduler.run_due_jobs(ctx):
        pass
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "claim-form.pdf" in html and "Claim form" in html and "indexed" in html
    fields = html.split('<table class="fields">', 1)[1].split("</table>", 1)[0]
    assert "Case reference" in fields and reference in fields
    assert "✓ Claim form" in html
    original = ui.get(f"/documents/{view['id']}/content")
    assert original.status_code == 200 and original.mimetype == "application/pdf"
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert original.headers["Content-Disposition"] == 'inline; filename="claim-form.pdf"'


def test_form_data_keeps_its_json_types() -> None:
    schema = {"type": "object", "properties": {
        "amount": {"type": "number"}, "count": {"type": "integer"}, "ok": {"type": "boolean"},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "docs": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        "tags": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"}}}
    form = MultiDict([("amount", "1,250.50"), ("count", "3"), ("ok", "on"), ("level", "2"), ("docs", "a"),
                      ("docs", "b"), ("tags", "x, y"), ("note", "  ")])
    assert forms.parse(schema, form) == {"amount": 1250.5, "count": 3, "ok": True, "level": 2, "docs": ["a", "b"],
                                         "tags": ["x", "y"]}
    controls = {f.name: f.control for f in forms.fields(schema)}
    assert controls == {"amount": "number", "count": "integer", "ok": "checkbox", "level": "select",
                        "docs": "checkboxes", "tags": "lines", "note": "text"}


def test_an_image_original_is_served_sandboxed(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, "PNG")
    view, _new = documents.upload(ctx, documents.Upload("photo.png", buffer.getvalue(), "app", reference), "upstream")
    ui.login("agent")
    original = ui.get(f"/documents/{view['id']}/content")
    assert original.status_code == 200 and original.mimetype == "image/png"
    assert original.headers["Content-Security-Policy"].startswith("sandbox")


def test_the_customers_other_cases(ui: UiClient, ctx) -> None:
    first = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567", amount=650, incident_type="travel")
    second = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567")
    stranger = open_claim(ctx, name="Mateo Garcia", phone="+34 612 000 111")
    ui.login("agent")
    html = ui.get(f"/cases/{second}").get_data(as_text=True)
    others = html.split('<section aria-labelledby="others-title"', 1)[1].split("</section>", 1)[0]
    assert "Sofia Rossi's other cases" in others
    assert re.findall(r'<a href="/cases/([A-Z]{3}-\d{4}-\d{6})">', others) == [first]
    assert stranger not in others and "Your claim" in others  # its plain-language status
    alone = ui.get(f"/cases/{stranger}").get_data(as_text=True)
    assert "No other cases." in alone.split('aria-labelledby="others-title"', 1)[1].split("</section>", 1)[0]
