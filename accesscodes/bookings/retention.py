"""Guest contact data is kept only as long as the policy says: after check-out plus the retention period
the guest's name, e-mail, phone and PIN are redacted; the booking and its timeline stay."""

import datetime as dt

from django.db import transaction

from accesscodes.bookings.models import Booking, BookingCode
from accesscodes.bookings.selectors import effective_policy
from accesscodes.bookings.timeline import booking_event_record
from accesscodes.models import AccessCode

LONGEST_RETENTION = dt.timedelta(days=3650)
REDACTED_NAME = "Guest (redacted)"


def bookings_due_for_redaction(*, workspace, now):
    candidates = (
        Booking.objects.for_workspace(workspace)
        .filter(guest_data_redacted_at__isnull=True, check_out__lt=now)
        .select_related("unit__property")
    )
    for booking in candidates:
        policy = effective_policy(unit=booking.unit, property=booking.unit.property)
        if booking.check_out + dt.timedelta(days=policy["guest_data_retention_days"]) <= now:
            yield booking


def guest_data_redact(*, booking: Booking, now) -> None:
    with transaction.atomic():
        booking.guest_name = ""
        booking.guest_email = ""
        booking.guest_phone = ""
        booking.provided_pin = ""
        booking.pin = ""
        booking.guest_data_redacted_at = now
        booking.save()
        # The codes carried the guest's name onto the lock; their rows keep the history, not the name.
        code_ids = (
            BookingCode.objects.for_workspace(booking.workspace_id)
            .filter(booking=booking)
            .values("access_code_id")
        )
        codes = AccessCode.objects.for_workspace(booking.workspace_id).filter(pk__in=code_ids)
        codes.update(name=REDACTED_NAME)
        # A PIN made of the phone's last digits is contact data too, once it is off the lock.
        codes.filter(removed_at__isnull=False).update(code="")
        booking_event_record(
            booking=booking,
            kind="guest_data_redacted",
            message="Guest contact data redacted (retention period over).",
        )


def guest_data_redact_due(*, workspace, now) -> int:
    redacted = 0
    for booking in bookings_due_for_redaction(workspace=workspace, now=now):
        guest_data_redact(booking=booking, now=now)
        redacted += 1
    return redacted
