"""Browser harness: the real app (CSRF on) on a live port, one Chromium, a fresh page per test."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class LiveServer:
    """Where the app answers, and the app itself (for app contexts in assertions)."""

    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The app with CSRF enabled, served on 127.0.0.1 by a threaded werkzeug in a daemon thread."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture()
def world(live_server: LiveServer):
    """The shared test world (tests.factories.build_world), built through the live app."""
    from tests.factories import build_world

    with live_server.app.app_context():
        return build_world()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's outcome so the page fixture can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _new_context(browser: Browser, live_server: LiveServer, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **options)
    context.set_default_timeout(5_000)
    context.set_default_navigation_timeout(10_000)
    return context


def _watch_csp(page: Page) -> list[str]:
    """Every Content-Security-Policy violation the browser reports on this page (finding 8)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def _finish(
    request: pytest.FixtureRequest, page: Page, artifacts: Path, violations: list[str]
) -> None:
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=artifacts / f"FAILED-{request.node.name}.png", full_page=True)
    assert not violations, f"pages broke the Content-Security-Policy: {violations[:3]}"


@pytest.fixture()
def page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, artifacts: Path
) -> Iterator[Page]:
    """A desktop-sized page (1280x800) in its own context (own cookies)."""
    context = _new_context(browser, live_server, viewport=DESKTOP)
    page = context.new_page()
    violations = _watch_csp(page)
    yield page
    _finish(request, page, artifacts, violations)
    context.close()


@pytest.fixture()
def phone_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, artifacts: Path
) -> Iterator[Page]:
    """A phone-sized page (390x844, mobile viewport rules, touch)."""
    context = _new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    violations = _watch_csp(page)
    yield page
    _finish(request, page, artifacts, violations)
    context.close()


@pytest.fixture(scope="session")
def docs_screenshots() -> Path:
    """docs/screenshots/: the committed screenshots the README shows."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return DOCS_SCREENSHOTS
