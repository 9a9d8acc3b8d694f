"""Reads for bookings: the facts the planner needs, in a constant number of queries per booking."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q

from accesscodes.bookings.models import (
    POLICY_FIELDS,
    Booking,
    BookingCode,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.plan_diff import ExistingCode
from accesscodes.bookings.planner import CodePolicy, DoorFacts, PinSource
from accesscodes.models import AccessCode
from accesscodes.provider_facts import device_facts
from devices.models import Device


def effective_policy(*, unit: Unit, property: Property) -> dict:
    """The property's policy with the unit's overrides (a unit's empty field means the property's)."""
    return {
        field: getattr(property, field) if getattr(unit, field) in (None, "") else getattr(unit, field)
        for field in POLICY_FIELDS
    }


def code_policy(policy: dict) -> CodePolicy:
    return CodePolicy(
        pin_source=PinSource(policy["pin_source"]),
        pin_length=policy["pin_length"],
        early_access=dt.timedelta(minutes=policy["early_access_minutes"]),
        late_access=dt.timedelta(minutes=policy["late_access_minutes"]),
        same_pin_on_every_door=policy["same_pin_on_every_door"],
        offline_fallback=policy["offline_fallback"],
        use_backup_pool=policy["use_backup_pool"],
    )


def property_zone(property: Property) -> ZoneInfo:
    return ZoneInfo(property.timezone)


def unit_door_ids(*, workspace, unit: Unit):
    """The ids of the property's shared doors and the unit's own, as a subquery (read with the doors)."""
    shared = PropertySharedDoor.objects.for_workspace(workspace).filter(property_id=unit.property_id)
    own = UnitDoor.objects.for_workspace(workspace).filter(unit=unit)
    return (
        Device.objects.for_workspace(workspace)
        .filter(Q(pk__in=shared.values("device_id")) | Q(pk__in=own.values("device_id")))
        .values("pk")
    )


def unit_doors(*, workspace, unit: Unit) -> list[Device]:
    """The property's shared doors and the unit's own, each once, in a stable order; removed ones left out."""
    return list(
        Device.objects.for_workspace(workspace)
        .filter(pk__in=unit_door_ids(workspace=workspace, unit=unit), removed_at__isnull=True)
        .order_by("pk")
    )


def booking_codes_active(*, workspace, booking: Booking) -> list[BookingCode]:
    """The booking's codes that are still its own: not released, not removed from the lock."""
    if booking.pk is None:
        return []
    return list(
        BookingCode.objects.for_workspace(workspace)
        .filter(booking=booking, released_at__isnull=True, access_code__removed_at__isnull=True)
        .exclude(
            access_code__sync_state__in=[AccessCode.SyncState.REMOVED, AccessCode.SyncState.PENDING_DELETE]
        )
        .select_related("access_code")
    )


def existing_codes(booking_codes: list[BookingCode]) -> tuple[ExistingCode, ...]:
    return tuple(
        ExistingCode(
            code_id=link.pk,
            door_key=link.device_id,
            part=link.part,
            is_offline_access_code=link.access_code.is_offline_access_code,
            name=link.access_code.name,
            code=link.access_code.code or None,
            starts_at=link.access_code.starts_at,
            ends_at=link.access_code.ends_at,
        )
        for link in booking_codes
    )


def door_facts(*, devices: list[Device], occupying, own_access_code_ids) -> tuple[DoorFacts, ...]:
    """Each door with every other code occupying it; `occupying` as `accesscodes.selectors.occupying_codes`
    gives it (or the LockedDevices holding the doors)."""
    own = set(own_access_code_ids)
    return tuple(
        DoorFacts(
            key=device.pk,
            name=device.name,
            device=device_facts(device),
            others=tuple(code for code_id, code in occupying.get(device.pk, ()) if code_id not in own),
        )
        for device in devices
    )


def booking_code_links(*, booking: Booking) -> list[BookingCode]:
    """Every code the booking has had, released ones included, for its page."""
    return list(
        BookingCode.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking)
        .select_related("access_code", "device")
    )
