"""Team leads reassign work: a lead (a back-office user whose team works ``team_leads``, or an admin) gives a
ready or claimed item in their team's queues to a member of a team working that queue; everyone else gets 403."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, PermissionDenied, ValidationFailed
from engine.services import auth, cases, work, worklist
from tests.ui.conftest import PASSWORD, UiClient, open_claim


@pytest.fixture
def lead(ctx, people) -> str:
    auth.set_team_queues(ctx, "Claims leads", ["claims_triage", "team_leads"])
    auth.ensure_user(ctx, "lead", ["backoffice"], password=PASSWORD, team="Claims leads")
    auth.ensure_user(ctx, "agent2", ["backoffice"], password=PASSWORD, team="Claims triage")
    return "lead"


def _assess(ctx, reference: str) -> dict:
    [item] = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference)) if i["name"] == "assess"]
    return item


def test_lead_capability(ctx, lead: str) -> None:
    who = {name: auth.principal_for(ctx, name) for name in ("lead", "agent", "manager", "admin")}
    assert [n for n, p in who.items() if worklist.is_lead(p)] == ["lead", "admin"]
    assert worklist.can_reassign(who["lead"], "claims_triage")
    assert not worklist.can_reassign(who["lead"], "claims_managers")
    assert worklist.reassign_candidates(ctx, "claims_triage") == ["agent", "agent2", "lead"]
    assert worklist.reassign_candidates(ctx, "claims_managers") == ["manager"]


def test_a_lead_reassigns_from_the_case_page(ui: UiClient, ctx, lead: str) -> None:
    reference = open_claim(ctx)
    item = _assess(ctx, reference)
    ui.login("lead")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    form = html.split('class="reassign-form"', 1)[1].split("</form>", 1)[0]
    assert f'<label for="t{item["id"]}-reassign">Give to</label>' in form
    assert '<option value="agent">agent — holds 0 here</option>' in form
    assert '<option value="agent2">agent2 — holds 0 here</option>' in form
    assert "manager" not in form  # not a team working claims triage
    moved = ui.post(f"/work/items/{item['id']}/reassign", {"assignee": "agent2", "back": f"/cases/{reference}"})
    assert moved.status_code == 303 and moved.headers["Location"] == f"/cases/{reference}"
    assert work.get_work_item(ctx, item["id"])["assignee"] == "agent2"
    assert work.get_work_item(ctx, item["id"])["state"] == "claimed"
    # claimed by agent2: the lead can still move it on, now to agent
    assert ui.post(f"/work/items/{item['id']}/reassign", {"assignee": "agent"}).status_code == 303
    assert work.get_work_item(ctx, item["id"])["assignee"] == "agent"
    page = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Task reassigned" in page and "Assess claim: agent2 → agent" in page and "is now with agent" in page
    events = [e for e in cases.timeline(ctx, reference, limit=50) if e["kind"] == "work_item_reassigned"]
    assert [(e["actor"], e["payload"]["from"], e["payload"]["to"]) for e in events] == \
        [("lead", "agent2", "agent"), ("lead", None, "agent2")]


def test_others_get_403_and_no_form(ui: UiClient, browser_ui, ctx, lead: str) -> None:
    reference = open_claim(ctx)
    item = _assess(ctx, reference)
    for name in ("agent", "manager", "desk"):
        other = browser_ui()
        other.login(name)
        assert "reassign-form" not in other.get(f"/cases/{reference}").get_data(as_text=True)
        refused = other.post(f"/work/items/{item['id']}/reassign", {"assignee": "agent2"})
        assert refused.status_code == 403, name
    assert work.get_work_item(ctx, item["id"])["assignee"] is None
    admin = browser_ui()
    admin.login("admin")
    assert admin.post(f"/work/items/{item['id']}/reassign", {"assignee": "agent2"}).status_code == 303
    assert work.get_work_item(ctx, item["id"])["assignee"] == "agent2"


def test_only_to_a_member_of_a_team_working_the_queue(ui: UiClient, ctx, lead: str) -> None:
    reference = open_claim(ctx)
    item = _assess(ctx, reference)
    ui.login("lead")
    for name in ("manager", "desk", "nobody", ""):
        refused = ui.post(f"/work/items/{item['id']}/reassign", {"assignee": name, "back": f"/cases/{reference}"})
        assert refused.status_code == 303
        assert "The task was not reassigned" in ui.get(refused.headers["Location"]).get_data(as_text=True)
    assert work.get_work_item(ctx, item["id"])["assignee"] is None
    with pytest.raises(ValidationFailed):
        worklist.reassign(ctx, item["id"], auth.principal_for(ctx, "lead"), "manager")


def test_a_finished_item_is_not_reassigned(ctx, lead: str) -> None:
    reference = open_claim(ctx, amount=12500)
    item = _assess(ctx, reference)
    agent = auth.principal_for(ctx, "agent")
    work.claim(ctx, item["id"], agent)
    work.complete(ctx, item["id"], {"decision": "approve", "approved_amount": 11800}, agent)
    with pytest.raises(Conflict):
        worklist.reassign(ctx, item["id"], auth.principal_for(ctx, "lead"), "agent2")
    payout = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
              if i["name"] == "approve_payout"][0]
    with pytest.raises(PermissionDenied):  # the lead's team does not work the claims managers' queue
        worklist.reassign(ctx, payout["id"], auth.principal_for(ctx, "lead"), "manager")
