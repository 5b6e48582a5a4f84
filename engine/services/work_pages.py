"""Pages of open work items read by index, at any volume: keyset cursors, one index range per branch, capped counts.

Why this shape: a worklist page is "the first 100 open items of these queues in this order". Migration 0005 gives
every view an index whose leading column is its filter (queue, assignee, or none) and whose tail is its sort,
partial on the open states. A view over several queues becomes one branch per queue (each an index range that
stops at the page size) merged in order; the cursor continues where the last page stopped, so page 50 costs what
page 1 does (no OFFSET). Rows are decorated with case, customer and assignee only after the page is chosen, by
primary key. Counts read at most ``COUNT_CAP + 1`` index entries per tab and show "1,000+" beyond.

Who may see which queues is the caller's decision (the authorization policy): queries take the queues as data.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import and_, false, func, literal, literal_column, or_, select, true, union_all
from sqlalchemy.orm import Session

from engine.errors import ValidationFailed
from engine.models import Case, Party, User, WorkItem, WorkItemState

OPEN = (WorkItemState.READY.value, WorkItemState.CLAIMED.value)
SORTS = ("due", "priority")
KNOWN_STATES = frozenset(s.value for s in WorkItemState)
COUNT_CAP = 1000
_NEVER = datetime.min
_W = WorkItem.__table__.c


@dataclass(frozen=True)
class Cursor:
    """Where a page stopped: the sort key of its last row."""

    sort: str
    due_at: datetime | None
    priority: int
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.due_at.isoformat() if self.due_at else None, self.priority, self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(text: str, sort: str) -> "Cursor":
        try:
            s, due, priority, item_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = Cursor(str(s), datetime.fromisoformat(due) if due else None, int(priority), int(item_id))
        except (ValueError, TypeError, UnicodeDecodeError) as err:
            raise ValidationFailed("invalid cursor", details={"cursor": "use next_cursor from the previous page"}) \
                from err
        if cursor.sort != sort or cursor.due_at is not None and cursor.due_at.tzinfo is None:
            raise ValidationFailed("the cursor belongs to another sort order",
                                   details={"cursor": "start again from the first page of this sort"})
        return cursor

    @staticmethod
    def of(row: dict[str, Any], sort: str) -> "Cursor":
        return Cursor(sort, row["due_at"], int(row["priority"]), int(row["id"]))


@dataclass(frozen=True)
class ItemQuery:
    """Which open items, in which order, from where.

    ``queues`` None means every queue; an empty tuple means none. ``also_assignee`` adds that person's items
    outside ``queues`` (the overdue tab shows one's own overdue items wherever they are)."""

    queues: tuple[str, ...] | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    also_assignee: int | None = None
    due_before: datetime | None = None
    not_due_before: datetime | None = None
    case_id: int | None = None
    states: tuple[str, ...] = OPEN
    sort: str = "due"
    limit: int = 100
    after: Cursor | None = None


def _prefixes(q: ItemQuery) -> list[tuple[Any, str]]:
    """One condition per branch, each the leading column(s) of an index, with which lead it is."""
    if q.case_id is not None:
        return [(_W.case_id == q.case_id, "case")]
    if q.assignee_id is not None:
        return [(_W.assignee_id == q.assignee_id, "assignee")]
    if q.queues is None:
        return [(true(), "all")]
    found = [(_W.queue == name, "queue") for name in sorted(set(q.queues))]
    if q.also_assignee is not None:
        found.append((and_(_W.assignee_id == q.also_assignee, _W.queue.not_in(q.queues) if q.queues else true()),
                      "assignee"))
    return found


def _hinted(statement: Any, q: ItemQuery, lead: str, sort: str) -> Any:
    """SQLite has no statistics on how many items are unassigned, so for "a queue's unassigned items" it takes the
    assignee index (``assignee_id IS NULL`` looks as selective as ``queue = ?``) and walks every unassigned item of
    every queue. The partial index made for the view is named for it (PostgreSQL knows the null fraction and
    picks it by itself). Only when the query's state condition is the index's own, so the index is provably
    usable (SQLite refuses an INDEXED BY it cannot use)."""
    if q.unassigned and q.states == OPEN and lead in ("queue", "all"):
        return statement.with_hint(WorkItem.__table__, f"INDEXED BY ix_work_items_unassigned_{lead}_{sort}", "sqlite")
    return statement


def open_items() -> Any:
    """``state IN ('ready', 'claimed')`` as the partial indexes spell it (for any query that wants them)."""
    return _state(OPEN)


def _state(states: tuple[str, ...]) -> Any:
    """Known states as SQL literals, not parameters: a partial index's predicate is proven from them (SQLite
    never uses a partial index for a parameter; PostgreSQL not in a prepared statement's generic plan)."""
    if set(states) <= KNOWN_STATES:
        literals: list[Any] = [literal_column(f"'{s}'") for s in states]
        return _W.state.in_(literals) if len(literals) > 1 else _W.state == literals[0]
    return _W.state.in_(states)


def _filters(q: ItemQuery) -> list[Any]:
    conds = [_state(q.states)]
    if q.assignee_id is not None and q.queues is not None:
        conds.append(_W.queue.in_(q.queues) if q.queues else false())
    if q.case_id is not None and q.queues is not None:
        conds.append(_W.queue.in_(q.queues) if q.queues else false())
    if q.unassigned:
        conds.append(_W.assignee_id.is_(None))
    if q.due_before is not None:
        conds.append(_W.due_at < q.due_before)
    return conds


def _ranges(sort: str, after: Cursor | None) -> list[tuple[Any, bool | None]]:
    """Where the page continues, as index ranges (each a separate branch, so each stays an index range), each
    with whether it holds only dated items (True), only undated ones (False) or both (None).

    Due order is (due_at, nulls last; priority high first; id). Priority order is (priority high first; due_at,
    nulls last; id). Items without a due date are always a range of their own in the due order: SQLite sorts
    NULL first and PostgreSQL last, and a range that excludes them is what both index the same way."""
    if sort == "priority":
        # Dated and undated items are separate branches here too: within a priority, "undated last" is the index
        # order on PostgreSQL but not on SQLite (NULL sorts first), which would sort every item of that priority.
        if after is None:
            return [(_W.due_at.is_not(None), True), (_W.due_at.is_(None), False)]
        # a range, not "=": an equality would drop priority from the branch's order and the merge would re-sort
        same = and_(_W.priority >= after.priority, _W.priority <= after.priority)
        lower = _W.priority < after.priority
        if after.due_at is None:
            return [(and_(same, _W.due_at.is_(None), _W.id > after.id), False),
                    (and_(lower, _W.due_at.is_not(None)), True), (and_(lower, _W.due_at.is_(None)), False)]
        return [(and_(same, _W.due_at >= after.due_at, or_(_W.due_at > after.due_at, _W.id > after.id)), True),
                (and_(same, _W.due_at.is_(None)), False),
                (and_(lower, _W.due_at.is_not(None)), True), (and_(lower, _W.due_at.is_(None)), False)]
    if after is None:
        return [(_W.due_at.is_not(None), True), (_W.due_at.is_(None), False)]
    later = or_(_W.priority < after.priority, and_(_W.priority == after.priority, _W.id > after.id))
    if after.due_at is None:
        return [(and_(_W.due_at.is_(None), _W.priority <= after.priority, later), False)]
    return [(and_(_W.due_at >= after.due_at, or_(_W.due_at > after.due_at, later)), True),
            (_W.due_at.is_(None), False)]


def _order(sort: str, dated: bool | None) -> list[Any]:
    """The sort as ORDER BY for a branch holding only dated items (True), only undated ones (False) or both (None:
    then NULLS LAST). Undated items in priority order are ordered by (due_at, priority, id), the same order since
    due_at is NULL in every row, so that the due index (lead, due_at, priority, id) reads them in order with
    ``due_at IS NULL`` as its prefix (the priority index, with due_at after priority, would need a sort)."""
    due = _W.due_at.asc().nulls_last() if dated is None else _W.due_at.asc()
    if sort == "priority" and dated is not False:
        return [_W.priority.desc(), due, _W.id.asc()]
    return [due, _W.priority.desc(), _W.id.asc()]


def page_query(q: ItemQuery) -> Any:
    """The statement choosing one page: (id, due_at, priority) in order, every branch an index range."""
    if q.sort not in SORTS:
        raise ValidationFailed("invalid sort", details={"sort": f"one of {', '.join(SORTS)}"})
    prefixes, ranges, filters = _prefixes(q), _ranges(q.sort, q.after), _filters(q)
    if not prefixes:
        return None
    branches = []
    for prefix, lead in prefixes:
        for rng, dated in ranges:
            if dated is False and q.due_before is not None:
                continue  # an undated item is never overdue
            conds = [prefix, rng, *filters]
            if q.not_due_before is not None and dated is not None:
                conds.append(_W.due_at >= q.not_due_before if dated else true())
            elif q.not_due_before is not None:
                conds.append(or_(_W.due_at.is_(None), _W.due_at >= q.not_due_before))
            branches.append(_hinted(select(_W.id, _W.due_at, _W.priority).where(*conds)
                                    .order_by(*_order(q.sort, dated)).limit(q.limit), q, lead,
                                    "due" if q.sort == "due" or dated is False else "priority"))
    if len(branches) == 1:
        return branches[0]
    merged = union_all(*(_wrapped(b) for b in branches)).subquery("branches")
    c = merged.c
    due = c.due_at.asc().nulls_last()
    order = [c.priority.desc(), due, c.id] if q.sort == "priority" else [due, c.priority.desc(), c.id]
    return select(c.id, c.due_at, c.priority).order_by(*order).limit(q.limit)


def _wrapped(branch: Any) -> Any:
    """A branch with its own ORDER BY and LIMIT as a subquery (SQLite allows neither in a compound arm)."""
    inner = branch.subquery()
    return select(*inner.c)


_DETAIL = (WorkItem.id, WorkItem.name, WorkItem.title, WorkItem.queue, WorkItem.state, WorkItem.priority,
           WorkItem.due_at, WorkItem.kind, WorkItem.claimed_at, WorkItem.created_at, WorkItem.completed_at,
           WorkItem.document_id, Case.reference.label("case_reference"), Case.case_type, Case.status_text,
           Party.name.label("customer"), User.username.label("assignee"))


def page(session: Session, q: ItemQuery) -> tuple[list[dict[str, Any]], str | None]:
    """One page of rows (with case, customer and assignee) and the cursor of the next page (None at the end).

    One statement, one round trip: the page is chosen in a subquery with its LIMIT (which neither PostgreSQL nor
    SQLite flattens into the outer query, so no join runs before the limit), then its rows are joined by primary
    key to their case, customer and assignee. The few rows are put back in page order here."""
    statement = page_query(q)
    if statement is None:
        return [], None
    chosen = statement.subquery("page")
    details = (select(*_DETAIL).select_from(chosen).join(WorkItem, WorkItem.id == chosen.c.id)
               .outerjoin(Case, Case.id == WorkItem.case_id).outerjoin(Party, Party.id == Case.party_id)
               .outerjoin(User, User.id == WorkItem.assignee_id))
    rows = sorted((dict(row._mapping) for row in session.execute(details)), key=_sort_key(q.sort))
    more = len(rows) == q.limit
    return rows, Cursor.of(rows[-1], q.sort).encode() if more and rows else None


def _sort_key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The page order in Python (due: due date, undated last, then priority high first, then id)."""
    if sort == "priority":
        return lambda r: (-r["priority"], r["due_at"] is None, r["due_at"] or _NEVER, r["id"])
    return lambda r: (r["due_at"] is None, r["due_at"] or _NEVER, -r["priority"], r["id"])


def count_query(q: ItemQuery, cap: int = COUNT_CAP) -> Any:
    """How many items match, reading at most ``cap + 1`` index entries (an answer of cap + 1 means "more")."""
    prefixes = _prefixes(q)
    if not prefixes:
        return select(literal(0))
    filters = _filters(q)
    branches: list[Any] = [_hinted(select(_W.id).where(prefix, *filters).limit(cap + 1), q, lead, "due")
                           for prefix, lead in prefixes]
    source: Any = branches[0] if len(branches) == 1 else union_all(*(_wrapped(b) for b in branches))
    bounded = select(source.subquery().c.id).limit(cap + 1).subquery()
    return select(func.count()).select_from(bounded)


def counts(session: Session, queries: dict[str, ItemQuery], cap: int = COUNT_CAP) -> dict[str, int]:
    """Several capped counts in one round trip."""
    columns = [count_query(q, cap).scalar_subquery().label(name) for name, q in queries.items()]
    row = session.execute(select(*columns)).one()
    return {name: int(getattr(row, name)) for name in queries}


def count_label(value: int, cap: int = COUNT_CAP) -> str:
    """"1,000+" past the cap: the exact figure would cost a scan and nobody acts on it."""
    return f"{cap:,}+" if value > cap else f"{value:,}"


def cursor_arg(text: str | None, sort: str) -> Cursor | None:
    return Cursor.decode(text, sort) if text else None


__all__ = ["Cursor", "ItemQuery", "open_items", "page", "page_query", "count_query", "counts", "count_label", "cursor_arg",
           "COUNT_CAP", "OPEN", "SORTS"]
