"""The customer's self-service link over HTTP: signed, expiring, revocable; the page shows the customer's own
facts only; uploads go through capture and move the process on; forms are CSRF-safe; requests are limited."""
from __future__ import annotations

import io
import re

import pytest

from engine.services import cases, documents, scheduler, selfservice
from tests.capture.documents import DOCUMENTS, encode, scan
from tests.channels.conftest import tick
from tests.scenarios.claims import ClaimDesk, claim_data


def open_claim(ctx, clock, **overrides):  # type: ignore[no-untyped-def]
    return ClaimDesk(ctx, clock).open(claim_data("motor", 800, complete=False, documents_provided=["claim_form"],
                                                 **overrides))


def link(api, ref: str, role: str = "frontoffice") -> str:  # type: ignore[no-untyped-def]
    response = api.post(f"/api/v1/cases/{ref}/self-service-link", role=role)
    assert response.status_code == 201, response.json
    assert response.json["expires_at"] and response.json["url"].startswith("http://localhost/s/")
    return response.json["url"].removeprefix("http://localhost")


def form_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_page_tells_the_customer_what_is_missing_and_nothing_internal(api, client, ctx, clock):
    ref = open_claim(ctx, clock)
    cases.log_interaction(ctx, cases.LogInteraction(ref, "phone", "inbound", "Agent note: customer sounded upset"),
                          "frontoffice-user")
    path = link(api, ref)
    assert link(api, ref) == path  # the active link is reused, not multiplied
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "same-origin"
    assert "We are waiting for something from you" in html and "Repair estimate" in html
    assert 'accept="image/*" capture="environment"' in html
    assert "upset" not in html and "frontoffice-user" not in html and "POL-1234567" not in html
    assert "Phone" in html  # the call shows with its channel, not with the agent's words


@pytest.mark.parametrize("spoil", ["revoke", "expire", "tamper"])
def test_a_revoked_expired_or_tampered_link_shows_one_clear_page(api, client, ctx, clock, spoil):
    ref = open_claim(ctx, clock)
    path = link(api, ref)
    if spoil == "revoke":
        assert api.call("DELETE", f"/api/v1/cases/{ref}/self-service-link", role="frontoffice").status_code == 204
        assert api.call("DELETE", f"/api/v1/cases/{ref}/self-service-link", role="frontoffice").status_code == 404
    elif spoil == "expire":
        clock.advance(days=ctx.settings.self_service_days, seconds=1)
    else:
        path = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "This link no longer works" in html
    assert ref not in html and "Ann" not in html and "estimate" not in html
    assert client.post(path + "/documents", data={}).status_code == 410


def test_a_photo_sent_from_the_page_is_captured_and_the_claim_moves_on(api, client, ctx, clock):
    ref = open_claim(ctx, clock)
    path = link(api, ref)
    token = form_token(client.get(path).get_data(as_text=True))
    lines = [line.replace("CLM-2026-000123", ref) for line in DOCUMENTS["repair_estimate"][0]]
    photo = encode(scan(lines, seed=3), "JPEG", quality=90)
    sent = client.post(path + "/documents", data={"form_token": token, "file": (io.BytesIO(photo), "IMG_0042.jpg")},
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    assert "received your document" in client.get(sent.headers["Location"]).get_data(as_text=True)
    tick(ctx)
    while scheduler.run_due_jobs(ctx):
        pass
    case = cases.get_case(ctx, ref)
    assert case["checklist"]["complete"] and [t["name"] for t in case["open_tasks"]] == ["assess"]
    html = client.get(path).get_data(as_text=True)
    assert "We are working on it" in html and "IMG_0042.jpg" in html and "What we need from you" not in html
    timeline = cases.timeline(ctx, ref)
    assert any(e["type"] == "interaction" and e["channel"] == "web" for e in timeline)


def test_forms_need_their_token_and_the_same_origin(api, client, ctx, clock):
    ref = open_claim(ctx, clock)
    path = link(api, ref)
    token = form_token(client.get(path).get_data(as_text=True))
    file = (io.BytesIO(b"%PDF-1.4 nothing"), "x.pdf")
    assert client.post(path + "/documents", data={"file": file}, content_type="multipart/form-data").status_code == 403
    other = client.post(path + "/documents", data={"form_token": token}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    assert documents.case_documents(ctx, ref) == []


def test_at_closure_the_two_questions_are_asked_once_and_kept(api, client, ctx, clock):
    desk = ClaimDesk(ctx, clock)
    ref = desk.open(claim_data("motor", 800))
    path = link(api, ref)
    assert "Two quick questions" not in client.get(path).get_data(as_text=True)
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=750)
    html = client.get(path).get_data(as_text=True)
    assert "Two quick questions" in html and "Closed" in html
    token = form_token(html)
    assert client.post(path + "/feedback", data={"form_token": token, "satisfaction": "9", "ease": "3"}).status_code == 422
    assert client.post(path + "/feedback", data={"form_token": token, "satisfaction": "4", "ease": "6"}).status_code == 303
    assert selfservice.feedback_of(ctx, ref)["satisfaction"] == 4 and selfservice.feedback_of(ctx, ref)["ease"] == 6
    assert "Two quick questions" not in client.get(path).get_data(as_text=True)
    assert client.post(path + "/feedback", data={"form_token": token, "satisfaction": "1", "ease": "1"}).status_code == 422
    assert selfservice.feedback_of(ctx, ref)["satisfaction"] == 4


def test_requests_are_rate_limited(api, client, ctx, clock):
    path = link(api, open_claim(ctx, clock))
    codes = [client.get(path).status_code for _ in range(125)]
    assert codes[:120] == [200] * 120 and codes[-1] == 429
