"""Messages with correlation keys, to a case or addressed by correlation value alone; never a 500."""
from __future__ import annotations

from tests.designer.conftest import open_case, upload
from tests.designer.correlation_models import payment_files


def _deploy(api, key: str, announce: bool) -> None:  # type: ignore[no-untyped-def]
    response = upload(api, payment_files(key, announce=announce))
    assert response.status_code == 201, response.json


def test_a_receive_task_with_correlation_takes_the_matching_message(designer_api):
    _deploy(designer_api, "orders", announce=True)
    case = open_case(designer_api, "orders", order_id=7).json
    assert case["waiting_for"] == ["payment_received"] and case["status_text"] == "Waiting for the payment of order 7"
    path = f"/api/v1/cases/{case['reference']}/messages/payment_received"

    wrong = designer_api.post(path, json={"data": {"amount": 10}, "correlations": {"order_id": 8}})
    assert wrong.status_code == 409 and "other correlation values" in wrong.json["error"]["message"]
    assert wrong.json["error"]["details"]["expected"] == {"order": {"order_id": 7}}
    missing = designer_api.post(path, json={"data": {"amount": 10}})  # the payload holds no order id either
    assert missing.status_code == 422 and "correlations.order_id" in missing.json["error"]["details"]
    unknown = designer_api.post(f"/api/v1/cases/{case['reference']}/messages/nothing", json={})
    assert unknown.status_code == 409 and unknown.json["error"]["details"]["waiting_for"] == ["payment_received"]

    nested = designer_api.post(path, json={"data": {"amount": 10}, "correlations": {"order": {"order_id": 7}}})
    assert nested.status_code == 202, nested.json
    assert (nested.json["status"], nested.json["outcome"]) == ("closed", "paid")
    assert nested.json["data"]["payment"]["amount"] == 10


def test_the_correlation_value_may_come_in_the_payload(designer_api):
    _deploy(designer_api, "orders", announce=True)
    case = open_case(designer_api, "orders", order_id=7).json
    response = designer_api.post(f"/api/v1/cases/{case['reference']}/messages/payment_received",
                                 json={"data": {"order_id": 7, "amount": 5}})
    assert response.status_code == 202 and response.json["status"] == "closed"


def test_a_message_finds_its_case_by_correlation_value(designer_api):
    _deploy(designer_api, "orders", announce=True)
    _deploy(designer_api, "invoices", announce=False)
    orders = {n: open_case(designer_api, "orders", order_id=n).json["reference"] for n in (1, 2, 3)}
    invoice = open_case(designer_api, "invoices", order_id=40).json["reference"]

    response = designer_api.post("/api/v1/messages/payment_received",
                                 json={"data": {"amount": 99}, "correlations": {"order_id": 2}})
    assert response.status_code == 202, response.json
    assert response.json["reference"] == orders[2] and response.json["status"] == "closed"
    for n in (1, 3):
        assert designer_api.get(f"/api/v1/cases/{orders[n]}").json["status"] == "waiting"

    by_data = designer_api.post("/api/v1/messages/payment_received", json={"correlations": {"order_id": 40}})
    assert by_data.status_code == 202 and by_data.json["reference"] == invoice  # key read from the case data

    none = designer_api.post("/api/v1/messages/payment_received", json={"correlations": {"order_id": 2}})
    assert none.status_code == 409 and "no running case" in none.json["error"]["message"]
    no_keys = designer_api.post("/api/v1/messages/payment_received", json={"data": {}})
    assert no_keys.status_code == 422
    assert designer_api.post("/api/v1/messages/payment_received", json={"correlations": "x"}).status_code == 422


def test_two_cases_with_the_same_value_are_never_guessed_between(designer_api):
    _deploy(designer_api, "orders", announce=True)
    first = open_case(designer_api, "orders", order_id=5).json["reference"]
    second = open_case(designer_api, "orders", order_id=5).json["reference"]
    response = designer_api.post("/api/v1/messages/payment_received", json={"correlations": {"order_id": 5}})
    assert response.status_code == 409 and set(response.json["error"]["details"]["cases"]) == {first, second}
