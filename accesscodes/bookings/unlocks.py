"""Unlocks with a booking's codes, on the booking's timeline: each entry, and the stay's first entry.

Times are shown on the property's clock with its zone named. The guest is not named in these entries:
the timeline outlives the guest-data retention period, which redacts names from the booking and its codes.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from accesscodes.bookings.models import Booking, BookingCode, BookingEvent
from accesscodes.bookings.outbound_receivers import booking_first_entry_emit
from accesscodes.bookings.timeline import booking_event_record

UNLOCK_KIND = "guest_unlock"
FIRST_ENTRY_KIND = "first_entry"


def unlock_on_booking_timeline(sender, *, unlock_record, **kwargs) -> None:
    """Receiver of accesscodes' `unlock_recorded`: sent once per Seam event, inside its transaction."""
    if unlock_record.access_code_id is None:
        return
    link = (
        BookingCode.objects.for_workspace(unlock_record.workspace_id)
        .filter(access_code_id=unlock_record.access_code_id)
        .select_related("booking", "device")
        .first()
    )
    if link is None:
        return
    # Locked so that two unlocks processed at once agree on which one was the first entry.
    booking = (
        Booking.objects.for_workspace(unlock_record.workspace_id)
        .select_for_update()
        .select_related("unit__property")
        .get(pk=link.booking_id)
    )
    when = _local_time(unlock_record.occurred_at, booking.unit.property.timezone)
    data = {
        "unlock_record_id": unlock_record.pk,
        "device_id": link.device_id,
        "occurred_at": unlock_record.occurred_at.isoformat(),
        "method": unlock_record.method,
    }
    booking_event_record(
        booking=booking, kind=UNLOCK_KIND, message=f"Guest opened {link.device.name} {when}.", data=data
    )
    _first_entry_record(
        booking,
        unlock_record,
        device=link.device,
        message=f"First entry of the stay: {link.device.name} {when}.",
        data=data,
    )


def _first_entry_record(booking: Booking, unlock_record, *, device, message: str, data: dict) -> None:
    """Once per booking; an earlier unlock that arrives late (events come out of order) takes its place on
    the timeline. `booking.first_entry` goes out once, with the first entry known when it arrived."""
    first = (
        BookingEvent.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking, kind=FIRST_ENTRY_KIND)
        .first()
    )
    if first is None:
        booking_event_record(booking=booking, kind=FIRST_ENTRY_KIND, message=message, data=data)
        booking_first_entry_emit(
            booking=booking,
            device=device,
            occurred_at=unlock_record.occurred_at.isoformat(),
            data={"unlock_record_id": unlock_record.pk, "method": unlock_record.method},
        )
    elif unlock_record.occurred_at < dt.datetime.fromisoformat(first.data["occurred_at"]):
        first.message = message
        first.data = data
        first.save(update_fields=["message", "data"])


def _local_time(moment, zone_name: str) -> str:
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"at {local:%H:%M} on {local.day} {local:%b %Y} ({zone_name})"
