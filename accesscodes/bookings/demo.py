"""Demo data for `./dev run`: a property of the sandbox's demo locks with two units and a few upcoming
bookings, so booking-driven codes reach `set` without anyone touching anything. Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accesscodes.bookings.models import Booking, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.selectors import property_zone
from accesscodes.bookings.services import booking_upsert
from devices.models import Device

DEMO_PROPERTY = "Maple Court Apartments"
SHARED_ENTRANCE = "Unit 2A Front Door"  # the sandbox's online August lock, used as the building entrance
UNIT_DOORS = {"Unit 4B": "Unit 4B Front Door", "Unit 5C": "Unit 5C Patio Door"}  # igloohome offline; Kwikset
DEMO_BOOKINGS = [
    # unit, external id, guest, phone, check-in in days from today (0: in two hours), nights
    ("Unit 5C", "DEMO-1001", "Maria Garcia", "+1 617 555 0142", 0, 2),
    ("Unit 4B", "DEMO-1002", "Kenji Tanaka", "+1 212 555 0187", 1, 3),
    ("Unit 5C", "DEMO-1003", "Amara Okafor", "+1 415 555 0163", 6, 4),
]


def demo_bookings_ensure(*, workspace, **_signal_kwargs) -> None:
    devices = {
        device.name: device
        for device in Device.objects.for_workspace(workspace).filter(removed_at__isnull=True)
    }
    if SHARED_ENTRANCE not in devices or any(name not in devices for name in UNIT_DOORS.values()):
        return  # not the sandbox's demo devices: nothing to add
    with transaction.atomic():
        property, created = Property.objects.for_workspace(workspace).get_or_create(
            workspace=workspace, name=DEMO_PROPERTY, defaults={"timezone": "America/New_York"}
        )
        if created:
            PropertySharedDoor.objects.create(
                workspace=workspace, property=property, device=devices[SHARED_ENTRANCE]
            )
        units = {}
        for unit_name, door in UNIT_DOORS.items():
            unit, unit_created = Unit.objects.for_workspace(workspace).get_or_create(
                workspace=workspace,
                property=property,
                name=unit_name,
                defaults={"external_id": unit_name.lower().replace(" ", "-")},
            )
            if unit_created:
                UnitDoor.objects.create(workspace=workspace, unit=unit, device=devices[door])
            units[unit_name] = unit
    zone = property_zone(property)
    today = timezone.localdate(timezone=zone)
    soon = (
        (timezone.now() + dt.timedelta(hours=2)).astimezone(zone).replace(minute=0, second=0, microsecond=0)
    )
    for unit_name, external_id, guest, phone, in_days, nights in DEMO_BOOKINGS:
        if Booking.objects.for_workspace(workspace).filter(source="demo", external_id=external_id).exists():
            continue
        booking_upsert(
            workspace=workspace,
            source="demo",
            external_id=external_id,
            unit=units[unit_name],
            guest_name=guest,
            guest_phone=phone,
            check_in=today + dt.timedelta(days=in_days) if in_days else soon,
            check_out=today + dt.timedelta(days=in_days + nights),
        )
