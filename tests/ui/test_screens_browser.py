"""The screens staff live in all day, in headless Debian Chromium against the real server (waitress on 127.0.0.1):
reassigning to a member of the queue, a case page that follows an API upload by itself, a timeline that puts
people's decisions above the system's steps, desk forms without codes to type, and each role offered only its
own screens. Screenshots of the worklist, case page, desk and designer at 1400 and 820 px go to
test-artifacts/ui/ (``screen-<page>-<width>.png``).

The worker is not started: the test runs the due jobs itself while the page is open, as ``caseworks worker``
would, so each step is deterministic.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from engine.context import Context
from engine.services import auth, cases, scheduler, work
from tests.browser.conftest import browser, chromium_path  # noqa: F401 - fixtures
from tests.capture.documents import DOCUMENTS, text_pdf
from tests.ui.conftest import PASSWORD, open_claim
from tests.ui.test_documents_ui import claim_form
from tests.ui.test_journeys import ARTIFACTS, Tab, server, tab  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
WIDTHS = (1400, 820)
LIVE_WAIT_MS = 10_000  # the case page checks for changes every 3 s


def _run_jobs(ctx: Context) -> None:
    while scheduler.run_due_jobs(ctx):
        pass


def _item(ctx: Context, reference: str, name: str) -> dict[str, Any]:
    [item] = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference)) if i["name"] == name]
    return item


def _shots(tab: Tab, name: str, path: str) -> None:
    """The page at both widths, full length; the diagram (if any) rendered first."""
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 1000})
        tab.go(path)
        if tab.page.locator("#diagram").count():
            tab.page.wait_for_selector("#diagram[data-rendered='true']")
        tab.shot(f"screen-{name}-{width}")


def _team(ctx: Context) -> None:
    """A lead and a second agent in the claims triage queue, as a real team has."""
    auth.set_team_queues(ctx, "Claims leads", ["claims_triage", "team_leads"])
    auth.ensure_user(ctx, "lead", ["backoffice"], password=PASSWORD, team="Claims leads", display_name="Tom Lead")
    auth.ensure_user(ctx, "agent2", ["backoffice"], password=PASSWORD, team="Claims triage",
                     display_name="Ben Agent")


def test_give_to_lists_the_members_of_the_queue_and_what_they_hold(tab: Tab, ctx: Context) -> None:
    _team(ctx)
    reference = open_claim(ctx)
    other = open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001")
    agent = auth.principal_for(ctx, "agent")
    item = _item(ctx, reference, "assess")
    work.claim(ctx, item["id"], agent)
    work.claim(ctx, _item(ctx, other, "assess")["id"], agent)
    page = tab.page
    tab.sign_in("lead")
    tab.go(f"/cases/{reference}")
    give = page.get_by_label("Give to")
    options = give.locator("option").evaluate_all(
        "os => os.map(o => ({value: o.value, text: o.textContent.trim(), disabled: o.disabled}))")
    assert [o["value"] for o in options] == ["agent", "agent2", "lead"]  # every member, not only the lead
    holder = options[0]
    assert holder["disabled"] and "holds this task" in holder["text"]
    assert not options[1]["disabled"] and "holds 0 here" in options[1]["text"]
    members = page.locator(f"#t{item['id']}-members")
    page.get_by_text("Who works the claims triage queue (3)").click()
    assert "holds this task; 2 claimed in this queue, 2 in all" in members.locator("[data-member='agent']").inner_text()
    tab.shot("reassign-members")
    give.select_option("agent2")
    page.get_by_role("button", name="Reassign").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("is now with agent2").is_visible()
    assert work.get_work_item(ctx, item["id"])["assignee"] == "agent2"


def test_an_api_upload_appears_on_the_open_case_page_and_ticks_its_checklist(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, documents=False)  # waits for a claim form and a repair estimate
    token = auth.create_token(ctx, "upstream", "integration")
    page = tab.page
    tab.sign_in("agent")
    tab.go(f"/cases/{reference}")
    waiting = page.locator("#waiting-for").inner_text()
    assert "Waiting for the customer’s documents: claim form, repair estimate." in waiting
    assert page.locator("#checklist li[data-document='claim_form']").get_attribute("class") == "missing"
    estimate = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["repair_estimate"][0]]
    for name, data in (("claim-form.pdf", claim_form(reference)), ("estimate.pdf", text_pdf([estimate]))):
        answer = page.context.request.post(f"{tab.base}/api/v1/cases/{reference}/documents",
                                           headers={"Authorization": f"Bearer {token}"},
                                           multipart={"file": {"name": name, "mimeType": "application/pdf",
                                                               "buffer": data}})
        assert answer.status == 202, answer.text()
    # no reload: the page notices the new documents by itself
    page.locator("#documents .doc").nth(1).wait_for(timeout=LIVE_WAIT_MS)
    _run_jobs(ctx)  # the worker reads them while the page stays open
    page.locator("#checklist li[data-document='claim_form'].ok").wait_for(timeout=LIVE_WAIT_MS)
    page.locator("#checklist li[data-document='repair_estimate'].ok").wait_for(timeout=LIVE_WAIT_MS)
    page.locator("#open-work").get_by_role("heading", name="Assess claim").wait_for(timeout=LIVE_WAIT_MS)
    assert page.locator("#case-head .pill").inner_text() == "Open"  # was "Waiting"
    assert page.locator("#process-now").inner_text().startswith("Now: Assess claim")
    page.locator(".djs-element.cw-current[data-element-id='assess']").wait_for(timeout=LIVE_WAIT_MS)  # relit
    assert page.locator(".djs-element.cw-waiting").count() == 0
    assert cases.get_case(ctx, reference)["checklist"]["complete"]
    tab.shot("case-live-update")


def test_the_timeline_shows_a_decision_above_the_system_steps_and_offers_get_next(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, amount=900)  # within the assessor's authority: approving pays it
    open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001")
    page = tab.page
    tab.sign_in("agent")
    tab.go(f"/cases/{reference}")
    page.get_by_role("button", name="Claim and work on it").click()
    page.wait_for_load_state("load")
    form = page.get_by_role("form", name="Assess claim form")
    form.get_by_label("Decision").select_option("approve")
    form.get_by_label("Amount to pay").fill("850")
    form.get_by_role("button", name="Complete “Assess claim”").click()
    page.wait_for_load_state("load")
    entries = page.locator("#timeline-section > .timeline > li")
    first = entries.nth(0)
    assert "tl-person" in first.get_attribute("class")
    assert "Assess claim: approve" in first.inner_text() and "agent" in first.locator(".tl-actor").inner_text()
    system = page.locator("#timeline-section .tl-folded").first
    assert system.locator(".tl-actor").first.inner_text() == "System"
    texts = entries.evaluate_all("els => els.map(e => e.className)")
    assert texts.index(next(c for c in texts if "tl-folded" in c)) > 0  # the steps come after the decision
    steps = [e for e in cases.timeline(ctx, reference) if e["kind"] == "step_completed"]
    assert steps and {e["actor"] for e in steps} == {"system"}  # recorded as the system's, at the source
    assert page.get_by_text("You completed “Assess claim”.").is_visible()
    page.locator("#get-next-after").click()  # straight on to the next item
    page.wait_for_url("**/cases/*#task-*")
    assert reference not in page.url
    tab.shot("after-get-next")


def test_the_desk_opens_a_claim_without_typing_a_code(tab: Tab, ctx: Context) -> None:
    first = open_claim(ctx, name="Jonas Keller", phone="+31 6 5555 0101")
    party = cases.get_case(ctx, first)["customer"]["id"]
    page = tab.page
    tab.sign_in("desk")
    tab.go(f"/desk/customers/{party}")
    assert page.locator(".case-head").inner_text().count("+31 6 55550101") == 1  # one phone, one format
    page.get_by_label("Case type").select_option("claim")
    page.get_by_role("button", name="Start a new case").click()
    page.wait_for_url("**/cases/new?case_type=claim")
    form = page.get_by_role("form", name="Report a claim form")
    assert "YYYY" not in form.inner_text()  # the date picker shows the browser's own format
    form.get_by_label("Policy number").fill("POL-4711037")
    form.get_by_label("Type of incident").select_option(label="Property")
    form.get_by_label("Date of the incident").fill("2026-10-28")
    form.get_by_label("What happened").fill("Water from the flat upstairs came through the kitchen ceiling.")
    form.get_by_label("Amount claimed").fill("2300")
    form.get_by_label("Currency").select_option(label="Euro (EUR)")
    form.get_by_label("Claim form").check()
    form.get_by_label("Invoice", exact=True).check()
    tab.shot("desk-new-case-pickers")
    form.get_by_role("button", name="Open the case").click()
    page.wait_for_url("**/desk/customers/*")
    opened = re.search(r"Opened (CLM-\d{4}-\d{6})", page.locator(".flash-success").inner_text()).group(1)
    data = cases.get_case(ctx, opened)["data"]
    assert data["currency"] == "EUR" and sorted(data["documents_provided"]) == ["claim_form", "invoice"]


def test_each_role_is_offered_only_its_screens(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx)
    auth.ensure_user(ctx, "upstream", ["integration"], password=PASSWORD)
    page = tab.page
    tab.sign_in("designer")
    assert page.url.endswith("/designer")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == ["Designer"]  # no worklist, no desk
    tab.go("/work")
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "Your work is in the designer." in page.locator("main").inner_text()
    tab.go(f"/cases/{reference}")  # a designer still reads a case, without buttons to work it
    assert page.get_by_role("button", name="Claim and work on it").count() == 0
    tab.sign_out()
    tab.sign_in("upstream")
    assert page.get_by_role("navigation", name="Main").count() == 0 or \
        page.get_by_role("navigation", name="Main").get_by_role("link").count() == 0
    assert "REST API" in page.locator("main").inner_text()
    tab.go(f"/cases/{reference}")
    assert page.get_by_role("button", name="Claim and work on it").count() == 0  # never claims in a browser
    item = _item(ctx, reference, "assess")
    refused = page.context.request.post(f"{tab.base}/work/items/{item['id']}/claim",
                                        headers={"X-CSRF-Token": page.locator("body").get_attribute("hx-headers")
                                                 .split('"')[3]})
    assert refused.status == 403 and work.get_work_item(ctx, item["id"])["assignee"] is None


def test_screenshots_of_the_four_screens_at_two_widths(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, amount=12500)
    waiting = open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001", documents=False)
    open_claim(ctx, name="Noah Jansen", phone="+31 6 2222 0002", amount=800, incident_type="health")
    work.claim(ctx, _item(ctx, reference, "assess")["id"], auth.principal_for(ctx, "agent"))
    party = cases.get_case(ctx, waiting)["customer"]["id"]
    tab.sign_in("agent")
    _shots(tab, "worklist", "/work")
    rows = tab.page.locator("#worklist tbody tr")
    assert rows.count() == 2 and "Claim · Motor · 12,500 EUR" in tab.page.locator("#worklist").inner_text()
    _shots(tab, "case", f"/cases/{reference}")
    diagram = tab.page.locator("#diagram")
    zoom = float(diagram.get_attribute("data-zoom"))
    assert zoom >= 0.8  # readable: fitted to the current step, not the whole process squeezed into the box
    tab.page.get_by_role("button", name="Zoom in").click()
    assert float(diagram.get_attribute("data-zoom")) > zoom
    tab.page.get_by_role("button", name="Fit the whole diagram").click()
    assert float(diagram.get_attribute("data-zoom")) < zoom  # the whole process is smaller than the lit path
    tab.page.get_by_role("button", name="Show the current step and the path so far").click()
    assert float(diagram.get_attribute("data-zoom")) == zoom
    tab.sign_out()
    tab.sign_in("desk")
    _shots(tab, "desk", f"/desk/customers/{party}")
    tab.sign_out()
    tab.sign_in("designer")
    tab.go("/designer")
    version = tab.page.locator("table a").first.get_attribute("href")
    _shots(tab, "designer", version)
    assert float(tab.page.locator("#diagram").get_attribute("data-zoom")) >= 0.8
    for name in ("worklist", "case", "desk", "designer"):
        for width in WIDTHS:
            assert (ARTIFACTS / f"screen-{name}-{width}.png").stat().st_size > 10_000
