"""Reads for bookings: the facts the planner needs, in a constant number of queries per booking."""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from accesscodes.bookings.models import (
    POLICY_FIELDS,
    Alert,
    Booking,
    BookingCode,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.plan_diff import ExistingCode
from accesscodes.bookings.planner import CodePolicy, DoorFacts, PinSource
from accesscodes.models import AccessCode, UnlockRecord
from accesscodes.provider_facts import device_facts, other_code
from devices.models import Device

OTHER_CODE_FIELDS = (
    "device_id",
    "code",
    "starts_at",
    "ends_at",
    "is_offline_access_code",
    "is_one_time_use",
    "name",
)


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


def unit_doors(*, workspace, unit: Unit) -> list[Device]:
    """The property's shared doors and the unit's own, each once, in a stable order; removed ones left out."""
    shared = PropertySharedDoor.objects.for_workspace(workspace).filter(property_id=unit.property_id)
    own = UnitDoor.objects.for_workspace(workspace).filter(unit=unit)
    device_ids = {*shared.values_list("device_id", flat=True), *own.values_list("device_id", flat=True)}
    return list(
        Device.objects.for_workspace(workspace)
        .filter(pk__in=device_ids, removed_at__isnull=True)
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


def door_facts(*, workspace, devices: list[Device], own_access_code_ids) -> tuple[DoorFacts, ...]:
    """Each door with every other code occupying it (one query for all doors)."""
    others = defaultdict(list)
    occupying = (
        AccessCode.objects.for_workspace(workspace)
        .filter(device_id__in=[device.pk for device in devices], removed_at__isnull=True)
        .exclude(sync_state__in=[AccessCode.SyncState.REMOVED, AccessCode.SyncState.FAILED])
        .exclude(pk__in=list(own_access_code_ids))
        .only(*OTHER_CODE_FIELDS)
    )
    for access_code in occupying:
        others[access_code.device_id].append(other_code(access_code))
    return tuple(
        DoorFacts(
            key=device.pk, name=device.name, device=device_facts(device), others=tuple(others[device.pk])
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


# -- reads for the API: one query per kind of related row for a whole page --------------------------------


def door_ids_by_owner(*, link_model, owner_field: str, workspace, owner_ids) -> dict[int, list[int]]:
    """`{owner id: [device id, ...]}` for a page of properties (shared doors) or units (own doors)."""
    doors = defaultdict(list)
    links = (
        link_model.objects.for_workspace(workspace)
        .filter(**{f"{owner_field}_id__in": list(owner_ids)})
        .order_by("device_id")
        .values_list(f"{owner_field}_id", "device_id")
    )
    for owner_id, device_id in links:
        doors[owner_id].append(device_id)
    return doors


def bookings_attach_codes_and_alerts(*, workspace, bookings: list[Booking]) -> list[Booking]:
    """Set `current_codes` (the codes each booking holds now, one or two per door) and `open_alerts` on
    every booking of a page, in two queries whatever the page size."""
    booking_ids = [booking.pk for booking in bookings]
    codes, alerts = defaultdict(list), defaultdict(list)
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking_id__in=booking_ids, released_at__isnull=True)
        .select_related("access_code")
        .order_by("device_id", "part")
    )
    for link in links:
        codes[link.booking_id].append(link)
    open_alerts = (
        Alert.objects.for_workspace(workspace)
        .filter(booking_id__in=booking_ids, resolved_at__isnull=True)
        .order_by("opened_at", "pk")
    )
    for alert in open_alerts:
        alerts[alert.booking_id].append(alert)
    for booking in bookings:
        booking.current_codes = codes[booking.pk]
        booking.open_alerts = alerts[booking.pk]
    return bookings


def booking_unlocks(*, workspace, booking: Booking) -> list[UnlockRecord]:
    """Every unlock and lock with one of the booking's codes (released ones included), oldest first."""
    code_ids = BookingCode.objects.for_workspace(workspace).filter(booking=booking).values("access_code_id")
    return list(
        UnlockRecord.objects.for_workspace(workspace)
        .filter(access_code_id__in=code_ids)
        .select_related("device", "access_code")
        .order_by("occurred_at", "pk")
    )
