"""Authorization of work: one queue rule for listing, reading, claiming and completing work items.

The API and the UI both ask these functions, so a person can never read over one door what the other hides.

The rule: a back-office user in a team works (and sees) that team's queues only: a sanctions hit is for
compliance, not for claims triage. Admins and integrations act across queues; a user in no team (a small
installation) works every queue. Roles still decide *what* a user may do (``Principal.require``); this module
decides *where*.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from engine.errors import PermissionDenied
from engine.models import WorkItem
from engine.services.auth import Principal

ACROSS_QUEUES = frozenset({"admin", "integration"})


def works_every_queue(who: Principal) -> bool:
    return not who.team_queues or bool(ACROSS_QUEUES & set(who.roles))


def may_work_queue(who: Principal, queue: str) -> bool:
    """Whether the user may see, claim and complete items of this queue."""
    return works_every_queue(who) or queue in who.team_queues


def allowed_queues(who: Principal) -> tuple[str, ...] | None:
    """The queues a user may see and work, as a filter for the worklist's index-shaped queries (None: all)."""
    return None if works_every_queue(who) else tuple(who.team_queues)


def visible_items(who: Principal) -> ColumnElement[bool]:
    """The SQL condition for the work items a user may list."""
    return true() if works_every_queue(who) else WorkItem.queue.in_(who.team_queues)


def require_queue(who: Principal, item: Any, action: str = "work on") -> None:
    """403 with the reason when the item's queue is not the user's (``item`` has ``title`` and ``queue``)."""
    if not may_work_queue(who, item.queue):
        raise PermissionDenied(
            f"you may not {action} '{item.title}': it is in the '{item.queue}' queue, which is not one of your "
            f"team's queues ({', '.join(who.team_queues)})", details={"queue": item.queue})


def require_read(who: Principal, item: Any) -> None:
    who.require("work.read")
    require_queue(who, item, "read")


def require_claim(who: Principal, item: Any) -> None:
    who.require("work.claim")
    require_queue(who, item, "claim")


def require_complete(who: Principal, item: Any) -> None:
    who.require("work.complete")
    require_queue(who, item, "complete")


__all__ = ["allowed_queues", "may_work_queue", "visible_items", "require_read", "require_claim", "require_complete",
           "works_every_queue"]
