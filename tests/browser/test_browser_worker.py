"""The whole loop in real Chromium, with a real Django-Q2 worker and the project's Seam sandbox: a booking
made through the form gets its codes to `set` on the sandbox locks, a dashboard opened beforehand shows it
ready without a reload (its htmx polling), and the PIN is rotated from the booking page with its preview
and reaches the locks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import LIVE_PREVIEW_TIMEOUT_MS, log_in
from django.utils import timezone
from playwright.sync_api import expect

from accesscodes.bookings.models import Booking, BookingCode, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.seam import seam_client_for_workspace

pytestmark = pytest.mark.django_db(transaction=True)

ZONE = "America/New_York"
# The polling (15 s) plus the worker's trips to the sandbox: generous, as the machine is shared.
READY_TIMEOUT_MS = 120_000


@pytest.fixture
def maple_court(sandbox_workspace, make_user):
    """A sandbox workspace owned by Sam: Maple Court with the sandbox's August lock as its entrance and
    its Yale lock as unit 2A's door (both online, both take chosen PINs)."""
    workspace = sandbox_workspace(slug="maple", owner=make_user("sam"))
    assert device_sync(workspace=workspace).status == "succeeded"
    devices = {device.name: device for device in Device.objects.for_workspace(workspace)}
    # Early access puts the codes' start in the past, so the locks hold them as `set` at once.
    property = Property.objects.create(
        workspace=workspace, name="Maple Court", timezone=ZONE, early_access_minutes=60
    )
    PropertySharedDoor.objects.create(
        workspace=workspace, property=property, device=devices["Unit 2A Front Door"]
    )
    unit = Unit.objects.create(workspace=workspace, property=property, name="2A")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=devices["Suite 301 Entry"])
    return workspace


def booking_access_codes(workspace, booking) -> list[AccessCode]:
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking=booking, released_at__isnull=True)
        .select_related("access_code")
    )
    return [link.access_code for link in links if link.access_code.removed_at is None]


def pins_in_seam(workspace, codes) -> set[str]:
    with seam_client_for_workspace(workspace) as client:
        return {client.access_codes_get(access_code_id=code.seam_access_code_id)["code"] for code in codes}


def test_a_booking_made_in_the_browser_reaches_the_locks_and_its_pin_is_rotated(
    page, live_server, maple_court, django_q_worker, screenshot
):
    workspace = maple_court
    worker = django_q_worker()
    log_in(page, live_server, "sam")
    # A second tab keeps the dashboard open from before the booking exists: it is never reloaded.
    dashboard = page.context.new_page()
    dashboard.goto(f"{live_server.url}/w/maple/")
    expect(dashboard.locator("#arrivals-dashboard")).to_be_visible()
    assert dashboard.locator(".card.arrival").count() == 0

    check_in = (timezone.now() + dt.timedelta(minutes=20)).astimezone(ZoneInfo(ZONE))
    page.goto(f"{live_server.url}/w/maple/bookings/new/")
    page.select_option("select[name=unit]", label="Maple Court · 2A")
    page.fill("input[name=check_in_date]", check_in.date().isoformat())
    page.fill("input[name=check_in_time]", check_in.strftime("%H:%M"))
    page.fill("input[name=check_out_date]", (check_in.date() + dt.timedelta(days=2)).isoformat())
    page.fill("input[name=guest_name]", "Ada Lovelace")
    page.locator("h1").click()  # leaving the field: its change brings the preview, PIN from the booking
    front_door = page.locator('#preview [data-door="Unit 2A Front Door"]')
    expect(front_door).to_contain_text("PIN", timeout=LIVE_PREVIEW_TIMEOUT_MS)
    expect(front_door).not_to_contain_text("0147")
    # A pasted phone (an input event, no key pressed, the field still focused) updates the preview too.
    page.fill("input[name=guest_phone]", "+1 212 555 0147")
    expect(front_door).to_contain_text("0147", timeout=LIVE_PREVIEW_TIMEOUT_MS)
    expect(page.locator('#preview [data-door="Suite 301 Entry"]')).to_be_visible(
        timeout=LIVE_PREVIEW_TIMEOUT_MS
    )
    screenshot(page, "worker-booking-form-preview")
    page.click("button[name=confirm]")
    expect(page.locator("#booking-codes")).to_contain_text("Suite 301 Entry")
    booking = Booking.objects.for_workspace(workspace).get()

    worker.wait_until(
        lambda: [(code.status, code.sync_state) for code in booking_access_codes(workspace, booking)],
        lambda: (
            [code.status for code in booking_access_codes(workspace, booking)] == [AccessCode.Status.SET] * 2
        ),
    )
    card = dashboard.locator(f'.card.arrival[data-booking="{booking.pk}"]')
    expect(card.locator("h3 .badge.ready")).to_be_visible(timeout=READY_TIMEOUT_MS)
    expect(card).to_contain_text("Every door is ready.")
    screenshot(dashboard, "worker-dashboard-ready")

    old_pin = booking.pin
    assert old_pin == "0147" and pins_in_seam(workspace, booking_access_codes(workspace, booking)) == {"0147"}
    page.click("#booking-actions >> text=Rotate the PIN")
    steps = page.locator("#preview .steps")
    expect(steps).to_contain_text("Unit 2A Front Door")
    expect(steps).to_contain_text("Suite 301 Entry")
    new_pins = {text.strip() for text in steps.locator("code").all_inner_texts()}
    assert len(new_pins) == 1 and old_pin not in new_pins
    screenshot(page, "worker-booking-rotate-pin")
    page.click("text=Confirm: rotate the PIN")
    (new_pin,) = new_pins
    expect(page.locator(".messages")).to_contain_text(f"The new PIN is {new_pin}")
    screenshot(page, "worker-booking-rotated")

    worker.wait_until(
        lambda: [(code.code, code.sync_state) for code in booking_access_codes(workspace, booking)],
        lambda: pins_in_seam(workspace, booking_access_codes(workspace, booking)) == {new_pin},
    )
    booking.refresh_from_db()
    assert booking.pin == new_pin
