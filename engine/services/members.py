"""Who works a queue, and how much each of them holds: what a team lead needs to see before handing work out."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.context import Context
from engine.models import Team, User, WorkItem, WorkItemState
from engine.services.auth import Principal

CLAIMED = WorkItemState.CLAIMED.value


def queue_members(ctx: Context, queue: str) -> list[dict[str, Any]]:
    """Active users who may claim work and whose team works ``queue``, by username, each with the number of
    items they hold (claimed, open) in this queue and in all queues. One grouped count, so a queue of any
    size costs two small queries."""
    with ctx.read() as session:
        people = [(u.id, u.username, u.display_name, tuple(u.roles or ()))
                  for u, queues in session.execute(select(User, Team.queues).join(Team, Team.id == User.team_id)
                                                   .where(User.active.is_(True)))
                  if queue in (queues or [])]
        people = [p for p in people if Principal(p[0], p[1], p[3]).can("work.claim")]
        ids = [p[0] for p in people]
        held: dict[tuple[int | None, bool], int] = {}  # (assignee, in this queue): items claimed
        if ids:
            rows = session.execute(select(WorkItem.assignee_id, WorkItem.queue, func.count(WorkItem.id))
                                   .where(WorkItem.state == CLAIMED, WorkItem.assignee_id.in_(ids))
                                   .group_by(WorkItem.assignee_id, WorkItem.queue))
            for uid, item_queue, n in rows:
                key = (uid, item_queue == queue)
                held[key] = held.get(key, 0) + int(n)
    members = [{"username": name, "display_name": display or name, "held_here": held.get((uid, True), 0),
                "held_total": held.get((uid, True), 0) + held.get((uid, False), 0)}
               for uid, name, display, _roles in people]
    return sorted(members, key=lambda m: m["username"])
