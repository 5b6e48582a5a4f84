"""The worklist page: tabs, SLA badges, sorting, claim / release and "Get next" (Flask test client)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from engine.clock import ManualClock
from engine.services import auth, scheduler, work
from tests.ui.conftest import UiClient, open_claim
from webapp.ui.fmt import sla_badge


def _item(ctx, reference: str) -> dict:
    items = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
    assert len(items) == 1, items
    return items[0]


def _rows(html: str) -> list[str]:
    """Case references in the worklist table, top to bottom."""
    body = html.split('<table class="worklist"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/cases/([A-Z]{3}-\d{4}-\d{6})">', body)


def _count(html: str, label: str) -> int:
    found = re.search(re.escape(label) + r' <span class="count">(\d+)</span>', html)
    assert found, label
    return int(found.group(1))


def test_sla_badges_read_like_a_person_would_say_them() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    assert sla_badge(now + timedelta(hours=2), now).text == "due in 2 h"
    assert sla_badge(now + timedelta(hours=2), now).tone == "soon"
    assert sla_badge(now + timedelta(days=5), now).text == "due in 5 d"
    assert sla_badge(now + timedelta(days=5), now).tone == "ok"
    assert sla_badge(now - timedelta(days=1), now).text == "overdue by 1 d"
    assert sla_badge(now - timedelta(minutes=20), now).text == "overdue by 20 min"
    assert sla_badge(None, now).tone == "none"


def test_team_queues_show_the_teams_work_with_its_sla(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, amount=12500)  # standard claim: five days to decide
    ui.login("agent")
    html = ui.get("/work").get_data(as_text=True)
    assert _rows(html) == [reference]
    assert "Assess claim" in html and "Jonas Keller" in html and "due in 5 d" in html
    assert _count(html, "My team&#39;s queues") == 1 and _count(html, "Unassigned") == 1
    assert _count(html, "My items") == 0 and _count(html, "Overdue") == 0
    manager = UiClient(ui.client.application.test_client())
    manager.login("manager")
    assert _rows(manager.get("/work").get_data(as_text=True)) == []  # not the claims managers' queue


def test_claim_and_release_from_the_worklist(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    item = _item(ctx, reference)
    ui.login("agent")
    claimed = ui.post(f"/work/items/{item['id']}/claim", {"back": "/work?view=mine"})
    assert claimed.status_code == 303 and claimed.headers["Location"] == "/work?view=mine"
    assert _item(ctx, reference)["assignee"] == "agent"
    mine = ui.get("/work?view=mine").get_data(as_text=True)
    assert _rows(mine) == [reference] and "You claimed" in mine and "Release" in mine
    assert _count(mine, "Unassigned") == 0
    assert ui.post(f"/work/items/{item['id']}/release").status_code == 303
    assert _item(ctx, reference)["state"] == "ready"
    opened = ui.get(f"/work/items/{item['id']}")  # the task link of a row: its case page, at the task
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{reference}#task-{item['id']}"


def test_claiming_what_a_colleague_holds_says_who_has_it(ui: UiClient, ctx) -> None:
    auth.ensure_user(ctx, "agent2", ["backoffice"], password="pw-agent2-xyz", team="Claims triage")
    reference = open_claim(ctx)
    item = _item(ctx, reference)
    ui.login("agent")
    ui.post(f"/work/items/{item['id']}/claim")
    other = UiClient(ui.client.application.test_client())
    other.login("agent2", "pw-agent2-xyz")
    response = other.post(f"/work/items/{item['id']}/claim")
    assert response.status_code == 409
    assert "claimed by agent" in response.get_data(as_text=True)
    htmx = other.post(f"/work/items/{item['id']}/claim", headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and htmx.mimetype == "text/plain"


def test_get_next_claims_the_most_urgent_item_in_my_queues(ui: UiClient, ctx) -> None:
    complex_claim = open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001", amount=15000,
                               incident_type="property")  # complex: ten days
    fast = open_claim(ctx, name="Elias Berg", phone="+31 6 1111 0002", amount=500)  # fast track: three days
    ui.login("agent")
    response = ui.post("/work/next")
    assert response.status_code == 303
    item = _item(ctx, fast)
    assert response.headers["Location"] == f"/cases/{fast}#task-{item['id']}"
    assert item["assignee"] == "agent"
    assert _item(ctx, complex_claim)["assignee"] is None
    assert ui.post("/work/next").headers["Location"].startswith(f"/cases/{complex_claim}")
    empty = ui.post("/work/next", follow_redirects=True).get_data(as_text=True)
    assert "Nothing is waiting in your queues right now." in empty


def test_get_next_has_one_winner(ui: UiClient, ctx) -> None:
    auth.ensure_user(ctx, "agent2", ["backoffice"], password="pw-agent2-xyz", team="Claims triage")
    reference = open_claim(ctx)
    other = UiClient(ui.client.application.test_client())
    ui.login("agent")
    other.login("agent2", "pw-agent2-xyz")
    first = ui.post("/work/next")
    second = other.post("/work/next")
    assert first.headers["Location"].startswith(f"/cases/{reference}")
    assert second.headers["Location"] == "/work"
    assert _item(ctx, reference)["assignee"] == "agent"


def test_overdue_items_get_their_own_tab_and_come_first(ui: UiClient, ctx, clock: ManualClock) -> None:
    late = open_claim(ctx, name="Oscar Lind", phone="+31 6 1111 0003", amount=500)  # three days
    clock.advance(days=3)
    on_time = open_claim(ctx, name="Ava Costa", phone="+31 6 1111 0004", amount=650)  # three days from now
    clock.advance(days=1)
    ui.login("agent")
    html = ui.get("/work?view=overdue").get_data(as_text=True)
    assert _rows(html) == [late]
    assert "overdue by 1 d" in html and _count(html, "Overdue") == 1
    assert _rows(ui.get("/work").get_data(as_text=True)) == [late, on_time]
    assert ui.post("/work/next").headers["Location"].startswith(f"/cases/{late}")


def test_sort_by_priority_puts_escalations_first(ui: UiClient, ctx, clock: ManualClock) -> None:
    auth.set_team_queues(ctx, "Claims triage", ["claims_triage", "team_leads"])
    overdue = open_claim(ctx, name="Felix Wagner", phone="+31 6 1111 0005", amount=500)
    clock.advance(days=4)
    scheduler.tick(ctx)  # the assessment is overdue: a team lead gets "Expedite overdue claim" (priority 1)
    fresh = open_claim(ctx, name="Isla Murphy", phone="+31 6 1111 0006", amount=600)
    ui.login("agent")
    by_priority = ui.get("/work?sort=priority").get_data(as_text=True)
    assert _rows(by_priority)[0] == overdue and "Expedite overdue claim" in by_priority
    assert "P1" in by_priority
    assert fresh in _rows(by_priority)
    assert ui.get("/work?sort=nonsense&view=nonsense&limit=x").status_code == 200


def test_saved_filters_belong_to_their_user(ui: UiClient, ctx, browser_ui) -> None:
    open_claim(ctx)
    ui.login("agent")
    saved = ui.post("/work/filters", {"name": "Overdue triage", "view": "overdue", "sort": "priority",
                                      "queue": "claims_triage"})
    assert saved.status_code == 303
    html = ui.get("/work").get_data(as_text=True)
    assert '<a href="/work?view=overdue&amp;sort=priority&amp;queue=claims_triage">Overdue triage</a>' in html
    again = ui.post("/work/filters", {"name": "Overdue triage", "view": "mine", "sort": "due"})  # overwrites
    assert again.status_code == 303
    assert '<a href="/work?view=mine&amp;sort=due">Overdue triage</a>' in ui.get("/work").get_data(as_text=True)
    bad = ui.post("/work/filters", {"name": " ", "view": "mine", "sort": "due"}, follow_redirects=True)
    assert "The filter was not saved: 1 to 80 characters." in bad.get_data(as_text=True)
    manager = browser_ui()
    manager.login("manager")
    assert "Overdue triage" not in manager.get("/work").get_data(as_text=True)
    filter_id = int(re.search(r"/work/filters/(\d+)/delete", html).group(1))
    assert manager.post(f"/work/filters/{filter_id}/delete").status_code == 404  # not theirs
    assert ui.post(f"/work/filters/{filter_id}/delete").status_code == 303
    assert "Overdue triage" not in ui.get("/work").get_data(as_text=True)


def test_the_worklist_table_polls_and_new_items_appear(ui: UiClient, ctx) -> None:
    first = open_claim(ctx)
    ui.login("agent")
    html = ui.get("/work?view=unassigned").get_data(as_text=True)
    assert 'hx-get="/work/table?view=unassigned&amp;sort=due&amp;limit=100" hx-trigger="every 5s"' in html
    assert _rows(html) == [first]
    second = open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001")  # arrives while the page is open
    response = ui.get("/work/table?view=unassigned&sort=due&limit=100", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert set(_rows(fragment)) == {first, second} and 'hx-trigger="every 5s"' in fragment  # it keeps polling
    assert 'id="worklist-tabs" aria-label="Worklist views" hx-swap-oob="true"' in fragment  # counts too
    assert _count(fragment, "Unassigned") == 2
    assert 'name="back" value="/work?view=unassigned&amp;sort=due"' in fragment  # claim returns to the page
    assert ui.get("/work/table").status_code == 200
    desk = UiClient(ui.client.application.test_client())
    desk.login("desk")
    assert desk.get("/work/table").status_code == 403
