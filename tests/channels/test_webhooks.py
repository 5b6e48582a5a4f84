"""Webhooks end to end: a receiver on loopback gets a claim's whole life, signed and in order; a receiver that
is down holds nothing up and gets the backlog once back; subscriptions are validated and admin-only.

The worker's channel step (``channels.tick``) is called directly so the test decides when it runs; the HTTP
deliveries are real requests to a real server on 127.0.0.1.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine.services import cases, documents, scheduler, webhooks
from engine.services.parties import Customer
from tests.capture.documents import DOCUMENTS, encode, scan
from engine.services.webhooks import PUBLIC_TYPES
from tests.channels.conftest import tick
from tests.scenarios.claims import ClaimDesk, claim_data


def subscribe(api, url: str, events=PUBLIC_TYPES):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/webhooks", role="admin", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.json
    return response.json


def signed(received, secret: str, clock) -> bool:  # type: ignore[no-untyped-def]
    return webhooks.verify(secret, received.body, received.headers["Caseworks-Signature"],
                           now=clock.now().timestamp())


def test_a_claims_whole_life_arrives_signed_and_in_order(api, ctx, clock, receiver):
    hook = subscribe(api, receiver.url)
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 30
    desk = ClaimDesk(ctx, clock)
    ref = desk.open(claim_data("motor", 800))
    tick(ctx)
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=750)
    tick(ctx)

    bodies = [r.json for r in receiver.received]
    assert all(signed(r, hook["secret"], clock) for r in receiver.received)
    assert [r.headers["Caseworks-Event"] for r in receiver.received] == [b["type"] for b in bodies]
    assert {b["case_reference"] for b in bodies} == {ref}
    types = [b["type"] for b in bodies]
    assert types == ["case.opened", "work_item.created", "work_item.completed", "case.status_changed",
                     "case.closed"], types
    assert bodies[1]["data"]["task"] == "assess" and bodies[2]["data"]["data"]["decision"] == "approve"
    assert (bodies[3]["data"]["from"], bodies[3]["data"]["status"]) == ("open", "closed")
    assert bodies[4]["data"]["outcome"] == "paid"
    assert [int(b["id"].removeprefix("evt_")) for b in bodies] == sorted(int(b["id"][4:]) for b in bodies)
    assert all(set(b) == {"id", "type", "occurred_at", "case_reference", "data"} for b in bodies)
    log = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", role="admin").json["items"]
    assert len(log) == 5 and {d["status"] for d in log} == {"delivered"} and log[0]["log"][0]["status"] == 204


def test_a_tampered_body_or_another_secret_fails_the_signature(api, ctx, clock, receiver):
    hook = subscribe(api, receiver.url, ["case.opened"])
    ClaimDesk(ctx, clock).open(claim_data("motor", 800))
    tick(ctx)
    [got] = receiver.received
    assert signed(got, hook["secret"], clock)
    got.body = got.body.replace(b"case.opened", b"case.closed")
    assert not signed(got, hook["secret"], clock)
    assert not webhooks.verify("whsec_other", got.body, got.headers["Caseworks-Signature"])


def test_while_the_receiver_is_down_cases_go_on_and_the_backlog_arrives_in_order(api, ctx, clock, receiver):
    hook = subscribe(api, receiver.url, ["case.opened", "case.status_changed", "case.closed"])
    receiver.stop()
    desk = ClaimDesk(ctx, clock)
    refs = [desk.open(claim_data("motor", 800)) for _ in range(3)]
    tick(ctx)
    for ref in refs:  # the engine goes on while nobody listens
        desk.complete(ref, "assess", "alice", decision="approve", approved_amount=700)
    tick(ctx)
    assert all(desk.case(ref)["status"] == "closed" for ref in refs)
    pending = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=pending", role="admin").json["items"]
    assert len(pending) == 9
    tried = [d for d in pending if d["attempts"]]
    # a receiver that does not answer costs one attempt per pass, not one per waiting delivery
    assert 1 <= len(tried) < len(pending) and all("ConnectionError" in d["last_error"] for d in tried)

    receiver.start()
    clock.advance(minutes=5)  # past the backoff
    tick(ctx)
    per_case = {ref: [r.json["type"] for r in receiver.received if r.json["case_reference"] == ref] for ref in refs}
    assert per_case == {ref: ["case.opened", "case.status_changed", "case.closed"] for ref in refs}
    assert all(signed(r, hook["secret"], clock) for r in receiver.received)


def test_retries_back_off_for_more_than_a_day_then_stop_and_replay_sends_again(api, ctx, clock, receiver):
    hook = subscribe(api, receiver.url, ["case.opened"])
    receiver.status = 500
    ref = ClaimDesk(ctx, clock).open(claim_data("motor", 800))
    started, waits = clock.now(), []
    for _ in range(100):
        tick(ctx)
        [d] = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", role="admin").json["items"]
        if d["status"] != "pending":
            break
        due = datetime.fromisoformat(d["next_attempt_at"])
        waits.append(due - clock.now())
        clock.set(due)
    assert d["status"] == "failed" and d["last_status"] == 500
    assert clock.now() - started >= timedelta(hours=24)  # kept trying for at least a day
    assert waits[:4] == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40), timedelta(seconds=80)]
    assert max(waits) == timedelta(hours=1) and waits == sorted(waits)
    assert len(receiver.received) == d["attempts"] == len(waits) + 1
    receiver.status = 200
    replayed = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{d['n']}/replay", role="admin")
    assert replayed.status_code == 202 and replayed.json["status"] == "pending"
    tick(ctx)
    assert receiver.received[-1].body == receiver.received[0].body  # the same event, the same bytes
    assert receiver.received[-1].json["case_reference"] == ref
    [d] = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", role="admin").json["items"]
    assert d["status"] == "delivered"


def test_subscriptions_are_validated_and_for_admins_only(api, receiver):
    bad = api.post("/api/v1/webhooks", role="admin", json={"url": "file:///etc/passwd", "events": ["nope"]})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"url", "events"}
    assert api.post("/api/v1/webhooks", role="admin", json={"url": "http://u:p@example.com/", "events":
                    ["case.opened"]}).status_code == 422
    assert api.post("/api/v1/webhooks", role="integration",
                    json={"url": receiver.url, "events": ["case.opened"]}).status_code == 403
    hook = subscribe(api, receiver.url, ["case.closed"])
    listed = api.get("/api/v1/webhooks", role="admin").json["items"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert api.call("DELETE", f"/api/v1/webhooks/{hook['id']}", role="admin").status_code == 204
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", role="admin").status_code == 404
    assert api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/1/replay", role="admin").status_code == 404


def test_a_captured_document_and_the_flag_it_raises_are_sent(api, ctx, clock, receiver):
    hook = subscribe(api, receiver.url, ["document.indexed", "flag.raised"])
    loan, _ = cases.open_case(ctx, cases.OpenCase("loan", Customer("Jane Doe", email="jane@example.com"), "web", {
        "amount": 12000, "term_months": 48, "purpose": "car", "monthly_income": 3200, "monthly_debts": 150,
        "employment_type": "employed"}), "web")
    payslip = encode(scan(DOCUMENTS["payslip"][0], seed=7), "PNG")
    documents.upload(ctx, documents.Upload("payslip.png", payslip, "web", loan["reference"]), "web")
    while scheduler.run_due_jobs(ctx):
        pass
    tick(ctx)
    got = [(r.json["type"], r.json["case_reference"]) for r in receiver.received]
    assert got == [("document.indexed", loan["reference"]), ("flag.raised", loan["reference"])]
    assert receiver.received[0].json["data"]["doc_type"] == "payslip"
    assert receiver.received[1].json["data"]["kind"] == "income_mismatch"
    assert all(signed(r, hook["secret"], clock) for r in receiver.received)
