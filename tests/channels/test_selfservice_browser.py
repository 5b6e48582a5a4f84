"""The customer's link in a real browser: the desk creates it, the customer opens it on a phone (Chromium with a
phone viewport and touch), sees what is missing, sends a photo of the document, and sees the claim move on; a
withdrawn link shows one clear page and nothing else. The real server (waitress) runs on 127.0.0.1; capture
runs in the real worker step with the real Tesseract."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from engine.context import Context
from engine.services import cases, scheduler, selfservice
from tests.browser.conftest import ROOT, browser, chromium_path, require  # noqa: F401 - fixtures
from tests.capture.documents import DOCUMENTS, encode, scan
from tests.channels.conftest import tick
from tests.live import LiveServer
from tests.ui.conftest import PASSWORD, people  # noqa: F401 - fixture
from webapp.ui import assets

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts" / "selfservice"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # one real server is enough; the service layer runs on both backends in test_selfservice.py


@pytest.fixture
def server(app: Any, ctx: Context, people: dict[str, str]) -> Iterator[str]:  # noqa: F811 - fixture above
    require(assets.available("htmx", ctx.settings), "htmx is not in node_modules", "run `make setup`")
    with LiveServer(app, threads=4) as live:
        yield live.url


def guarded(context: Any, server: str, problems: list[str]) -> Any:
    page = context.new_page()

    def guard(route: Any) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            problems.append(f"blocked request to another origin: {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def work(ctx: Context) -> None:
    while scheduler.run_due_jobs(ctx):
        pass
    tick(ctx)


def test_the_customer_sends_a_photo_from_the_phone_and_sees_the_claim_move_on(browser, server, ctx, tmp_path):  # noqa: F811
    reference, _ = cases.open_case(ctx, cases.OpenCase("claim", cases.Customer("Mia Novak", email="mia@example.com"),
                                                       "phone", {
        "policy_number": "POL-5550101", "incident_date": "2026-10-30", "incident_type": "motor",
        "description": "Scratched door in a car park.", "claimed_amount": 900, "currency": "EUR",
        "documents_provided": ["claim_form"]}), "upstream")
    reference = reference["reference"]
    problems: list[str] = []

    desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = guarded(desk_context, server, problems)
    desk.goto(server + "/login")
    desk.get_by_label("User name").fill("desk")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"{server}/cases/{reference}")
    desk.get_by_role("button", name="Create customer link").click()
    desk.wait_for_load_state("load")
    url = desk.get_by_label("Customer link").input_value()
    assert url.startswith(server + "/s/")
    shot(desk, "1-desk-shows-the-link")
    desk_context.close()

    phone_context = browser.new_context(**PHONE)
    phone = guarded(phone_context, server, problems)
    phone.goto(url)
    assert phone.locator("#plain-status").inner_text() == "We are waiting for something from you"
    assert phone.locator("#missing").inner_text().strip() == "Repair estimate"
    assert phone.locator("#by-when").is_visible()
    camera = phone.locator("#photo")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot(phone, "2-phone-what-is-missing")

    lines = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["repair_estimate"][0]]
    photo = tmp_path / "IMG_2031.jpg"
    photo.write_bytes(encode(scan(lines, seed=11, skew=1.0, noise=0.01), "JPEG", quality=88))
    camera.set_input_files(str(photo))
    phone.get_by_role("button", name="Send", exact=True).click()
    phone.wait_for_load_state("load")
    assert "we received your document" in phone.locator(".flash").inner_text()
    assert "IMG_2031.jpg" in phone.locator("#documents").inner_text()

    work(ctx)  # the worker reads the photo: capture, checklist, documents_received
    phone.reload()
    assert phone.locator("#plain-status").inner_text() == "We are working on it"
    assert phone.locator("#missing").count() == 0
    assert "Received" in phone.locator("#documents").inner_text()
    timeline = phone.locator("#timeline").inner_text()
    assert "Sent IMG_2031.jpg from the customer page" in timeline and "Online" in timeline
    assert "desk" not in timeline and "upstream" not in timeline  # no staff names
    shot(phone, "3-phone-claim-moved-on")
    assert [t["name"] for t in cases.get_case(ctx, reference)["open_tasks"]] == ["assess"]

    selfservice.revoke(ctx, reference, "desk")
    phone.reload()
    assert phone.get_by_role("heading", level=1).inner_text() == "This link no longer works"
    body = phone.locator("body").inner_text()
    assert reference not in body and "Mia" not in body and "IMG_2031" not in body and phone.locator("form").count() == 0
    shot(phone, "4-phone-withdrawn-link")
    phone_context.close()
    assert problems == []
