"""The event relay reads the outbox in commit order: an event whose transaction commits late is never skipped,
even when later events were committed (and relayed) meanwhile. Real PostgreSQL; SQLite has one writer."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.models import Event, WebhookDelivery
from engine.services import outbox, webhooks
from tests.scenarios.claims import ClaimDesk, claim_data


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.mark.postgres
def test_an_event_committed_late_is_relayed_not_skipped(ctx, clock):
    webhooks.subscribe(ctx, "http://127.0.0.1:9/", ["case.opened"], "test")
    late = ctx.db.write_engine.connect()
    trans = late.begin()
    late_id = late.execute(Event.__table__.insert().returning(Event.__table__.c.id), dict(
        case_id=None, kind="case_opened", actor="slow writer", payload={"channel": "web"},
        created_at=datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))).scalar_one()
    try:
        ClaimDesk(ctx, clock).open(claim_data("motor", 800))  # a later transaction commits first
        outbox.relay_all(ctx, [webhooks.fan_out])
        with ctx.read() as session:
            relayed = set(session.scalars(select(WebhookDelivery.event_id)))
        assert late_id not in relayed and relayed == set()  # held back behind the running transaction
        trans.commit()
    finally:
        late.close()
    outbox.relay_all(ctx, [webhooks.fan_out])
    with ctx.read() as session:
        relayed = list(session.scalars(select(WebhookDelivery.event_id).order_by(WebhookDelivery.id)))
    assert relayed[0] == late_id and len(relayed) == 2  # the late one first (its transaction is older), then the claim
