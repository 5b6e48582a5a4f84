"""Browser journeys through the real server (waitress on 127.0.0.1) in headless Debian Chromium via Playwright:
back office works a claim to payout, front office answers a call, a designer looks at a running claim.

Screenshots go to test-artifacts/ui/. Only the local server is reachable: any other request is aborted and
fails the test, as do console errors and page errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from engine.context import Context
from engine.services import cases, documents, scheduler
from tests.browser.conftest import CHROMIUM_ARGS, ROOT, browser, chromium_path, require  # noqa: F401 - fixtures
from tests.live import LiveServer
from tests.ui.conftest import PASSWORD, open_claim
from tests.ui.test_documents_ui import claim_form
from webapp.ui import assets

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts" / "ui"
DESKTOP, TABLET = {"width": 1280, "height": 900}, {"width": 820, "height": 1180}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the UI is the same on both; the journeys need one real server


@pytest.fixture
def server(app: Any, ctx: Context, people: dict[str, str]) -> Iterator[str]:
    require(assets.available("htmx", ctx.settings) and assets.available("bpmn-js", ctx.settings),
            "htmx or bpmn-js is not in node_modules", "run `make setup` or `npm ci` in the repository root")
    with LiveServer(app, threads=4) as live:
        yield live.url


@dataclass
class Tab:
    """A browser page on the local server, with what went wrong in it."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def sign_in(self, username: str) -> None:
        self.go("/login")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state("load")

    def shot(self, name: str, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Tab]:  # noqa: F811 - the browser fixture imported above
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    tab = Tab(page, server)

    def guard(route: Any) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            tab.problems.append(f"blocked request to another origin: {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda msg: tab.problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" and "status of 4" not in msg.text else None)
    page.on("pageerror", lambda exc: tab.problems.append(f"page error: {exc}"))
    try:
        yield tab
    finally:
        context.close()
    assert tab.problems == []


def test_back_office_takes_get_next_assesses_and_a_manager_approves_the_payout(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, amount=12500)
    doc, _new = documents.upload(ctx, documents.Upload("claim-form.pdf", claim_form(reference), "email", reference),
                                 "upstream")
    while scheduler.run_due_jobs(ctx):  # capture reads the claim form
        pass
    page = tab.page
    tab.sign_in("agent")
    assert page.url.endswith("/work")
    assert page.locator(f"#worklist tr:has-text('{reference}')").get_by_text("due in 5 d").is_visible()
    tab.shot("a1-worklist")
    later = open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001")  # arrives while the list is open
    page.locator(f"#worklist tr:has-text('{later}')").wait_for(timeout=15000)  # the list polls: no reload
    page.get_by_role("button", name="Get next").click()
    page.wait_for_url(f"**/cases/{reference}#task-*")
    assert page.get_by_role("heading", level=1).inner_text().startswith(reference)
    # the agent views the claim form's page with its highlighted fields
    viewer = page.locator(f"#viewer-{doc['id']}")
    image = viewer.get_by_role("img", name="Page 1 of claim-form.pdf")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 900
    boxes = viewer.locator(".field-box")
    assert boxes.count() >= 1
    shown = image.bounding_box()
    box = viewer.locator(".field-box[data-field='case_reference']").bounding_box()
    assert box["width"] > 0 and shown["x"] <= box["x"] < shown["x"] + shown["width"]  # drawn on the page image
    assert shown["y"] <= box["y"] < shown["y"] + shown["height"]
    pick = viewer.get_by_role("button", name="Case reference")
    pick.focus()
    page.keyboard.press("Enter")  # keyboard: the field's box lights up
    assert pick.get_attribute("aria-pressed") == "true"
    assert viewer.locator(".field-box.active").get_attribute("data-field") == "case_reference"
    viewer.scroll_into_view_if_needed()
    tab.shot("a1b-document-fields")
    form = page.get_by_role("form", name="Assess claim form")
    form.get_by_label("Decision").select_option("approve")
    form.get_by_role("button", name="Complete “Assess claim”").click()  # no amount: the engine says what is missing
    page.wait_for_load_state("load")
    assert page.get_by_text("Amount to pay is required").is_visible()
    tab.shot("a2-inline-error")
    form = page.get_by_role("form", name="Assess claim form")
    assert form.get_by_label("Decision").input_value() == "approve"
    form.get_by_label("Amount to pay").fill("11800")
    form.get_by_role("button", name="Complete “Assess claim”").click()
    page.wait_for_load_state("load")
    assert "awaiting final sign-off" in page.locator("#status-text").inner_text()
    tab.shot("a3-assessed")
    tab.sign_out()
    tab.sign_in("manager")
    page.get_by_role("button", name="Get next").click()
    page.wait_for_url(f"**/cases/{reference}#task-*")
    form = page.get_by_role("form", name="Approve payout form")
    form.get_by_label("Payout decision").select_option("approve")
    form.get_by_role("button", name="Complete “Approve payout”").click()
    page.wait_for_load_state("load")
    assert "a payment of 11,800.00 EUR has been scheduled" in page.locator("#status-text").inner_text()
    tab.shot("a4-paid")
    assert cases.get_case(ctx, reference)["outcome"] == "paid"


def test_front_office_finds_a_customer_by_phone_and_logs_the_call(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, name="Jonas Keller", phone="+31 6 5555 0101")
    open_claim(ctx, name="Lea Fischer", phone="+31 6 1111 0001", amount=15000, incident_type="property")
    page = tab.page
    tab.sign_in("desk")
    assert page.url.endswith("/desk")
    search = page.get_by_label("Find a customer or case")
    search.fill("Keller")  # live results while typing (htmx)
    page.locator("#results .result").first.wait_for()
    assert page.locator("#results").inner_text().count("Jonas Keller") == 1
    tab.shot("b1-desk-search")
    search.fill("+31 6 5555 0101")
    search.press("Enter")
    page.wait_for_url("**/desk/customers/*")
    card = page.locator(f"#case-{reference}")
    assert "Your claim is being assessed by our claims team" in card.locator(".status-text").inner_text()
    page.get_by_label("What was said").fill("Customer asked when the claim will be decided; read out the status.")
    page.get_by_role("button", name="Log interaction").click()  # phone, inbound and the open case are preset
    page.wait_for_load_state("load")
    assert page.get_by_text(f"Phone logged on {reference}.").is_visible()
    tab.shot("b2-customer-logged")
    card.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/cases/{reference}")
    timeline = page.locator(".timeline")
    first = timeline.locator("li").first
    assert "Phone (inbound)" in first.inner_text() and "read out the status" in first.inner_text()
    tab.shot("b3-case-timeline")
    # the customer reports a second claim on the phone: the desk opens it from the customer's page
    page.go_back()
    page.wait_for_url("**/desk/customers/*")
    page.get_by_label("Case type").select_option("claim")
    page.get_by_role("button", name="Start a new case").click()
    page.wait_for_url("**/cases/new?case_type=claim")
    form = page.get_by_role("form", name="Report a claim form")
    form.get_by_label("Policy number").fill("POL-4711037")
    form.get_by_label("Type of incident").select_option("property")
    form.get_by_label("Date of the incident").fill("2026-10-28")
    form.get_by_label("What happened").fill("Water from the flat upstairs came through the kitchen ceiling.")
    form.get_by_label("Amount claimed").fill("2300")
    form.get_by_label("Currency").select_option("EUR")
    tab.shot("b4-desk-new-case")
    form.get_by_role("button", name="Open the case").click()
    page.wait_for_url("**/desk/customers/*")
    opened = page.locator(".flash-success").inner_text()
    assert opened.startswith("Opened CLM-") and opened.endswith("for Jonas Keller.")
    assert page.locator("#cases-title ~ article.case-card").count() == 2


def test_designer_sees_the_current_step_of_a_running_claim_lit(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx)
    page = tab.page
    tab.sign_in("designer")
    assert page.url.endswith("/designer")
    page.locator("table a").first.click()
    page.wait_for_selector("#diagram[data-rendered='true']")
    assert page.get_by_text("✓ No problems found.").is_visible()
    tab.shot("c1-designer-version")
    page.get_by_role("link", name=reference).click()
    page.wait_for_selector("#diagram[data-rendered='true']")
    lit = page.locator(".djs-element.cw-current")
    assert lit.count() == 1 and lit.get_attribute("data-element-id") == "assess"
    fill = lit.locator(".djs-visual > :first-child").evaluate("el => getComputedStyle(el).fill")
    assert fill == "rgb(254, 243, 199)"  # the "now" colour
    done = page.locator(".djs-element.cw-done").evaluate_all("els => els.map(e => e.dataset.elementId)")
    assert {"triage", "check_documents"} <= set(done)
    page.locator("#diagram").scroll_into_view_if_needed()
    tab.shot("c2-case-diagram")
    page.set_viewport_size(TABLET)
    tab.shot("c3-case-tablet")


def test_a_document_being_read_appears_on_the_open_case_page(tab: Tab, ctx: Context) -> None:
    reference = open_claim(ctx, documents=False)
    doc, _new = documents.upload(ctx, documents.Upload("claim-form.pdf", claim_form(reference), "email", reference),
                                 "upstream")
    page = tab.page
    tab.sign_in("agent")
    tab.go(f"/cases/{reference}")
    card = page.locator(f"#doc-{doc['id']}")
    assert card.get_attribute("data-status") == "queued" and page.get_by_text("Reading documents").is_visible()
    while scheduler.run_due_jobs(ctx):  # the worker reads it while the page is open
        pass
    page.locator(f"#doc-{doc['id']}[data-status='indexed']").wait_for(timeout=15000)  # the block polls
    viewer = page.locator(f"#viewer-{doc['id']}")
    image = viewer.get_by_role("img", name="Page 1 of claim-form.pdf")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert viewer.locator(".field-box").count() >= 1
    assert page.locator("#documents").get_attribute("hx-trigger") is None  # read: no more polling
    tab.shot("a5-document-read-live")
