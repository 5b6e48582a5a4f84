"""Work items written straight into the table for worklist tests: many rows, ties on due date and priority,
undated items, several queues, some claimed. Set-based, so thousands of rows take milliseconds."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from engine.models import Team, User, WorkItem

QUEUES = ("claims_triage", "claims_managers", "compliance", "operations", "underwriting", "team_leads")
WEIGHTS = (40, 10, 8, 20, 15, 7)


def seed_people(conn: Any, now: datetime, per_queue: int = 4) -> dict[str, list[int]]:
    """A team per queue with a few people; returns queue -> user ids."""
    people: dict[str, list[int]] = {}
    for queue in QUEUES:
        team_id = conn.execute(insert(Team).values(name=f"team-{queue}", queues=[queue]).returning(Team.id)).scalar_one()
        ids = conn.execute(insert(User).returning(User.id), [
            dict(username=f"{queue}-{k}", display_name=f"{queue} {k}", roles=["backoffice"], team_id=team_id,
                 active=True, created_at=now) for k in range(per_queue)]).scalars().all()
        people[queue] = list(ids)
    return people


def item_rows(count: int, now: datetime, people: dict[str, list[int]], *, seed: int = 7,
              open_share: float = 0.4) -> list[dict[str, Any]]:
    """``count`` work items: ``open_share`` open (a quarter of those claimed), the rest completed or cancelled;
    due dates on a coarse grid (many ties), one in ten undated, priorities 0-2."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        queue = rng.choices(QUEUES, WEIGHTS)[0]
        is_open = rng.random() < open_share
        claimed = is_open and rng.random() < 0.25
        state = ("claimed" if claimed else "ready") if is_open else rng.choice(("completed", "completed", "cancelled"))
        due = None if rng.random() < 0.1 else now + timedelta(hours=6 * rng.randint(-12, 40))
        assignee = rng.choice(people[queue]) if claimed or (not is_open and state == "completed") else None
        rows.append(dict(case_id=None, kind="task", task_id=None, name="assess", title=f"Item {n}", queue=queue,
                         state=state, assignee_id=assignee, priority=rng.choice((0, 0, 0, 1, 2)), due_at=due,
                         created_at=now - timedelta(days=1)))
    return rows


def insert_items(conn: Any, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        conn.execute(insert(WorkItem), rows[start:start + chunk])
