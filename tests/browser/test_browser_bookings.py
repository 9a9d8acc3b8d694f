"""A manager's day with bookings in real Chromium: the dashboard, a booking created through the form
with its live preview, moved and cancelled with their previews, a viewer without actions, the door
timeline, and every new page on a 390 px phone without sideways scrolling."""

import datetime as dt
import re

import pytest
from browser_helpers import LIVE_PREVIEW_TIMEOUT_MS, PHONE, horizontal_overflow, log_in
from django.utils import timezone
from playwright.sync_api import expect

from accesscodes.bookings.models import Booking, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from devices.models import Device
from portal.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def door(workspace, name, manufacturer, **fields):
    defaults = {
        "seam_device_id": f"device-{name}",
        "name": name,
        "manufacturer": manufacturer,
        "online": True,
        "battery_level": 0.9,
        "can_program_online_access_codes": True,
        "supported_code_lengths": [4, 5, 6],
    }
    return Device.objects.create(workspace=workspace, **{**defaults, **fields})


@pytest.fixture
def maple_court(workspace_a):
    entrance = door(workspace_a, "Entrance", "august")
    door_4b = door(workspace_a, "4B door", "august")
    door_5c = door(
        workspace_a, "5C door", "igloohome", online=False,
        can_program_online_access_codes=False, can_program_offline_access_codes=True,
    )  # fmt: skip
    property = Property.objects.create(workspace=workspace_a, name="Maple Court", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    units = {}
    for name, device in (("4B", door_4b), ("5C", door_5c)):
        units[name] = Unit.objects.create(workspace=workspace_a, property=property, name=name)
        UnitDoor.objects.create(workspace=workspace_a, unit=units[name], device=device)
    return {"property": property, "units": units, "entrance": entrance}


def local_day(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_a_manager_creates_moves_and_cancels_a_booking(
    page, live_server, maple_court, workspace_a, screenshot
):
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/")
    expect(page.locator("#arrivals-dashboard")).to_be_visible()
    screenshot(page, "dashboard-desktop")

    page.click("nav >> text=Bookings")
    page.click("text=New booking")
    page.select_option("select[name=unit]", label="Maple Court · 4B")
    page.fill("input[name=check_in_date]", local_day(0))
    page.fill("input[name=check_in_time]", (timezone.localtime() + dt.timedelta(hours=3)).strftime("%H:00"))
    page.fill("input[name=check_out_date]", local_day(2))
    page.fill("input[name=guest_name]", "Ada Lovelace")
    page.fill("input[name=guest_phone]", "+49 30 555 4821")
    # The live preview: the planned codes per door appear before anything is saved.
    expect(page.locator('#preview [data-door="Entrance"]')).to_be_visible(timeout=LIVE_PREVIEW_TIMEOUT_MS)
    expect(page.locator('#preview [data-door="4B door"]')).to_contain_text(
        "4821", timeout=LIVE_PREVIEW_TIMEOUT_MS
    )
    assert not Booking.objects.for_workspace(workspace_a).exists()
    screenshot(page, "booking-form-preview-desktop")

    page.click("button[name=confirm]")
    expect(page.locator("#booking-codes")).to_contain_text("Entrance")
    expect(page.locator("#booking-codes")).to_contain_text("4B door")
    booking = Booking.objects.for_workspace(workspace_a).get()
    assert booking.source == "portal"
    screenshot(page, "booking-detail-desktop")

    page.goto(f"{live_server.url}/w/alpha/")
    expect(page.locator("#arrivals-today")).to_contain_text("Ada Lovelace")

    page.goto(f"{live_server.url}/w/alpha/bookings/{booking.pk}/")
    page.click("text=Move dates")
    page.fill("input[name=check_in_date]", local_day(4))
    page.fill("input[name=check_out_date]", local_day(6))
    expect(page.locator("#preview .steps")).to_contain_text("window")
    screenshot(page, "booking-move-desktop")
    page.click("button[name=confirm]")
    expect(page.locator(".messages")).to_contain_text("updated")
    booking.refresh_from_db()
    assert booking.check_in.astimezone(dt.UTC).date().isoformat() == local_day(4)

    page.click("text=Cancel booking")
    expect(page.locator("#preview .steps")).to_contain_text("remove")
    screenshot(page, "booking-cancel-desktop")
    page.click("text=Confirm: cancel the booking")
    expect(page.locator("h1")).to_contain_text("Cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_dashboard_refreshes_itself(page, live_server, maple_court, workspace_a):
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/")
    expect(page.locator("#arrivals-today")).to_contain_text("No check-ins today")
    check_in = timezone.now() + dt.timedelta(hours=4)  # today or, near midnight, tomorrow: both are shown
    booking_upsert(
        workspace=workspace_a, source="pms", external_id="LIVE-1", unit=maple_court["units"]["4B"],
        check_in=check_in, check_out=check_in + dt.timedelta(days=1), guest_name="Grace Hopper",
    )  # fmt: skip
    # No reload: the polling swaps the sections in (every 15 s).
    expect(page.locator("#arrivals-dashboard")).to_contain_text("Grace Hopper", timeout=25_000)


def test_a_viewer_sees_no_edit_actions(page, live_server, maple_court, workspace_a, member):
    booking = booking_upsert(
        workspace=workspace_a, source="pms", external_id="V-1", unit=maple_court["units"]["4B"],
        check_in=timezone.now() + dt.timedelta(days=2), check_out=timezone.now() + dt.timedelta(days=4),
        guest_name="Ada Lovelace",
    ).booking  # fmt: skip
    member(workspace_a, Role.VIEWER, username="vera")
    log_in(page, live_server, "vera")
    page.goto(f"{live_server.url}/w/alpha/bookings/")
    expect(page.locator("table.bookings")).to_contain_text("Ada Lovelace")
    assert page.locator("text=New booking").count() == 0
    page.goto(f"{live_server.url}/w/alpha/bookings/{booking.pk}/")
    assert page.locator("#booking-actions").count() == 0
    response = page.goto(f"{live_server.url}/w/alpha/bookings/new/")
    assert response.status == 403


def test_the_door_timeline_has_a_bar_per_code(page, live_server, maple_court, workspace_a, screenshot):
    for number, (unit, days) in enumerate((("4B", 1), ("5C", 3), ("4B", 6))):
        check_in = timezone.now() + dt.timedelta(days=days)
        booking_upsert(
            workspace=workspace_a, source="pms", external_id=f"T-{number}", unit=maple_court["units"][unit],
            check_in=check_in, check_out=check_in + dt.timedelta(days=2), guest_name=f"Guest {number}",
        )  # fmt: skip
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/properties/{maple_court['property'].pk}/")
    svg = page.locator("svg.door-timeline")
    expect(svg).to_be_visible()
    # Entrance: 3 codes; 4B door: 2; 5C door: 1 (offline, not revocable).
    assert svg.locator("rect.bar").count() == 6
    assert svg.locator("rect.not-revocable").count() == 1
    assert svg.locator("line.now").count() == 1
    screenshot(page, "property-timeline-desktop")
    svg.locator("a.bar-link").first.click()
    expect(page).to_have_url(re.compile(r"/w/alpha/bookings/\d+/$"))
    page.goto(f"{live_server.url}/w/alpha/devices/{maple_court['entrance'].pk}/")
    assert page.locator("svg.door-timeline rect.bar").count() == 3
    screenshot(page, "device-timeline-desktop")


@pytest.mark.parametrize(
    "path",
    [
        "/w/alpha/",
        "/w/alpha/bookings/",
        "/w/alpha/bookings/new/",
        "/w/alpha/bookings/{booking}/",
        "/w/alpha/bookings/{booking}/move/",
        "/w/alpha/bookings/{booking}/unit/",
        "/w/alpha/bookings/{booking}/cancel/",
        "/w/alpha/bookings/{booking}/rotate-pin/",
        "/w/alpha/properties/",
        "/w/alpha/properties/{property}/",
        "/w/alpha/properties/units/{unit}/",
        "/w/alpha/devices/{entrance}/",
    ],
)
def test_new_pages_fit_a_phone(page, live_server, maple_court, workspace_a, screenshot, path):
    check_in = timezone.now() + dt.timedelta(hours=5)
    booking = booking_upsert(
        workspace=workspace_a, source="pms", external_id="PHONE-1", unit=maple_court["units"]["5C"],
        check_in=check_in, check_out=check_in + dt.timedelta(days=3), guest_name="Ada Lovelace",
        guest_phone="+49 30 555 4821",
    ).booking  # fmt: skip
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice")
    path = path.format(
        booking=booking.pk,
        property=maple_court["property"].pk,
        unit=maple_court["units"]["5C"].pk,
        entrance=maple_court["entrance"].pk,
    )
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    name = "phone-" + re.sub(r"\d+", "n", path.strip("/").replace("/", "-"))
    screenshot(page, name)
    assert horizontal_overflow(page) == 0
