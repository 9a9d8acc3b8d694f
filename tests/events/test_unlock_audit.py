"""lock.unlocked / lock.locked become unlock records linked to the code, and so to the booking: each entry
and the stay's first entry on the booking's timeline, on the property's clock. Device and account events
update device health, newest first."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesscodes.bookings.models import Booking, BookingCode, BookingEvent, Property, Unit
from accesscodes.bookings.selectors import booking_unlocks
from accesscodes.models import UnlockRecord
from devices.models import ConnectedAccount
from portal.hooks.inbox import seam_event_process, seam_event_store
from portal.models import SeamEvent, WebhookDelivery
from portal.outbound.services import webhook_endpoint_create
from tests.events.conftest import seam_event

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def process(workspace, event):
    row = seam_event_store(workspace=workspace, event=event, via=SeamEvent.Via.WEBHOOK, enqueue=False)
    if row is None:
        return None
    seam_event_process(workspace=workspace, seam_event_pk=row.pk)
    row.refresh_from_db()
    return row


@pytest.fixture
def stay(workspace_a, make_device, make_code):
    """A Berlin flat's booking over the night the clocks go forward, with a code on its front door."""
    door = make_device(workspace_a, name="Front Door")
    property = Property.objects.create(workspace=workspace_a, name="Altbau", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="3 OG")
    booking = Booking.objects.create(
        workspace=workspace_a, unit=unit, source="pms", external_id="B-1", guest_name="Ada Lovelace",
        check_in=dt.datetime(2024, 3, 30, 14, tzinfo=UTC), check_out=dt.datetime(2024, 4, 2, 9, tzinfo=UTC),
    )  # fmt: skip
    code = make_code(workspace_a, door, status="set")
    BookingCode.objects.create(workspace=workspace_a, booking=booking, access_code=code, device=door)
    return booking, door, code


def unlock(door, code, at, method="keycode"):
    return seam_event(
        "lock.unlocked", occurred_at=at, device_id=door.seam_device_id,
        access_code_id=code.seam_access_code_id if code else None, method=method,
    )  # fmt: skip


def timeline(booking, kind):
    return list(
        BookingEvent.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking, kind=kind)
        .order_by("pk")
        .values_list("message", flat=True)
    )


def test_unlocks_with_the_booking_code_reach_its_timeline_on_the_property_clock(workspace_a, stay):
    booking, door, code = stay
    # 13:12 UTC on the day Berlin moves to summer time is 15:12 on the wall.
    second = unlock(door, code, dt.datetime(2024, 3, 31, 13, 12, tzinfo=UTC))
    first = unlock(door, code, dt.datetime(2024, 3, 30, 16, 5, tzinfo=UTC))
    assert process(workspace_a, second).outcome == "applied"
    assert timeline(booking, "guest_unlock") == [
        "Guest opened Front Door at 15:12 on 31 Mar 2024 (Europe/Berlin)."
    ]
    assert timeline(booking, "first_entry") == [
        "First entry of the stay: Front Door at 15:12 on 31 Mar 2024 (Europe/Berlin)."
    ]
    # The earlier unlock arrives late: it becomes the first entry; there is still only one.
    assert process(workspace_a, first).outcome == "applied"
    assert timeline(booking, "first_entry") == [
        "First entry of the stay: Front Door at 17:05 on 30 Mar 2024 (Europe/Berlin)."
    ]
    # Seam delivers the same event again: no second record, no second timeline entry.
    assert process(workspace_a, second) is None
    assert len(timeline(booking, "guest_unlock")) == 2
    records = booking_unlocks(workspace=workspace_a, booking=booking)
    assert [record.occurred_at.hour for record in records] == [16, 13]
    assert {(record.access_code_id, record.method, record.action) for record in records} == {
        (code.pk, "keycode", "unlocked")
    }


def test_locks_and_unlocks_without_a_booking_code_are_recorded_but_not_on_a_timeline(workspace_a, stay):
    booking, door, _ = stay
    manual = unlock(door, None, dt.datetime(2024, 3, 31, 8, tzinfo=UTC), method="manual")
    locked = seam_event("lock.locked", device_id=door.seam_device_id, method="automatic")
    assert process(workspace_a, manual).outcome == "applied"
    assert process(workspace_a, locked).outcome == "applied"
    records = UnlockRecord.objects.for_workspace(workspace_a).order_by("action")
    assert [(record.action, record.access_code_id) for record in records] == [
        ("locked", None),
        ("unlocked", None),
    ]
    assert (
        timeline(booking, "guest_unlock") == []
        and booking_unlocks(workspace=workspace_a, booking=booking) == []
    )


def test_booking_unlocks_takes_the_same_queries_for_two_or_twenty(workspace_a, stay):
    booking, door, code = stay
    start = dt.datetime(2024, 3, 31, 10, tzinfo=UTC)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            records = booking_unlocks(workspace=workspace_a, booking=booking)
            [(record.device.name, record.access_code.name) for record in records]
        return len(captured)

    for minutes in range(2):
        process(workspace_a, unlock(door, code, start + dt.timedelta(minutes=minutes)))
    few = queries()
    for minutes in range(2, 20):
        process(workspace_a, unlock(door, code, start + dt.timedelta(minutes=minutes)))
    assert queries() == few == 1


def test_another_workspace_never_sees_the_unlocks(two_workspaces, stay, make_device):
    workspace_a, workspace_b = two_workspaces
    booking, door, code = stay
    # Workspace B's event naming A's device and code ids touches nothing of A's.
    row = process(workspace_b, unlock(door, code, dt.datetime(2024, 3, 31, 9, tzinfo=UTC)))
    assert row.outcome == "failed" and "not in this workspace" in row.error
    assert not UnlockRecord.objects.for_workspace(workspace_a).exists()
    assert timeline(booking, "guest_unlock") == []


def test_device_health_follows_the_newest_event_whatever_the_order(workspace_a, make_device):
    device = make_device(workspace_a, online=True, content_hash="synced")
    t0 = dt.datetime(2024, 3, 31, 10, tzinfo=UTC)
    offline = seam_event(
        "device.disconnected", occurred_at=t0 + dt.timedelta(minutes=5), device_id=device.seam_device_id
    )
    online = seam_event("device.connected", occurred_at=t0, device_id=device.seam_device_id)
    battery = seam_event(
        "device.low_battery", occurred_at=t0 + dt.timedelta(minutes=6), device_id=device.seam_device_id,
        battery_level=0.12,
    )  # fmt: skip
    assert process(workspace_a, offline).outcome == "applied"
    assert process(workspace_a, online).outcome == "ignored"  # older than what is shown
    assert process(workspace_a, battery).outcome == "applied"
    device.refresh_from_db()
    assert (device.online, device.battery_level) == (False, 0.12)
    assert [error["error_code"] for error in device.errors] == ["device_offline"]
    assert device.content_hash == ""  # the next sync reads it from Seam again


def test_a_disconnected_account_marks_its_devices(two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    account = ConnectedAccount.objects.create(workspace=workspace_a, seam_connected_account_id="acc-1")
    mine = [make_device(workspace_a, connected_account=account) for _ in range(2)]
    other = make_device(workspace_a)
    event = seam_event("connected_account.disconnected", connected_account_id="acc-1")
    assert process(workspace_a, event).outcome == "applied"
    for device in mine:
        device.refresh_from_db()
        assert [error["error_code"] for error in device.errors] == ["account_disconnected"]
    other.refresh_from_db()
    assert other.errors == []
    account.refresh_from_db()
    assert [error["error_code"] for error in account.errors] == ["account_disconnected"]
    # The same account id in workspace B names nothing there.
    assert process(workspace_b, event).outcome == "ignored"


def test_the_first_entry_is_sent_once_to_subscribed_webhook_endpoints(workspace_a, stay):
    booking, door, code = stay
    endpoint, _secret = webhook_endpoint_create(
        workspace=workspace_a,
        url="https://hooks.example.com/lock-portal",
        event_types=["booking.first_entry"],
    )
    process(workspace_a, unlock(door, code, dt.datetime(2024, 3, 31, 13, 12, tzinfo=UTC)))
    process(workspace_a, unlock(door, code, dt.datetime(2024, 3, 30, 16, 5, tzinfo=UTC)))
    deliveries = list(WebhookDelivery.objects.for_workspace(workspace_a).filter(endpoint=endpoint))
    assert [delivery.event_type for delivery in deliveries] == ["booking.first_entry"]
    data = deliveries[0].payload["data"]
    assert data["booking"]["id"] == booking.pk
    assert data["door"]["device_id"] == door.pk
