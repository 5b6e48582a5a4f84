"""Browser fixtures: headless Debian Chromium driven by Playwright, and bpmn-js served from node_modules on 127.0.0.1.

Prerequisites are installed by ``make setup`` (Debian ``chromium``, ``npm ci`` for bpmn-js, ``playwright`` from the
``test`` extra). Without them the browser tests are skipped with the reason, except when ``CI=true``: there a missing
prerequisite is a failure, because CI runs ``make setup`` first.

Nothing is fetched from the internet: the page, the viewer bundle and its stylesheets come from a local HTTP server
started here, and every request to another origin is aborted and recorded (the tests assert there were none).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BPMN_JS_DIST = ROOT / "node_modules" / "bpmn-js" / "dist"
VIEWER_BUNDLE = BPMN_JS_DIST / "bpmn-viewer.production.min.js"
CHROMIUM = Path(os.environ.get("CASEWORKS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "bpmn"
IN_CI = os.environ.get("CI", "").lower() == "true"

# As the machine notes prescribe for this closed network: no sandbox as root, no GPU, and no background traffic.
# Playwright adds --headless and a fresh, temporary --user-data-dir itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require(ok: bool, what: str, fix: str) -> None:
    """Skip (or, with CI=true, fail) the test when a browser prerequisite is missing."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} and CI=true: the browser tests must run ({fix})", pytrace=False)
    pytest.skip(f"{what} ({fix}; set CI=true to make this a failure)")


@pytest.fixture(scope="module")
def bpmn_js_dist() -> Path:
    require(VIEWER_BUNDLE.is_file(), f"bpmn-js is not installed ({VIEWER_BUNDLE} is missing)",
            "run `make setup` or `npm ci` in the repository root")
    return BPMN_JS_DIST


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    require(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM} is missing)",
            "run `make setup`, which installs the Debian package chromium")
    return CHROMIUM


class _Handler(SimpleHTTPRequestHandler):
    """Serves tests/browser/ at / and node_modules/bpmn-js/dist/ at /vendor/bpmn-js/; nothing else."""

    vendor_root: Path = BPMN_JS_DIST

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/vendor/bpmn-js/"):
            base, rest = self.vendor_root, clean[len("/vendor/bpmn-js/"):]
        else:
            base, rest = HERE, clean.lstrip("/") or "viewer.html"
        target = (base / rest).resolve()
        if base.resolve() not in target.parents and target != base.resolve():
            return str(base / "__outside__")  # 404, never a file outside the two roots
        return str(target)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def static_server(bpmn_js_dist: Path) -> Iterator[str]:
    """A local HTTP server for the viewer page and the bpmn-js bundle; yields its base URL."""
    handler = type("Handler", (_Handler,), {"vendor_root": bpmn_js_dist})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(HERE)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bpmn-static-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    """Headless Debian Chromium, launched once per module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the Python package playwright is not installed", "run `make setup` (it is in the test extra)")
        raise  # not reached: require() skipped or failed the test
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class ViewerPage:
    """A page with the bpmn-js viewer loaded, and what went wrong in it so far."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def render(self, xml: str) -> dict[str, Any]:
        """Import ``xml`` with ``viewer.importXML`` and return {error, warnings, elements, bbox}."""
        return self.page.evaluate("xml => window.renderDiagram(xml)", xml)

    def screenshot(self, path: Path, bbox: dict[str, float], margin: int = 40) -> None:
        """Size the viewport to the diagram (1:1 up to 3200x2400 px), fit it and save a PNG."""
        width = max(320, min(3200, int(bbox["width"]) + 2 * margin))
        height = max(240, min(2400, int(bbox["height"]) + 2 * margin))
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.evaluate("() => window.refit()")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=False)

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"blocked request to another origin: {u}" for u in self.blocked_requests]
                + [f"failed request: {u}" for u in self.failed_requests])


@pytest.fixture
def viewer_page(browser: Any, static_server: str) -> Iterator[ViewerPage]:
    """A fresh browser context on the local viewer page; only 127.0.0.1 is reachable."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    vp = ViewerPage(page)

    def guard(route: Any) -> None:
        if route.request.url.startswith(static_server + "/"):
            route.continue_()
        else:
            vp.blocked_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda msg: vp.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: vp.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: None if req.url in vp.blocked_requests
            else vp.failed_requests.append(f"{req.url}: {req.failure}"))
    page.on("response", lambda resp: vp.failed_requests.append(f"{resp.url}: HTTP {resp.status}")
            if resp.status >= 400 else None)
    try:
        page.goto(static_server + "/viewer.html", wait_until="load")
        page.wait_for_function("() => window.viewerReady === true", timeout=15_000)
        yield vp
    finally:
        context.close()
