"""Browser tests: Playwright for Python driving Debian's Chromium (`CHROMIUM_PATH`, default
/usr/bin/chromium; `playwright install` is not used) against pytest-django's live server.
Screenshots go to `BROWSER_SCREENSHOTS` (default artifacts/screenshots/), which CI keeps."""

import os
from pathlib import Path

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")
)
DESKTOP = {"width": 1280, "height": 900}

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls are still
# synchronous, so Django's async-safety guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"Chromium is needed at {CHROMIUM_PATH} (sudo apt-get install chromium, or set CHROMIUM_PATH)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
