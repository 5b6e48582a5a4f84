"""E-mail out against a real SMTP server on loopback (aiosmtpd): the notifications a process names are written
from the designer's templates with the customer's link, sent once, retried while the server defers or is down,
and shown as outbound e-mail on the timeline; the customer's reply lands on the same case."""
from __future__ import annotations

import dataclasses

import pytest

from engine.services import cases, mail_in, notify
from tests.channels.conftest import tick
from tests.channels.mailservers import Smtp, smtp  # noqa: F401 - fixture
from tests.scenarios.claims import ClaimDesk, claim_data


@pytest.fixture
def mailing(ctx, smtp):  # noqa: F811 - the fixture imported above
    return dataclasses.replace(ctx, settings=ctx.settings.with_(smtp_host="127.0.0.1", smtp_port=smtp.port,
                                                                smtp_security="none",
                                                                mail_from="Claims <claims@insurer.example>"))


def missing_estimate(ctx, clock) -> str:  # type: ignore[no-untyped-def]
    return ClaimDesk(ctx, clock).open(claim_data("motor", 800, complete=False, documents_provided=["claim_form"]))


def outbound(ctx, ref: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e for e in cases.timeline(ctx, ref) if e["type"] == "interaction" and e["direction"] == "outbound"]


def test_documents_requested_is_mailed_once_from_the_template_with_the_customers_link(mailing, clock, smtp, client):  # noqa: F811
    ref = missing_estimate(mailing, clock)
    tick(mailing)
    [msg] = smtp.messages
    assert msg["To"] == "ann@example.com" and msg["From"] == "Claims <claims@insurer.example>"
    assert msg["Subject"] == f"Your claim {ref}: we need your repair estimate"
    body = msg.get_content()
    assert body.startswith("Dear Ann Example,") and "{" not in body
    url = next(line for line in body.splitlines() if "/s/" in line).strip()
    assert url.startswith("http://127.0.0.1:8000/s/")
    page = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and "Repair estimate" in page.get_data(as_text=True)
    [entry] = outbound(mailing, ref)
    assert (entry["channel"], entry["summary"]) == ("email", msg["Subject"])
    tick(mailing)
    tick(mailing)
    assert len(smtp.messages) == 1  # never twice


def test_the_decision_is_mailed_and_the_customers_reply_stays_on_the_case(mailing, clock, smtp):  # noqa: F811
    desk = ClaimDesk(mailing, clock)
    ref = desk.open(claim_data("motor", 800))
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=750)
    tick(mailing)
    [msg] = smtp.messages
    assert msg["Subject"] == f"Your claim {ref} is approved" and "750.00 EUR" in msg.get_content()
    reply = (f"From: Someone <other@example.net>\r\nSubject: Thanks!\r\nMessage-ID: <r1@example.net>\r\n"
             f"In-Reply-To: {msg['Message-ID']}\r\n\r\nThank you very much.\r\n").encode()
    outcome = mail_in.take_in(mailing, reply)
    assert (outcome.case_reference, outcome.matched_by) == (ref, "thread")


def test_a_deferring_or_absent_server_means_a_later_retry_and_one_copy(mailing, clock, smtp):  # noqa: F811
    smtp.refuse = True
    ref = missing_estimate(mailing, clock)
    tick(mailing)
    assert smtp.messages == [] and outbound(mailing, ref) == []
    smtp.refuse = False
    smtp.stop()
    clock.advance(minutes=2)
    tick(mailing)  # nobody listens: still waiting, nothing lost
    smtp.start()
    tick(mailing)
    assert smtp.messages == []  # not due yet: backoff
    clock.advance(hours=1)
    tick(mailing)
    assert len(smtp.messages) == 1 and len(outbound(mailing, ref)) == 1


def test_a_customer_without_an_address_is_noted_not_mailed(mailing, clock, smtp):  # noqa: F811
    view, _ = cases.open_case(mailing, cases.OpenCase("claim", cases.Customer("No Mail", phone="+3161234"), "phone",
                                                      claim_data("motor", 800, complete=False)), "desk")
    tick(mailing)
    assert smtp.messages == []
    assert "notification_not_sent" in [e["kind"] for e in cases.timeline(mailing, view["reference"])]


def test_templates_per_language_with_the_default_as_fallback(ctx):
    nl = notify.load_template(ctx, "claim", "nl", "request_documents")
    assert nl is not None and nl.startswith("Subject: Uw schademelding")
    assert notify.load_template(ctx, "claim", "nl", "notify_paid") == notify.load_template(ctx, "claim", "en",
                                                                                            "notify_paid")
    assert notify.load_template(ctx, "claim", "../../etc", "passwd") is None
    subject, body = notify.compose(None, {"case_type": "claim", "reference": "CLM-1", "message": "Hello.",
                                          "self_service_url": "https://x/s/t"})
    assert subject == "About your claim CLM-1" and "Hello." in body and "https://x/s/t" in body
