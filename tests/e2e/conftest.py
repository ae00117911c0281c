"""A real browser: Debian's chromium driven by Playwright, against pytest-django's live server.

Without a browser (or Playwright, or axe-core from npm) the e2e tests are skipped with the
reason, unless PAPERBOY_REQUIRE_E2E=1 (set by .ci/run), which makes that a failure.
`make test` installs all three where it can.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PAPERBOY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is missing at {AXE} (make test installs it with npm)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("PAPERBOY_REQUIRE_E2E") == "1":
            pytest.fail(f"e2e tests required (PAPERBOY_REQUIRE_E2E=1) but {reason}")
        pytest.skip(f"e2e tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, live_server):
    """Pages in fresh browser contexts (light or dark), closed after the test. Every page
    reports Content-Security-Policy violations, and the test fails on any."""
    contexts = []
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    def open_(scheme: str = "light", width: int = 1280):
        context = browser.new_context(
            base_url=live_server.url,
            color_scheme=scheme,
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA rules on the page; the serious and critical findings."""
    # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by
    # the site's Content-Security-Policy.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
