"""A booking system's endpoint hears that a guest's codes are ready, with nobody touching anything: a real
Django-Q2 worker pushes the booking's codes to the Seam sandbox and delivers the signed events to a local
receiver, which turns the first attempt away."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from accesscodes.bookings.models import (
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.models import WebhookAttempt, WebhookDelivery
from portal.outbound.services import webhook_endpoint_create


@pytest.mark.django_db(transaction=True)
def test_codes_ready_reaches_the_booking_system_once_when_every_door_is_set(
    sandbox_workspace, django_q_worker, webhook_receiver
):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    devices = {device.name: device for device in Device.objects.for_workspace(workspace)}
    entrance, offline_door = devices["Unit 2A Front Door"], devices["Unit 4B Front Door"]
    property = Property.objects.create(workspace=workspace, name="Maple Court", timezone="America/New_York")
    PropertySharedDoor.objects.create(workspace=workspace, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace, property=property, name="4B", external_id="L-4B")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=offline_door)
    # The receiver fails the first request it gets (whichever event that is), then accepts.
    receiver = webhook_receiver(script=[500])
    endpoint, receiver.secret = webhook_endpoint_create(
        workspace=workspace, url=receiver.url, event_types=["booking.codes_ready", "access_code.set"]
    )
    worker = django_q_worker()

    check_in = timezone.now() + dt.timedelta(minutes=10)
    booking = booking_upsert(
        workspace=workspace, source="pms", external_id="E2E-WH", unit=unit, guest_name="Ada Lovelace",
        guest_phone="+1 212 555 0147", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
    ).booking  # fmt: skip

    worker.wait_until(
        lambda: [(event["type"]) for event in receiver.events()],
        lambda: receiver.events("booking.codes_ready"),
    )
    [ready] = receiver.events("booking.codes_ready")
    links = {
        link.device_id: link.access_code
        for link in BookingCode.objects.for_workspace(workspace)
        .filter(booking=booking)
        .select_related("access_code")
    }
    assert all(code.sync_state == AccessCode.SyncState.IN_SYNC for code in links.values())
    data = ready["data"]
    assert (data["booking"]["id"], data["booking"]["external_id"], data["booking"]["source"]) == (
        booking.pk, "E2E-WH", "pms",
    )  # fmt: skip
    doors = {door["device_id"]: door for door in data["doors"]}
    assert set(doors) == {entrance.pk, offline_door.pk}
    assert doors[entrance.pk]["pin"] == "0147" and doors[entrance.pk]["name"] == "Unit 2A Front Door"
    assert doors[offline_door.pk]["is_offline_access_code"] is True
    assert doors[offline_door.pk]["pin"] == links[offline_door.pk].code != ""
    assert all(door["starts_at"] and door["ends_at"] for door in doors.values())

    # The online code's own event arrives as well. The first request was turned away: it is in the log
    # with its 500, and waits for its retry (the dispatcher sends it after the backoff).
    worker.wait_until(lambda: receiver.events(), lambda: receiver.events("access_code.set"))
    assert all(request.verified for request in receiver.received)
    assert receiver.received[0].answered == 500
    first = WebhookDelivery.objects.for_workspace(workspace).get(
        event_id=receiver.received[0].headers["webhook-id"]
    )
    log = WebhookAttempt.objects.for_workspace(workspace).filter(delivery=first)
    assert log.values_list("response_code", flat=True).first() == 500
    assert first.status == WebhookDelivery.Status.DELIVERED or first.next_attempt_at > timezone.now()

    # Polls and further syncs of the same codes announce nothing new.
    time.sleep(5)
    ready_ids = {
        request.headers["webhook-id"]
        for request in receiver.received
        if request.event["type"] == "booking.codes_ready"
    }
    assert len(ready_ids) == 1
    assert (
        BookingEvent.objects.for_workspace(workspace).filter(booking=booking, kind="codes_ready").count() == 1
    )
    assert (
        WebhookDelivery.objects.for_workspace(workspace).filter(event_type="booking.codes_ready").count() == 1
    )
    endpoint.refresh_from_db()
    assert endpoint.is_enabled
