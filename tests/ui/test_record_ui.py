"""The case record in the UI as agents meet it: the case's data beside the task, the checklist counting each
document, other teams' work not readable, intake items worked from their own page, and registering a walk-in
customer at the desk (Flask test client; SQLite and PostgreSQL)."""
from __future__ import annotations

from engine.services import auth, cases, documents, work
from engine.services.parties import Customer
from tests.capture.documents import text_pdf
from tests.integration.test_record import read_as
from tests.ui.conftest import UiClient, open_claim


def test_the_case_page_shows_the_case_data_beside_the_task(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, amount=2450.5, documents=False)
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    data = html[html.index('id="case-data"'):]
    assert "<dt>Policy number</dt><dd>POL-4711037</dd>" in data
    assert "<dt>Amount claimed</dt><dd>2,450.50</dd>" in data
    assert "<dt>Date of the incident</dt><dd>30 October 2026</dd>" in data
    assert "<dt>What happened</dt><dd>Rear-ended at a traffic light; bumper damaged.</dd>" in data
    assert "<dt>Type of incident</dt><dd>Motor</dd>" in data


def test_the_checklist_counts_each_document_once(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    pdf = text_pdf([["Claim form"]])
    doc, _ = documents.upload(ctx, documents.Upload("form.pdf", pdf, reference=reference), "desk")
    documents.store_result(ctx, doc["id"], read_as("claim_form", case_reference=reference))
    documents.upload(ctx, documents.Upload("form-again.pdf", pdf, reference=reference), "desk")
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    checklist = html[html.index('id="checklist"'):html.index("</ul>", html.index('id="checklist"'))]
    assert checklist.count("✓ Claim form") == 1
    assert "✗ Repair estimate" in checklist and "(1 missing)" in checklist


def test_another_teams_task_shows_no_form_and_cannot_be_read(ui: UiClient, ctx, people) -> None:
    reference = open_claim(ctx)
    [item] = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
    ui.login("manager")  # the claims managers' team does not work claims triage
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "This task is in another team&#39;s queue." in html or "This task is in another team's queue." in html
    assert f't{item["id"]}-decision' not in html  # no form fields of it
    assert ui.get(f"/work/items/{item['id']}").status_code == 403


def test_an_inbox_document_is_routed_from_its_own_page(ui: UiClient, ctx, people) -> None:
    reference = open_claim(ctx, documents=False)
    auth.ensure_user(ctx, "ines", ["backoffice"], password="correct horse battery", team="Document intake")
    auth.set_team_queues(ctx, "Document intake", ["document_intake", "customer_records"])
    doc, _ = documents.upload(ctx, documents.Upload("letter.pdf", text_pdf([["Dear Sir"]])), "post")
    documents.store_result(ctx, doc["id"], read_as("other"))
    ui.login("ines")
    assert ui.post("/work/next").status_code == 303
    [item] = [i for i in work.list_work_items(ctx, work.WorkFilter(queue="document_intake"))
              if i["document_id"] == doc["id"]]
    assert item["state"] == "claimed"
    page = ui.get(f"/work/items/{item['id']}")
    assert page.status_code == 200 and "Route inbound document" in page.get_data(as_text=True)
    done = ui.post(f"/work/items/{item['id']}/complete", {"action": "link", "case_reference": reference})
    assert done.status_code == 303
    assert documents.get_document(ctx, doc["id"])["case_reference"] == reference


def test_the_desk_registers_a_walk_in_customer_once(ui: UiClient, ctx, people) -> None:
    ui.login("desk")
    nobody = ui.get("/desk", query_string={"q": "walk.in@example.com"}).get_data(as_text=True)
    assert "Register a new customer" in nobody
    form = ui.get("/desk/customers/new", query_string={"q": "walk.in@example.com"}).get_data(as_text=True)
    assert 'value="walk.in@example.com"' in form
    missing = ui.post("/desk/customers", {"name": "", "email": "walk.in@example.com"})
    assert missing.status_code == 422 and "Full name is required" in missing.get_data(as_text=True)
    created = ui.post("/desk/customers", {"name": "Wanda Walker", "email": "walk.in@example.com",
                                          "phone": "07700 900321"})
    assert created.status_code == 303
    page = ui.get(created.headers["Location"]).get_data(as_text=True)
    assert "Wanda Walker" in page and "+44 7700 900321" in page  # phones in one format
    again = ui.post("/desk/customers", {"name": "Wanda Walker", "email": "WALK.IN@example.com"})
    assert again.headers["Location"] == created.headers["Location"]  # found, not created twice
    view, _ = cases.open_case(ctx, cases.OpenCase("claim", Customer(name="Wanda Walker", email="walk.in@example.com"),
                                                  "branch", {"policy_number": "POL-1234567",
                                                             "incident_date": "2026-11-01", "incident_type": "travel",
                                                             "description": "Bag lost", "claimed_amount": 100,
                                                             "currency": "EUR"}), "desk")
    assert created.headers["Location"].endswith(f"/{view['customer']['id']}")


def test_a_person_merges_a_possible_duplicate_and_undoes_it_from_the_customer_page(ui: UiClient, ctx, people) -> None:
    auth.ensure_user(ctx, "rita", ["backoffice"], password="correct horse battery", team="Customer records")
    auth.set_team_queues(ctx, "Customer records", ["customer_records"])
    original = open_claim(ctx, name="Pia Lindqvist")  # pia@example.com
    conflict = open_claim(ctx, name="Pia Lindgren-Berg")  # the same e-mail (pia@...), another name
    pia = cases.get_case(ctx, original)["customer"]["id"]
    other = cases.get_case(ctx, conflict)["customer"]["id"]
    assert other != pia
    [item] = work.list_work_items(ctx, work.WorkFilter(queue="customer_records"))
    ui.login("rita")
    html = ui.get(f"/cases/{conflict}").get_data(as_text=True)
    assert "Possible duplicate customer" in html and "Pia Lindqvist" in html
    ui.post(f"/work/items/{item['id']}/claim")
    done = ui.post(f"/work/items/{item['id']}/complete", {"decision": "merge", "reason": "Same passport number"})
    assert done.status_code == 303
    page = ui.get(f"/desk/customers/{pia}").get_data(as_text=True)
    assert conflict in page and "Merged with Pia Lindgren-Berg" in page
    undone = ui.post(f"/desk/customers/{other}/unmerge", {"reason": "Two people after all"})
    assert undone.status_code == 303 and undone.headers["Location"] == f"/desk/customers/{other}"
    assert conflict not in ui.get(f"/desk/customers/{pia}").get_data(as_text=True)
