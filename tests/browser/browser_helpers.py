"""What the browser tests share besides fixtures."""

PHONE = {"width": 390, "height": 844}


# The live preview is asked for again 400 ms after each edit (the newer request replaces the one in
# flight); on a busy machine the answer for the last field can still land seconds later.
LIVE_PREVIEW_TIMEOUT_MS = 30_000


def log_in(page, live_server, username: str, password: str = "pw-for-tests-only") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
