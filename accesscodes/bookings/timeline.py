from accesscodes.bookings.models import Booking, BookingEvent


def booking_event_record(*, booking: Booking, kind: str, message: str, data=None) -> BookingEvent:
    """One entry on the booking's timeline."""
    return BookingEvent.objects.create(
        workspace_id=booking.workspace_id, booking=booking, kind=kind, message=message, data=data or {}
    )


class BookingTimeline:
    """Entries a service collects while it works and writes in one statement at the end. Each entry is
    stamped when it is added, so the timeline keeps the order things happened in."""

    def __init__(self, booking: Booking):
        self.booking = booking
        self.entries: list[BookingEvent] = []

    def add(self, *, kind: str, message: str, data=None) -> None:
        self.entries.append(
            BookingEvent(
                workspace_id=self.booking.workspace_id,
                booking=self.booking,  # saved by the time the entries are: its id is read then
                kind=kind,
                message=message,
                data=data or {},
            )
        )

    def save(self) -> None:
        BookingEvent.objects.bulk_create(self.entries)
        self.entries = []
