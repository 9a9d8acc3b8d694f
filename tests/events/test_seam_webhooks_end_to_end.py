"""Seam's webhooks drive the portal with nobody touching it: the sandbox signs and POSTs its events over
real HTTP to the portal's endpoint, the receiver stores them, a real Django-Q2 worker applies them. A guest
opening the door with the booking's code shows on the booking's timeline as its first entry."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.bookings.models import BookingCode, BookingEvent, Property, Unit, UnitDoor
from accesscodes.bookings.selectors import booking_unlocks
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.hooks.endpoints import seam_webhook_register
from portal.models import SeamEvent


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_webhooks_reach_the_booking_timeline(
    sandbox_workspace, seam_sandbox, django_q_worker, live_server
):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    door = Device.objects.for_workspace(workspace).get(name="Unit 2A Front Door")
    property = Property.objects.create(workspace=workspace, name="Maple Court", timezone="America/New_York")
    unit = Unit.objects.create(workspace=workspace, property=property, name="2A")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=door)
    endpoint = seam_webhook_register(workspace=workspace, public_url=live_server.url)
    assert endpoint.receives_deliveries
    worker = django_q_worker()

    check_in = timezone.now() - dt.timedelta(hours=1)  # the guest is due: the code goes on the lock now
    booking = booking_upsert(
        workspace=workspace, source="pms", external_id="WH-1", unit=unit, guest_name="Grace Hopper",
        guest_phone="+1 212 555 0123", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
    ).booking  # fmt: skip
    link = BookingCode.objects.for_workspace(workspace).get(booking=booking)

    def code():
        return AccessCode.objects.for_workspace(workspace).get(pk=link.access_code_id)

    def set_event_applied():
        return (
            SeamEvent.objects.for_workspace(workspace)
            .filter(event_type="access_code.set_on_device", via="webhook", outcome__in=["applied", "ignored"])
            .exists()
        )

    worker.wait_until(lambda: (code().status, code().sync_state), lambda: code().status == "set")
    worker.wait_until(
        lambda: list(SeamEvent.objects.for_workspace(workspace).values_list("event_type", "outcome")),
        set_event_applied,
    )

    seam_sandbox.control("locks/simulate_unlock", access_code_id=code().seam_access_code_id)

    def first_entry():
        return (
            BookingEvent.objects.for_workspace(workspace).filter(booking=booking, kind="first_entry").first()
        )

    worker.wait_until(
        lambda: list(
            SeamEvent.objects.for_workspace(workspace).values_list("event_type", "outcome", "error")
        ),
        lambda: first_entry() is not None,
    )
    assert "First entry of the stay: Unit 2A Front Door at" in first_entry().message
    assert "(America/New_York)" in first_entry().message
    [record] = booking_unlocks(workspace=workspace, booking=booking)
    assert (record.access_code_id, record.method) == (link.access_code_id, "keycode")
    unlock_event = SeamEvent.objects.for_workspace(workspace).get(event_type="lock.unlocked")
    assert (unlock_event.via, unlock_event.outcome) == ("webhook", "applied")
    deliveries = seam_sandbox.webhook_deliveries
    assert any(d["event_type"] == "lock.unlocked" and d["status_code"] == 200 for d in deliveries)
