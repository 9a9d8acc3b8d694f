"""The pages a manager opens first, in real Chromium: log in, the workspace, its devices and codes; on a
desktop and on a 390 px phone, where nothing may scroll the page sideways."""

import pytest
from browser_helpers import PHONE, horizontal_overflow, log_in

from devices.models import Device

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workspace_with_locks(workspace_a):
    for index, manufacturer in enumerate(["august", "igloohome", "kwikset"]):
        Device.objects.create(
            workspace=workspace_a,
            seam_device_id=f"device-{index}",
            name=f"{manufacturer.title()} door {index}",
            manufacturer=manufacturer,
            online=manufacturer != "igloohome",
            battery_level=0.15 if manufacturer == "kwikset" else 0.9,
            can_program_online_access_codes=manufacturer != "igloohome",
            can_program_offline_access_codes=manufacturer == "igloohome",
            supported_code_lengths=[4, 5, 6],
        )
    return workspace_a


def test_log_in_and_open_the_workspace_devices_and_codes(page, live_server, workspace_with_locks, screenshot):
    log_in(page, live_server, "alice")
    assert "Alpha Rentals" in page.content()
    page.goto(f"{live_server.url}/w/alpha/devices/")
    rows = page.locator("text=August door 0")
    assert rows.count() >= 1
    screenshot(page, "devices-desktop")
    page.goto(f"{live_server.url}/w/alpha/codes/")
    assert page.locator("h1, h2").first.is_visible()


@pytest.mark.parametrize("path", ["/w/alpha/", "/w/alpha/devices/", "/w/alpha/codes/"])
def test_pages_fit_a_phone(page, live_server, workspace_with_locks, screenshot, path):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}{path}")
    name = "phone-" + (path.strip("/").replace("/", "-") or "home")
    screenshot(page, name)
    assert horizontal_overflow(page) == 0
