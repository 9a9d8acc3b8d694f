"""Arrival readiness: every door of a confirmed booking has its code set (or its offline code issued)
before check-in minus the readiness lead. When a door misses that deadline the guest gets a backup code
where the door has a pool, and a person gets an alert; both clear when the code lands."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from accesscodes.backup import access_code_backup_pull
from accesscodes.bookings.alerts import alert_open, alerts_resolve
from accesscodes.bookings.models import Alert, Booking, BookingCode
from accesscodes.bookings.selectors import effective_policy
from accesscodes.bookings.timeline import booking_event_record
from accesscodes.models import AccessCode

logger = logging.getLogger(__name__)

LONGEST_LEAD = dt.timedelta(days=7)  # the policy's readiness lead is at most a week (MINUTES_VALIDATORS)


def door_ready(access_code: AccessCode) -> bool:
    if access_code.is_offline_access_code:
        # An offline code is "issued" once Seam has it: the PIN works without the lock being online.
        return access_code.sync_state == AccessCode.SyncState.IN_SYNC and bool(
            access_code.seam_access_code_id
        )
    # A natively scheduled code waits on the lock as "unset" until its start: it is there all the same.
    return access_code.status == AccessCode.Status.SET or (
        access_code.status == AccessCode.Status.UNSET
        and access_code.is_scheduled_on_device
        and access_code.sync_state == AccessCode.SyncState.IN_SYNC
    )


def bookings_to_check(*, workspace, now):
    return (
        Booking.objects.for_workspace(workspace)
        .filter(status=Booking.Status.CONFIRMED, check_in__lte=now + LONGEST_LEAD, check_out__gt=now)
        .select_related("unit__property")
        .order_by("check_in", "pk")
    )


def bookings_readiness_check(*, workspace, now) -> dict[str, int]:
    """Alerts for doors past their deadline, backups pulled where possible; one booking's failure is
    recorded on it and the others are still checked."""
    counts = {"ready": 0, "waiting": 0, "late": 0, "failed": 0}
    links_by_booking: dict[int, list[BookingCode]] = {}
    bookings = list(bookings_to_check(workspace=workspace, now=now))
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking__in=bookings, released_at__isnull=True)
        .select_related("access_code", "device")
    )
    for link in links:
        links_by_booking.setdefault(link.booking_id, []).append(link)
    for booking in bookings:
        try:
            outcome = _check_booking(booking, links_by_booking.get(booking.pk, []), now)
        except Exception as error:
            logger.exception("Readiness check of booking %s failed", booking.pk)
            booking_event_record(
                booking=booking, kind="readiness_check_failed", message=f"Readiness check failed: {error}"
            )
            outcome = "failed"
        counts[outcome] += 1
    return counts


@transaction.atomic
def _check_booking(booking: Booking, links: list[BookingCode], now) -> str:
    policy = effective_policy(unit=booking.unit, property=booking.unit.property)
    deadline = booking.check_in - dt.timedelta(minutes=policy["readiness_lead_minutes"])
    late_doors = []
    for link in links:
        if door_ready(link.access_code):
            alerts_resolve(booking=booking, kinds=[Alert.Kind.NOT_READY], only_device_id=link.device_id)
            continue
        if now < deadline:
            continue
        late_doors.append(link)
        backup = _backup_for(booking, link)
        alert_open(
            booking=booking,
            device_id=link.device_id,
            kind=Alert.Kind.NOT_READY,
            message=_late_message(link, deadline, backup),
        )
    if late_doors:
        return "late"
    return "ready" if all(door_ready(link.access_code) for link in links) else "waiting"


def _backup_for(booking: Booking, link: BookingCode) -> dict | None:
    access_code = link.access_code
    if not access_code.use_backup_access_code_pool or not access_code.seam_access_code_id:
        return None
    already = bool(access_code.backup_access_code)
    try:
        backup = access_code_backup_pull(access_code=access_code)
    except ValidationError as error:
        booking_event_record(
            booking=booking, kind="backup_failed", message=f"{link.device}: {' '.join(error.messages)}"
        )
        return None
    if not already:
        booking_event_record(
            booking=booking,
            kind="backup_pulled",
            message=f"{link.device}: backup code pulled from the door's pool; give it to the guest.",
            data={"access_code_id": access_code.pk},
        )
    return backup


def _late_message(link: BookingCode, deadline, backup) -> str:
    access_code = link.access_code
    state = (
        access_code.last_sync_error or f"status {access_code.status}, {access_code.get_sync_state_display()}"
    )
    message = f"{link.device}: the code is not ready by {deadline:%Y-%m-%d %H:%M} UTC ({state})."
    if backup:
        message += " A backup code from the door's pool was pulled: give it to the guest."
    return message
