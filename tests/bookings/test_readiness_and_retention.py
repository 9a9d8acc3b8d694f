"""Arrival readiness alerts (opened once, e-mailed once, resolved when the code lands) and guest data
redaction after the retention period."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accesscodes.bookings.models import Alert, Booking, BookingCode, BookingEvent, Property, Unit, UnitDoor
from accesscodes.bookings.readiness import bookings_readiness_check
from accesscodes.bookings.retention import REDACTED_NAME, guest_data_redact_due
from accesscodes.bookings.services import booking_upsert
from accesscodes.bookings.tasks import booking_work_for_workspace
from accesscodes.models import AccessCode
from portal.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(workspace_a, make_device):
    property = Property.objects.create(workspace=workspace_a, name="Dune Villa", timezone="America/New_York")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Villa")
    UnitDoor.objects.create(
        workspace=workspace_a, unit=unit, device=make_device(workspace_a, "august", name="Front")
    )
    return unit


def book(workspace, unit, *, check_in, nights=2, external_id="R-1"):
    return booking_upsert(
        workspace=workspace,
        source="guesty",
        external_id=external_id,
        unit=unit,
        guest_name="Grace Hopper",
        guest_email="grace@example.com",
        guest_phone="+1 212 555 0147",
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=nights),
    ).booking


def access_code_of(workspace, booking):
    return (
        BookingCode.objects.for_workspace(workspace)
        .select_related("access_code")
        .get(booking=booking)
        .access_code
    )


def test_a_door_not_ready_by_the_deadline_opens_one_alert_mailed_once_and_resolved_when_set(
    workspace_a, unit, member, django_capture_on_commit_callbacks
):
    manager = member(workspace_a, Role.MANAGER)
    manager.email = "manager@example.com"
    manager.save()
    now = timezone.now()
    booking = book(workspace_a, unit, check_in=now + dt.timedelta(hours=1))  # lead 2 h: already late
    with django_capture_on_commit_callbacks(execute=True):
        counts = bookings_readiness_check(workspace=workspace_a, now=now)
        bookings_readiness_check(workspace=workspace_a, now=now + dt.timedelta(minutes=5))
    assert counts["late"] == 1
    alert = Alert.objects.for_workspace(workspace_a).get(kind=Alert.Kind.NOT_READY)
    assert alert.resolved_at is None and "not ready by" in alert.message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["manager@example.com"]
    assert "Code not set before arrival" in mail.outbox[0].subject

    AccessCode.objects.for_workspace(workspace_a).update(
        status=AccessCode.Status.SET, sync_state=AccessCode.SyncState.IN_SYNC
    )
    counts = bookings_readiness_check(workspace=workspace_a, now=now + dt.timedelta(minutes=10))
    alert.refresh_from_db()
    assert counts["ready"] == 1
    assert alert.resolved_at is not None
    assert access_code_of(workspace_a, booking).status == AccessCode.Status.SET


def test_before_the_deadline_a_pending_door_is_waiting_not_alerted(workspace_a, unit):
    now = timezone.now()
    book(workspace_a, unit, check_in=now + dt.timedelta(hours=5))
    counts = bookings_readiness_check(workspace=workspace_a, now=now)
    assert counts == {"ready": 0, "waiting": 1, "late": 0, "failed": 0}
    assert not Alert.objects.for_workspace(workspace_a).exists()


def test_cancelled_bookings_are_not_checked(workspace_a, unit):
    now = timezone.now()
    booking = book(workspace_a, unit, check_in=now + dt.timedelta(hours=1))
    Booking.objects.for_workspace(workspace_a).filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert bookings_readiness_check(workspace=workspace_a, now=now)["late"] == 0


def test_guest_data_is_redacted_after_the_retention_period_and_the_booking_kept(workspace_a, unit):
    now = timezone.now()
    booking = book(workspace_a, unit, check_in=now + dt.timedelta(days=1))
    check_out = booking.check_out
    assert guest_data_redact_due(workspace=workspace_a, now=check_out + dt.timedelta(days=29)) == 0
    assert guest_data_redact_due(workspace=workspace_a, now=check_out + dt.timedelta(days=30, minutes=1)) == 1
    booking.refresh_from_db()
    assert (booking.guest_name, booking.guest_email, booking.guest_phone, booking.pin) == ("", "", "", "")
    assert booking.guest_data_redacted_at is not None
    assert access_code_of(workspace_a, booking).name == REDACTED_NAME
    assert (
        BookingEvent.objects.for_workspace(workspace_a)
        .filter(booking=booking, kind="guest_data_redacted")
        .exists()
    )
    # Once only.
    assert guest_data_redact_due(workspace=workspace_a, now=check_out + dt.timedelta(days=60)) == 0


def test_a_unit_override_of_the_retention_period_wins(workspace_a, unit):
    unit.guest_data_retention_days = 1
    unit.save()
    booking = book(workspace_a, unit, check_in=timezone.now() + dt.timedelta(days=1))
    assert guest_data_redact_due(workspace=workspace_a, now=booking.check_out + dt.timedelta(days=2)) == 1


def test_the_task_ends_quietly_for_a_deleted_workspace(caplog):
    assert booking_work_for_workspace(987654) is None
    assert "no longer exists" in caplog.text


def test_the_periodic_schedule_exists_after_migrate():
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="accesscodes.bookings.tasks.dispatch_booking_work").count() == 1


def test_a_natively_scheduled_code_waiting_on_the_lock_counts_as_ready(workspace_a, unit):
    now = timezone.now()
    book(workspace_a, unit, check_in=now + dt.timedelta(hours=1))
    codes = AccessCode.objects.for_workspace(workspace_a)
    codes.update(
        status=AccessCode.Status.UNSET, sync_state=AccessCode.SyncState.IN_SYNC, is_scheduled_on_device=False
    )
    assert bookings_readiness_check(workspace=workspace_a, now=now)["late"] == 1
    codes.update(is_scheduled_on_device=True)
    assert bookings_readiness_check(workspace=workspace_a, now=now)["ready"] == 1
