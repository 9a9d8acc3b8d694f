from accesscodes.bookings.models import Booking, BookingEvent


def booking_event_record(*, booking: Booking, kind: str, message: str, data=None) -> BookingEvent:
    """One entry on the booking's timeline."""
    return BookingEvent.objects.create(
        workspace_id=booking.workspace_id, booking=booking, kind=kind, message=message, data=data or {}
    )
