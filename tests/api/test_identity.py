"""Identity resolution as a user meets it over the API: who a new request is about, duplicates, merge and undo,
and finding customers (rules in engine/services/parties.py). SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest

from engine.services import auth, parties
from tests.api.conftest import new_case_body
from tests.conftest import Api


def _open(api, name: str, email: str | None = None, phone: str | None = None, role: str = "integration"):  # type: ignore[no-untyped-def]
    customer = {"name": name, **({"email": email} if email else {}), **({"phone": phone} if phone else {})}
    response = api.post("/api/v1/cases", role=role, json={**new_case_body(), "customer": customer})
    assert response.status_code == 201, response.json
    return response.json


def _duplicate_items(api):  # type: ignore[no-untyped-def]
    return [i for i in api.get("/api/v1/work-items?queue=customer_records").json["items"]
            if i["kind"] == "duplicate_party"]


def test_words_that_are_not_phone_numbers_match_nobody(api):
    first = _open(api, "Ann One", phone="n/a")
    second = _open(api, "Bob Two", phone="unknown")
    assert first["customer"]["id"] != second["customer"]["id"]
    assert first["customer"]["phone"] == "n/a"  # kept as given, shown as given


def test_a_phone_number_alone_never_identifies_a_customer(api):
    victim = _open(api, "Vera Victim", "vera@example.com", "+44 7700 900104")
    mallory = _open(api, "Mallory Other", "mallory@evil.example", "+44 7700 900104")
    assert mallory["customer"]["id"] != victim["customer"]["id"]
    assert (mallory["customer"]["name"], mallory["customer"]["email"]) == ("Mallory Other", "mallory@evil.example")
    vera = api.get(f"/api/v1/customers/{victim['customer']['id']}").json
    assert {i["value"] for i in vera["identifiers"]} == {"vera@example.com", "+447700900104"}  # nothing added
    assert _duplicate_items(api) == []  # another name: not even a suggestion


def test_a_strong_identifier_finds_the_customer_and_national_phone_forms_are_one_number(api):
    first = _open(api, "Søren Østergård", "soren@example.com")
    again = _open(api, "Soren Ostergard", "SOREN@example.com", "07700 900555")  # transliterated, national form
    assert again["customer"]["id"] == first["customer"]["id"]
    assert again["customer"]["phone"] == "+44 7700 900555"  # one format everywhere
    for query in ("+44 7700 900555", "07700900555", "0044 7700 900 555", "soren@EXAMPLE.com", first["reference"]):
        found = api.get("/api/v1/customers", query_string={"q": query}).json["items"]
        assert [c["id"] for c in found] == [first["customer"]["id"]], query
        assert {c["reference"] for c in found[0]["cases"]} == {first["reference"], again["reference"]}


def test_a_conflicting_request_gets_a_new_customer_and_a_person_decides(api, ctx):
    auth.ensure_user(ctx, "rita", ["backoffice"], team="Customer records")
    auth.set_team_queues(ctx, "Customer records", ["customer_records"])
    rita = auth.create_token(ctx, "rita", "backoffice")
    original = _open(api, "Pia Lindqvist", "pia@example.com")
    other = api.post("/api/v1/cases", json={**new_case_body(), "customer": {
        "name": "Per Lindgren", "email": "per@example.com", "external_id": "CRM-77"}}).json
    _open(api, "Pia Lindqvist", "pia.l@example.com", phone="+46 70 123 45 67")
    # the e-mail of Pia, but another name: never merged, nothing added to Pia
    conflict = api.post("/api/v1/cases", json={**new_case_body(), "customer": {
        "name": "P. Lindgren", "email": "pia@example.com"}}).json
    assert conflict["customer"]["id"] not in (original["customer"]["id"], other["customer"]["id"])
    pia = api.get(f"/api/v1/customers/{original['customer']['id']}").json
    assert [c["reference"] for c in pia["cases"]] == [original["reference"]]
    [item] = _duplicate_items(api)
    assert item["case_reference"] == conflict["reference"]
    detail = api.get(f"/api/v1/work-items/{item['id']}", role=rita).json
    assert "Pia Lindqvist" in detail["form"]["description"] and "P. Lindgren" in detail["form"]["description"]
    assert api.post(f"/api/v1/work-items/{item['id']}/claim", role=rita).status_code == 200
    merged = api.post(f"/api/v1/work-items/{item['id']}/complete", role=rita,
                      json={"data": {"decision": "merge", "reason": "Same person: confirmed by phone"}})
    assert merged.status_code == 200, merged.json
    pia = api.get(f"/api/v1/customers/{original['customer']['id']}").json
    assert {c["reference"] for c in pia["cases"]} == {original["reference"], conflict["reference"]}
    for ref in (original["reference"], conflict["reference"]):  # on both timelines, with the reason
        kinds = {e["kind"]: e for e in api.get(f"/api/v1/cases/{ref}/timeline").json["items"]}
        assert kinds["customers_merged"]["payload"]["reason"] == "Same person: confirmed by phone"
    undone = api.post(f"/api/v1/customers/{conflict['customer']['id']}/unmerge", role=rita,
                      json={"reason": "Merged by mistake"})
    assert undone.status_code == 200, undone.json
    pia = api.get(f"/api/v1/customers/{original['customer']['id']}").json
    assert [c["reference"] for c in pia["cases"]] == [original["reference"]]
    assert api.get(f"/api/v1/cases/{conflict['reference']}").json["customer"]["name"] == "P. Lindgren"
    kinds = [e["kind"] for e in api.get(f"/api/v1/cases/{original['reference']}/timeline").json["items"]]
    assert "customers_unmerged" in kinds
    assert api.post(f"/api/v1/customers/{conflict['customer']['id']}/unmerge", role=rita,
                    json={"reason": "again"}).status_code == 404


def test_customers_api_refuses_empty_and_unknown(api):
    assert api.get("/api/v1/customers").status_code == 422
    assert api.get("/api/v1/customers/999999").status_code == 404
    assert api.get(f"/api/v1/customers/{2**70}").status_code == 404
    assert api.get("/api/v1/customers?q=nobody-at-all@example.com").json["items"] == []


@pytest.mark.parametrize("a, b, same", [
    ("Jürgen Müller", "Jurgen Mueller", True), ("LINDQVIST PIA", "Pia Lindqvist", True),
    ("Łukasz Nowak", "Lukasz Nowak", True), ("Maria Garcia", "Maria Elena Garcia", True),
    ("Pia Lindqvist", "Per Lindgren", False), ("Pia Lindqvist", "Pia Lindgren", False), ("", "Ann", False),
    ("Lukasz", "Łukasz Żółć", False), ("SOREN OSTERGARD", "Søren Østergård", True), ("Cher", "CHER", True),
])
def test_names_are_compared_after_transliteration(a, b, same):
    assert parties.same_name(a, b) is same


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=False)
def test_concurrent_requests_for_one_new_customer_make_one_customer(ctx, tokens, client):
    barrier, results = threading.Barrier(12), []

    def run() -> None:
        api = Api(client.application.test_client(), tokens)
        barrier.wait()
        results.append(api.post("/api/v1/cases", json={**new_case_body(), "customer": {
            "name": "Nina Newcomer", "email": "nina@example.com", "phone": "+44 7700 900999"}}))

    threads = [threading.Thread(target=run) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [201] * 12, [r.json for r in results if r.status_code != 201]
    assert len({r.json["customer"]["id"] for r in results}) == 1


def test_a_national_id_identifies_and_a_conflicting_one_never_merges(api):
    first = api.post("/api/v1/cases", json={**new_case_body(), "customer": {
        "name": "Ana Pérez", "national_id": "12345678-Z"}}).json
    same = api.post("/api/v1/cases", json={**new_case_body(), "customer": {
        "name": "ANA PEREZ", "national_id": "12345678 z", "email": "ana@example.com"}}).json
    assert same["customer"]["id"] == first["customer"]["id"]
    other = api.post("/api/v1/cases", json={**new_case_body(), "customer": {
        "name": "Ana Pérez", "national_id": "87654321-X", "email": "ana@example.com"}}).json
    assert other["customer"]["id"] != first["customer"]["id"]  # another national id: a person decides
    assert [i["case_reference"] for i in _duplicate_items(api)] == [other["reference"]]
