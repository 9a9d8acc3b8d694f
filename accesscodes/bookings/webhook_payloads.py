"""What the booking events sent to webhook endpoints say: the booking, and each door's code."""

from accesscodes.bookings.models import Alert, Booking, BookingCode

BOOKING_CODES_READY = "booking.codes_ready"
BOOKING_CODES_FAILED = "booking.codes_failed"
BOOKING_ALERT_OPENED = "booking.alert_opened"
BOOKING_FIRST_ENTRY = "booking.first_entry"
EVENT_TYPES = {
    BOOKING_CODES_READY: "Every door of a confirmed booking has its code on the lock (or its offline code "
    "issued): the PINs per door, to send to the guest.",
    BOOKING_CODES_FAILED: "A code of a confirmed booking was refused or could not be sent.",
    BOOKING_ALERT_OPENED: "An alert was opened on a booking (e.g. a code not ready before arrival).",
    BOOKING_FIRST_ENTRY: "The guest opened a door for the first time in the stay.",
}


def booking_data(booking: Booking) -> dict:
    unit = booking.unit
    return {
        "id": booking.pk,
        "source": booking.source,
        "external_id": booking.external_id,
        "status": booking.status,
        "check_in": booking.check_in,
        "check_out": booking.check_out,
        "unit": {"id": unit.pk, "external_id": unit.external_id, "name": unit.name},
    }


def door_data(link: BookingCode) -> dict:
    access_code = link.access_code
    return {
        "device_id": link.device_id,
        "seam_device_id": link.device.seam_device_id,
        "name": link.device.name,
        "part": link.part,
        "pin": access_code.code,
        "starts_at": access_code.starts_at,
        "ends_at": access_code.ends_at,
        "is_offline_access_code": access_code.is_offline_access_code,
        "access_code_id": access_code.pk,
    }


def alert_data(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "message": alert.message,
        "device_id": alert.device_id,
        "opened_at": alert.opened_at,
    }
