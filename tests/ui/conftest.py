"""A workspace with a property, its doors and units, for the bookings pages."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert


@pytest.fixture
def property_with_doors(workspace_a, make_device):
    """Maple Court (Europe/Berlin): a shared online entrance, unit 4B with an online door and unit 5C
    with an offline-only igloohome door."""
    entrance = make_device(workspace_a, "august", name="Entrance")
    door_4b = make_device(workspace_a, "august", name="4B door")
    door_5c = make_device(workspace_a, "igloohome", name="5C door", online=False)
    property = Property.objects.create(workspace=workspace_a, name="Maple Court", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    unit_4b = Unit.objects.create(workspace=workspace_a, property=property, name="4B")
    unit_5c = Unit.objects.create(workspace=workspace_a, property=property, name="5C")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit_4b, device=door_4b)
    UnitDoor.objects.create(workspace=workspace_a, unit=unit_5c, device=door_5c)
    return {
        "property": property,
        "units": {"4B": unit_4b, "5C": unit_5c},
        "doors": {"entrance": entrance, "4B": door_4b, "5C": door_5c},
    }


@pytest.fixture
def make_booking(workspace_a, property_with_doors):
    counter = iter(range(1, 100_000))

    def make(unit="4B", *, check_in=None, nights=2, guest_name=None, **fields):
        number = next(counter)
        check_in = check_in or timezone.now() + dt.timedelta(hours=6)
        return booking_upsert(
            workspace=workspace_a,
            source="pms",
            external_id=f"B-{number}",
            unit=property_with_doors["units"][unit],
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=nights),
            guest_name=guest_name or f"Guest {number}",
            guest_phone=f"+49 30 555 {1000 + number}",
            **fields,
        ).booking

    return make


@pytest.fixture
def make_departed_booking(workspace_a, make_booking):
    """A booking whose guest left a day ago while its codes are still set on the locks: booked for the
    future (the codes' rules need future times), then moved back in the rows, as time would."""
    from django.db.models import F

    from accesscodes.bookings.models import Booking, BookingCode
    from accesscodes.models import AccessCode

    def make(unit="5C", **fields):
        booking = make_booking(unit, check_in=timezone.now() + dt.timedelta(days=1), nights=1, **fields)
        back = dt.timedelta(days=3)
        Booking.objects.for_workspace(workspace_a).filter(pk=booking.pk).update(
            check_in=F("check_in") - back, check_out=F("check_out") - back
        )
        codes = (
            BookingCode.objects.for_workspace(workspace_a).filter(booking=booking).values("access_code_id")
        )
        AccessCode.objects.for_workspace(workspace_a).filter(pk__in=codes).update(
            starts_at=F("starts_at") - back,
            ends_at=F("ends_at") - back,
            status=AccessCode.Status.SET,
            sync_state=AccessCode.SyncState.IN_SYNC,
        )
        booking.refresh_from_db()
        return booking

    return make
