"""Rows of the cross-workspace matrix for the bookings API: for every route, how to make an object in a
workspace (`OBJECTS`: URL name -> make(workspace) -> URL kwargs) and a valid body for every write
(`BODIES`: (URL name, method) -> body(workspace) -> dict)."""

from collections.abc import Callable

from bookings_api_helpers import booking_body, days_ahead, door, rental

from accesscodes.bookings.alerts import alert_open
from accesscodes.bookings.models import Alert, Booking
from accesscodes.bookings.services import booking_upsert


def make_booking(workspace) -> Booking:
    unit = rental(workspace)["unit"]
    return booking_upsert(
        workspace=workspace,
        unit=unit,
        source="hostaway",
        external_id=f"M-{unit.pk}",
        guest_name="Ada Lovelace",
        guest_phone="+49 30 555 2468",
        check_in=days_ahead(10),
        check_out=days_ahead(12),
    ).booking


def make_alert(workspace) -> Alert:
    booking = make_booking(workspace)
    return alert_open(
        booking=booking, device_id=None, kind=Alert.Kind.STALE_UPDATE, message="An old update was ignored."
    )


def listing(make) -> Callable:
    """A list route has no URL kwargs, but its workspace must hold a row the list then shows."""

    def make_and_list(workspace) -> dict:
        make(workspace)
        return {}

    return make_and_list


def _nothing(workspace) -> dict:
    return {}


OBJECTS: dict[str, Callable] = {
    "api-property-list": listing(rental),
    "api-property-detail": lambda workspace: {"pk": rental(workspace)["property"].pk},
    "api-unit-list": listing(rental),
    "api-unit-detail": lambda workspace: {"pk": rental(workspace)["unit"].pk},
    "api-booking-list": listing(make_booking),
    "api-booking-preview": _nothing,
    "api-booking-batch": _nothing,
    "api-booking-detail": lambda workspace: {"pk": make_booking(workspace).pk},
    "api-booking-cancel": lambda workspace: {"pk": make_booking(workspace).pk},
    "api-alert-list": listing(make_alert),
    "api-alert-detail": lambda workspace: {"pk": make_alert(workspace).pk},
    "api-alert-resolve": lambda workspace: {"pk": make_alert(workspace).pk},
    "api-event-list": listing(make_booking),
}

BODIES: dict[tuple[str, str], Callable] = {
    ("api-property-list", "POST"): lambda workspace: {
        "name": "Harbour Lofts",
        "timezone": "America/New_York",
        "shared_door_ids": [door(workspace).pk],
    },
    ("api-property-detail", "PATCH"): lambda workspace: {"name": "Renamed", "early_access_minutes": 30},
    ("api-unit-list", "POST"): lambda workspace: {
        "property_id": rental(workspace)["property"].pk,
        "name": "Flat 9",
        "door_ids": [door(workspace).pk],
    },
    ("api-unit-detail", "PATCH"): lambda workspace: {"name": "Renamed", "pin_length": 6},
    ("api-booking-list", "POST"): lambda workspace: booking_body(
        rental(workspace)["unit"], external_id="NEW-1"
    ),
    ("api-booking-preview", "POST"): lambda workspace: booking_body(rental(workspace)["unit"]),
    ("api-booking-batch", "POST"): lambda workspace: {
        "bookings": [booking_body(rental(workspace)["unit"], external_id="NEW-2")]
    },
    ("api-booking-detail", "PATCH"): lambda workspace: {"guest_name": "Grace Hopper"},
    ("api-booking-cancel", "POST"): lambda workspace: {},
    ("api-alert-resolve", "POST"): lambda workspace: {},
}
