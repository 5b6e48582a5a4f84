"""The worklist page at volume: a tab past the cap says "1,000+", and "Next page" continues where the page ended
(the same rows never twice), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert

from engine.models import WorkItem
from tests.ui.conftest import UiClient, definitions, people, ui  # noqa: F401 (fixtures)

ROW = re.compile(r'<tr id="item-(\d+)"')
NEXT = re.compile(r'<a href="(/work\?[^"]*after=[^"]+)">Next page</a>')


def _seed(ctx, count: int) -> None:
    now = ctx.clock.now()
    with ctx.write() as session:
        session.connection().execute(insert(WorkItem), [
            dict(kind="task", name="assess", title=f"Check item {n}", queue="claims_triage", state="ready",
                 priority=n % 3, due_at=now + timedelta(hours=n % 97), created_at=now) for n in range(count)])


def test_a_full_queue_shows_a_capped_count_and_pages_by_cursor(ui: UiClient, ctx) -> None:
    _seed(ctx, 1050)
    ui.login("agent")
    first = ui.get("/work?view=unassigned").get_data(as_text=True)
    assert 'Unassigned <span class="count">1,000+</span>' in first
    assert 'My items <span class="count">0</span>' in first
    page_one = ROW.findall(first)
    assert len(page_one) == 100
    second = ui.get(NEXT.search(first).group(1).replace("&amp;", "&")).get_data(as_text=True)
    page_two = ROW.findall(second)
    assert len(page_two) == 100 and not set(page_one) & set(page_two)
    assert ROW.findall(ui.get("/work?view=unassigned&limit=200").get_data(as_text=True)) == page_one + page_two
