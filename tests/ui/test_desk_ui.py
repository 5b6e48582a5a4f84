"""The front-office desk: one search box, the customer's page, logging a call (Flask test client)."""
from __future__ import annotations

import pytest

from engine.services import auth, cases, notes
from tests.ui.conftest import UiClient, open_claim


@pytest.fixture
def customer(ctx) -> dict:
    first = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567", amount=650, incident_type="travel")
    second = open_claim(ctx, name="Sofia Rossi", phone="+39 347 123 4567", amount=12500)
    other = open_claim(ctx, name="Mateo Garcia", phone="+34 612 000 111", amount=800)
    party = cases.get_case(ctx, first)["customer"]["id"]
    return {"id": party, "cases": [first, second], "other": other}


@pytest.mark.parametrize("query", ["+39 347 123 4567", "+393471234567", "393471234567", "(+39) 347-123-4567",
                                   "sofia@example.com", "SOFIA@EXAMPLE.COM", "Sofia Rossi", "rossi"])
def test_one_box_finds_the_customer(ui: UiClient, customer: dict, query: str) -> None:
    ui.login("desk")
    response = ui.get("/desk", query_string={"q": query})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/desk/customers/{customer['id']}"


def test_a_case_reference_or_policy_number_finds_the_customer(ui: UiClient, customer: dict, ctx) -> None:
    ui.login("desk")
    by_reference = ui.get("/desk", query_string={"q": customer["cases"][1].lower()})
    assert by_reference.headers["Location"] == f"/desk/customers/{customer['id']}"
    by_policy = notes.find_customers(ctx, auth.principal_for(ctx, "desk"), "POL-4711037")
    assert {r["name"] for r in by_policy} == {"Sofia Rossi", "Mateo Garcia"}  # the test claims share one policy
    listed = ui.get("/desk", query_string={"q": "POL-4711037"}).get_data(as_text=True)
    assert "Sofia Rossi" in listed and "Mateo Garcia" in listed and "2 case(s), 2 open" in listed


def test_nobody_found_says_what_to_try(ui: UiClient, customer: dict) -> None:
    ui.login("desk")
    html = ui.get("/desk", query_string={"q": "+44 20 7946 0000"}).get_data(as_text=True)
    assert "Nobody found" in html


def test_live_search_answers_with_the_results_only(ui: UiClient, customer: dict) -> None:
    ui.login("desk")
    response = ui.get("/desk", query_string={"q": "sofia@example.com"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Sofia Rossi" in html


def test_the_customer_page_shows_every_case_in_plain_words(ui: UiClient, customer: dict) -> None:
    ui.login("desk")
    html = ui.get(f"/desk/customers/{customer['id']}").get_data(as_text=True)
    for reference in customer["cases"]:
        assert f'id="case-{reference}"' in html
    assert customer["other"] not in html
    assert "Your claim is being assessed by our claims team" in html
    assert "With us: Assess claim (Claims triage" in html
    assert html.count("+39 347 123 4567") == 1 and "+393471234567" not in html  # one phone, in one format
    assert "<dt>Phone</dt>" not in html and "<dt>Email</dt>" not in html  # shown once, in the header


def test_log_a_call_in_three_clicks(ui: UiClient, customer: dict, ctx) -> None:
    """Open the customer (1), type the summary, press "Log interaction" (2): phone and inbound are preset and
    the newest open case is chosen."""
    ui.login("desk")
    page = ui.get(f"/desk/customers/{customer['id']}").get_data(as_text=True)
    newest = customer["cases"][1]
    assert f'<option value="{newest}" selected>' in page
    assert '<option value="phone" selected>' in page and '<option value="inbound" selected>' in page
    response = ui.post(f"/desk/customers/{customer['id']}/interactions",
                       {"reference": newest, "channel": "phone", "direction": "inbound",
                        "summary": "Asked when the claim will be decided; read out the status."})
    assert response.status_code == 303
    back = ui.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phone logged on" in back and "Asked when the claim will be decided" in back
    entry = cases.timeline(ctx, newest)[0]
    assert (entry["type"], entry["channel"], entry["actor"]) == ("interaction", "phone", "desk")
    case_page = ui.get(f"/cases/{newest}").get_data(as_text=True)
    assert "Phone (inbound)" in case_page and "read out the status" in case_page


def test_an_empty_summary_is_not_logged(ui: UiClient, customer: dict, ctx) -> None:
    ui.login("desk")
    reference = customer["cases"][0]
    response = ui.post(f"/desk/customers/{customer['id']}/interactions",
                       {"reference": reference, "channel": "phone", "direction": "inbound", "summary": " "},
                       follow_redirects=True)
    assert "The interaction was not logged: summary is required." in response.get_data(as_text=True)
    assert all(e["type"] != "interaction" for e in cases.timeline(ctx, reference))


def test_a_designer_may_read_but_not_log(ui: UiClient, customer: dict) -> None:
    ui.login("designer")
    assert ui.get(f"/cases/{customer['cases'][0]}").status_code == 200  # reads the case
    desk = ui.get(f"/desk/customers/{customer['id']}")  # the desk is not a designer's screen
    assert desk.status_code == 403 and "Your work is in the designer." in desk.get_data(as_text=True)
    refused = ui.post(f"/cases/{customer['cases'][0]}/interactions",
                      {"channel": "phone", "direction": "inbound", "summary": "hello"})
    assert refused.status_code == 403
