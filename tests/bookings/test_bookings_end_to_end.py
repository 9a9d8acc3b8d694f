"""Booking-driven codes with nobody touching them: a real Django-Q2 worker pushes each booking's codes to
the Seam sandbox, follows a date change and a cancellation, and a code that fails near arrival gets a
backup code and an alert."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.bookings.models import (
    Alert,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.readiness import bookings_readiness_check
from accesscodes.bookings.services import booking_cancel, booking_upsert
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.seam import seam_client_for_workspace


def booking_codes(workspace, booking, *, released=False):
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking=booking)
        .select_related("access_code", "device")
    )
    return [link for link in links if (link.released_at is not None) == released]


def seam_code(workspace, access_code) -> dict:
    with seam_client_for_workspace(workspace) as client:
        return client.access_codes_get(access_code_id=access_code.seam_access_code_id)


def states(links):
    return [(link.device.name, link.access_code.status, link.access_code.sync_state) for link in links]


@pytest.mark.django_db(transaction=True)
def test_booking_codes_reach_the_locks_follow_changes_and_fall_back_near_arrival(
    sandbox_workspace, seam_sandbox, django_q_worker
):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    devices = {device.name: device for device in Device.objects.for_workspace(workspace)}
    entrance, offline_door = devices["Unit 2A Front Door"], devices["Unit 4B Front Door"]
    property = Property.objects.create(
        workspace=workspace, name="Maple Court", timezone="America/New_York", early_access_minutes=30
    )
    PropertySharedDoor.objects.create(workspace=workspace, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace, property=property, name="4B")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=offline_door)
    worker = django_q_worker()

    # 1. Created: the entrance code is set on the lock, the offline code issued.
    check_in = timezone.now() + dt.timedelta(minutes=10)
    booking = booking_upsert(
        workspace=workspace, source="pms", external_id="E2E-1", unit=unit, guest_name="Ada Lovelace",
        guest_phone="+1 212 555 0147", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
    ).booking  # fmt: skip

    def created():
        links = booking_codes(workspace, booking)
        by_door = {link.device_id: link.access_code for link in links}
        online, offline = by_door[entrance.pk], by_door[offline_door.pk]
        return (
            online.status == AccessCode.Status.SET
            and offline.seam_access_code_id
            and offline.sync_state == "in_sync"
        )

    worker.wait_until(lambda: states(booking_codes(workspace, booking)), created)
    online_code = next(
        link.access_code for link in booking_codes(workspace, booking) if link.device_id == entrance.pk
    )
    assert online_code.code == "0147"
    assert seam_code(workspace, online_code)["code"] == "0147"

    # 2. Extended by a day: the entrance code's window follows in Seam, the PIN stays; the offline code
    # cannot change, so a new one is issued and the old one is flagged.
    booking_upsert(
        workspace=workspace, source="pms", external_id="E2E-1", unit=unit, guest_name="Ada Lovelace",
        guest_phone="+1 212 555 0147", check_in=check_in, check_out=check_in + dt.timedelta(days=3),
    )  # fmt: skip

    def extended():
        in_seam = seam_code(workspace, online_code)
        new_offline = [
            link for link in booking_codes(workspace, booking) if link.device_id == offline_door.pk
        ]
        return (
            in_seam["ends_at"].startswith((check_in + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
            and new_offline
            and new_offline[0].access_code.seam_access_code_id
        )

    worker.wait_until(lambda: states(booking_codes(workspace, booking)), extended)
    assert (
        Alert.objects.for_workspace(workspace).filter(kind=Alert.Kind.OFFLINE_CODE_STILL_VALID).count() == 1
    )

    # 3. Cancelled: the entrance code leaves the lock; the offline ones are flagged, never "deleted".
    booking_cancel(booking=booking)
    online_code.refresh_from_db()
    worker.wait_until(
        lambda: (online_code.refresh_from_db(), online_code.status, online_code.sync_state)[1:],
        lambda: (online_code.refresh_from_db(), online_code.removed_at is not None)[1],
    )
    with seam_client_for_workspace(workspace) as client:
        assert client.access_codes_list(device_id=entrance.seam_device_id) == []
    # Both offline codes were left on the lock (one alert per door stays open until someone acts).
    left = BookingEvent.objects.for_workspace(workspace).filter(booking=booking, kind="offline_code_left")
    assert left.count() == 2
    assert booking_codes(workspace, booking) == []

    # 4. A code that fails to set near arrival: a backup code from the door's pool, and an alert.
    property.use_backup_pool = True
    property.save()
    seam_sandbox.control(
        "access_codes/fail_to_set", api_key=workspace.seam_api_key, device_id=entrance.seam_device_id, count=5
    )
    soon = timezone.now() + dt.timedelta(minutes=30)
    late = booking_upsert(
        workspace=workspace, source="pms", external_id="E2E-2", unit=unit, guest_name="Grace Hopper",
        guest_phone="+1 212 555 0190", check_in=soon, check_out=soon + dt.timedelta(days=1),
    ).booking  # fmt: skip
    failing = next(
        link.access_code for link in booking_codes(workspace, late) if link.device_id == entrance.pk
    )
    assert failing.use_backup_access_code_pool
    worker.wait_until(
        lambda: (failing.refresh_from_db(), failing.status, failing.sync_state, failing.errors)[1:],
        lambda: (failing.refresh_from_db(), bool(failing.seam_access_code_id) and bool(failing.errors))[1],
    )
    counts = bookings_readiness_check(workspace=workspace, now=timezone.now())
    assert counts["late"] == 1
    failing.refresh_from_db()
    assert failing.backup_access_code and failing.backup_access_code.get("code")
    assert (
        BookingEvent.objects.for_workspace(workspace).filter(booking=late, kind="backup_pulled").count() == 1
    )
    alert = Alert.objects.for_workspace(workspace).get(booking=late, kind=Alert.Kind.NOT_READY)
    assert "backup code" in alert.message
