"""The embedded default's generator: the same demo templates as bench/scalegen.py, copied into SQLite in chunks
with executemany (SQLite has no generate_series or intervals to do it set-based; one writer, no round trips)."""
from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy import select, text

from bench.scalegen import CLAIMED_SHARE, FIRST, LAST, PARTIES_PER_CASE, PEOPLE_PER_TEAM, STATUS_SHARE, SURNAME_SKEW
from engine import search
from engine.context import Context
from engine.models import Case, Counter, Event, Party, PartyIdentifier, ProcessInstance, Team, User, WorkItem

CHUNK = 10_000
OPEN = ("ready", "claimed")


def _templates(conn: Any) -> list[dict[str, Any]]:
    found = []
    for case in conn.execute(select(Case.__table__).where(Case.status.in_(tuple(STATUS_SHARE)))).mappings():
        party = conn.execute(select(Party.__table__).where(Party.id == case["party_id"])).mappings().one()
        found.append({
            "case": dict(case), "party": dict(party),
            "instance": dict(conn.execute(select(ProcessInstance.__table__).where(
                ProcessInstance.case_id == case["id"])).mappings().one()),
            "items": [dict(r) for r in conn.execute(select(WorkItem.__table__).where(
                WorkItem.case_id == case["id"]).order_by(WorkItem.id)).mappings()],
            "events": [dict(r) for r in conn.execute(select(Event.__table__).where(
                Event.case_id == case["id"]).order_by(Event.id)).mappings()],
            "words": search.fold(" ".join(search.flatten(case["data"] or {}))),
        })
    return found


def _slots(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    slots = []
    for status, share in STATUS_SHARE.items():
        chosen = [t for t in templates if t["case"]["status"] == status]
        slots += [chosen[i % len(chosen)] for i in range(round(1000 * share))] if chosen else []
    return slots


def _people(conn: Any, hashed: str, now: Any) -> dict[str, list[int]]:
    for team in conn.execute(select(Team.__table__)).mappings():
        slug = "".join(ch for ch in team["name"].lower() if ch.isalnum())
        conn.execute(User.__table__.insert(), [dict(
            username=f"{slug}-{n}", display_name=f"{team['name']} member {n}", password_hash=hashed,
            roles=["backoffice"], team_id=team["id"], active=True, created_at=now) for n in range(1, PEOPLE_PER_TEAM + 1)])
    pool: dict[str, list[int]] = {}
    for team in conn.execute(select(Team.__table__)).mappings():
        ids = list(conn.scalars(select(User.id).where(User.team_id == team["id"], User.active.is_(True))))
        for queue in team["queues"] or []:
            pool.setdefault(queue, []).extend(ids)
    return pool


class Copier:
    """Rows of one new case from a template: shifted times, own customer and reference, items due around now."""

    def __init__(self, now: Any, pool: dict[str, list[int]], counters: dict[str, int], first_party: int,
                 parties: int) -> None:
        self.now, self.pool, self.counters = now, pool, counters
        self.first_party, self.parties = first_party, parties
        self.rng = random.Random(42)
        self.known: dict[int, dict[str, Any]] = {}

    def party(self, g: int) -> tuple[dict[str, Any], bool]:
        """The customer of case ``g`` and whether they are new (a quarter of cases are a returning customer's)."""
        if g > self.parties:
            return self.known[self.first_party + (g - 1) % self.parties], False
        first = FIRST[g * 31 % len(FIRST)]
        last = LAST[int(len(LAST) * self.rng.random() ** SURNAME_SKEW)]
        party = dict(id=self.first_party + g - 1, name=f"{first} {last}", phone=f"+316{g:08d}", created_at=self.now,
                     email=f"{first}.{last.replace(' ', '')}.{g}@example.com".lower())
        self.known[party["id"]] = party
        return party, True

    def case(self, g: int, t: dict[str, Any], case_id: int, party: dict[str, Any], rows: dict[str, list]) -> None:
        c, closed = t["case"], t["case"]["status"] == "closed"
        start = self.now - (timedelta(days=700 * self.rng.random() + 20) if closed
                            else timedelta(days=12 * self.rng.random()))
        delta, due = start - c["created_at"], self.now + timedelta(days=12 * self.rng.random() - 2)
        shift = lambda v: v + delta if v is not None else None  # noqa: E731
        key = f"{c['reference'].split('-')[0]}-{start.year}"
        self.counters[key] = self.counters.get(key, 0) + 1
        reference = f"{key}-{self.counters[key]:06d}"
        rows["cases"].append({**c, "id": case_id, "reference": reference, "party_id": party["id"],
                              "idempotency_key": None, "request_hash": None, "created_at": start,
                              "updated_at": shift(c["updated_at"]), "closed_at": shift(c["closed_at"]),
                              "sla_due_at": shift(c["sla_due_at"]) if closed else due})
        i = t["instance"]
        rows["instances"].append({**{k: v for k, v in i.items() if k != "id"}, "case_id": case_id,
                                  "updated_at": shift(i["updated_at"]),
                                  "next_timer_at": due + timedelta(days=1) if i["next_timer_at"] else None})
        claim = self.rng.random() < CLAIMED_SHARE
        for w in t["items"]:
            item = {**{k: v for k, v in w.items() if k != "id"}, "case_id": case_id, "document_id": None,
                    "created_at": shift(w["created_at"]), "completed_at": shift(w["completed_at"]),
                    "claimed_at": shift(w["claimed_at"]), "due_at": shift(w["due_at"])}
            people = self.pool.get(w["queue"]) or []
            if w["state"] in OPEN:
                taker = people[g * 13 % len(people)] if claim and people else None
                item.update(state="claimed" if taker else "ready", assignee_id=taker,
                            claimed_at=self.now - timedelta(hours=1) if taker else None,
                            due_at=due if w["due_at"] is not None else None)
            rows["items"].append(item)
        rows["events"] += [{**{k: v for k, v in e.items() if k != "id"}, "case_id": case_id,
                            "created_at": e["created_at"] + delta} for e in t["events"]]
        title = f"{reference} {party['name']} {c['case_type']}"
        body = " ".join(x for x in (c["status_text"], party["email"], party["phone"], t["words"]) if x)
        rows["search"].append(dict(rowid=search._rowid("case", reference), kind="case", ref=reference,
                                   case_id=case_id, title=title, body=body))


def generate_sqlite(ctx: Context, cases: int, hashed: str, log: Callable[[str], None]) -> None:
    engine = ctx.db.write_engine
    now = ctx.clock.now()
    started = time.perf_counter()
    with engine.begin() as conn:
        templates = _templates(conn)
        slots = _slots(templates)
        pool = _people(conn, hashed, now)
        case_base = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM cases")))
        first_party = int(conn.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM parties")))
        counters = dict(conn.execute(select(Counter.key, Counter.value)).all())
    parties = max(1, int(cases * PARTIES_PER_CASE))
    copier = Copier(now, pool, counters, first_party, parties)
    for lo in range(1, cases + 1, CHUNK):
        rows: dict[str, list] = {k: [] for k in ("parties", "identifiers", "cases", "instances", "items", "events",
                                                  "search")}
        for g in range(lo, min(cases, lo + CHUNK - 1) + 1):
            party, new = copier.party(g)
            if new:
                rows["parties"].append(party)
                rows["identifiers"] += [dict(party_id=party["id"], kind="external_id", value=f"CUST-{party['id']}"),
                                        dict(party_id=party["id"], kind="email", value=party["email"]),
                                        dict(party_id=party["id"], kind="phone", value=party["phone"])]
            copier.case(g, slots[g * 7919 % len(slots)], case_base + g, party, rows)
        _write(engine, rows)
        log(f"  {min(cases, lo + CHUNK - 1):,} / {cases:,} cases")
    with engine.begin() as conn:
        for key, value in copier.counters.items():
            conn.execute(text("INSERT INTO counters (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE "
                              "SET value = max(value, excluded.value)"), {"k": key, "v": value})
        conn.execute(text("ANALYZE"))
    log(f"generated {cases:,} cases in SQLite in {time.perf_counter() - started:.0f} s")


def _write(engine: Any, rows: dict[str, list]) -> None:
    with engine.begin() as conn:
        for table, key in ((Party, "parties"), (PartyIdentifier, "identifiers"), (Case, "cases"),
                           (ProcessInstance, "instances"), (WorkItem, "items"), (Event, "events")):
            if rows[key]:
                conn.execute(table.__table__.insert(), rows[key])
        if rows["search"]:
            conn.execute(text("INSERT OR REPLACE INTO search_entries (rowid, kind, ref, case_id, title, body) "
                              "VALUES (:rowid, :kind, :ref, :case_id, :title, :body)"), rows["search"])
