"""The event relay: the events table is the transactional outbox; the relay reads it in commit order and hands
each new event to the channels (webhook deliveries, customer notifications) in one transaction with its cursor.

Every change already writes its events in its own transaction, so nothing here runs in a request: the relay
and the deliveries run in the worker, and a slow or dead receiver costs the engine nothing.

Commit order: on SQLite one writer at a time (the writer lock) makes id order commit order. On PostgreSQL ids
are taken before commit, so a transaction that started earlier can commit an event with a smaller id after a
larger one was read; each event therefore carries the id of the transaction that wrote it (``txid``, migration
0007) and the relay reads only events of transactions older than every one of this database still running, by
(txid, id). (It needs to see the application's own sessions in pg_stat_activity: run it as the same role.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import BigInteger, and_, literal, literal_column, or_, select, text
from sqlalchemy.orm import Session

from engine.context import Context
from engine.models import Case, Event, RelayCursor

CURSOR = "channels"
BATCH = 500


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    case_id: int | None
    case_reference: str | None
    kind: str
    actor: str
    payload: dict[str, Any]
    created_at: datetime


Consumer = Callable[[Context, Session, list[OutboxEvent]], None]

EVENTS = Event.__table__
TXID = literal_column("events.txid", BigInteger)
# The statement's snapshot is taken before pg_stat_activity is read: a writer running at the snapshot either still
# runs when the activity is read (then its xid holds the boundary back) or has committed (then the next statement
# sees its events); a writer that starts later gets an xid at or above the snapshot's xmax.
BOUNDARY = text(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax, "
    "COALESCE((SELECT array_agg(backend_xid::text::bigint) FROM pg_stat_activity WHERE datname = current_database()"
    " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()), '{}') AS running")
COLUMNS = (EVENTS.c.id, EVENTS.c.case_id, EVENTS.c.kind, EVENTS.c.actor, EVENTS.c.payload, EVENTS.c.created_at)


def _cursor(ctx: Context, session: Session) -> RelayCursor:
    query = select(RelayCursor).where(RelayCursor.name == CURSOR)
    if not ctx.db.is_sqlite:
        query = query.with_for_update()  # one relay at a time: a second worker waits, then reads the new cursor
    cursor = session.scalar(query)
    if cursor is None:
        cursor = RelayCursor(name=CURSOR, txid=0, position=0)
        session.add(cursor)
        session.flush()
    return cursor


def _rows(ctx: Context, session: Session, cursor: RelayCursor, limit: int) -> list[Any]:
    if ctx.db.is_sqlite:
        query = select(*COLUMNS, literal(0, BigInteger).label("txid")).where(EVENTS.c.id > cursor.position) \
            .order_by(EVENTS.c.id)
    else:
        query = select(*COLUMNS, TXID.label("txid")).where(
            or_(TXID > cursor.txid, and_(TXID == cursor.txid, EVENTS.c.id > cursor.position)),
            TXID < _boundary(session)).order_by(TXID, EVENTS.c.id)
    return list(session.execute(query.limit(limit)))


def _boundary(session: Session) -> int:
    """The oldest transaction of this database that may still write events (its xid, or the next xid).

    Why this database only: the cluster-wide oldest running transaction (``pg_snapshot_xmin``) would let a long
    transaction in any other database on the server hold every webhook and notification back."""
    xmax, running = session.execute(BOUNDARY).one()
    epoch = xmax >> 32
    full = [(epoch << 32) | xid if ((epoch << 32) | xid) <= xmax else ((epoch - 1) << 32) | xid for xid in running]
    return int(min([xmax, *full]))


def _events(session: Session, rows: list[Any]) -> list[OutboxEvent]:
    ids = {r.case_id for r in rows if r.case_id is not None}
    refs = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
    return [OutboxEvent(r.id, r.case_id, refs.get(r.case_id), r.kind, r.actor, r.payload or {}, r.created_at)
            for r in rows]


def relay(ctx: Context, consumers: list[Consumer], limit: int = BATCH) -> int:
    """Hand the next committed events to every consumer and move the cursor past them, in one transaction
    (a crash before the commit hands them over again; consumers write nothing twice per event)."""
    with ctx.write() as session:
        cursor = _cursor(ctx, session)
        rows = _rows(ctx, session, cursor, limit)
        if not rows:
            return 0
        events = _events(session, rows)
        for consume in consumers:
            consume(ctx, session, events)
        cursor.txid, cursor.position = int(rows[-1].txid), int(rows[-1].id)
    return len(rows)


def relay_all(ctx: Context, consumers: list[Consumer]) -> int:
    total = 0
    while True:
        count = relay(ctx, consumers)
        total += count
        if count < BATCH:
            return total
