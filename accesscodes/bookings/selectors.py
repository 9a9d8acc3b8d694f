"""Reads for bookings: the facts the planner needs, in a constant number of queries per booking."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q

from accesscodes.bookings.models import (
    POLICY_FIELDS,
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.plan_diff import ExistingCode
from accesscodes.bookings.planner import CodePolicy, DoorFacts, PinSource
from accesscodes.models import AccessCode, UnlockRecord
from accesscodes.provider_facts import device_facts
from devices.models import Device
from devices.selectors import LOW_BATTERY_LEVEL


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


def unit_door_ids_by_unit(*, workspace, units: list[Unit]) -> dict[int, list[int]]:
    """`{unit id: [device id, ...]}`: each unit's own doors and its property's shared doors, in id order
    (removed ones included), for many units in two queries."""
    shared = defaultdict(set)
    for property_id, device_id in (
        PropertySharedDoor.objects.for_workspace(workspace)
        .filter(property_id__in={unit.property_id for unit in units})
        .values_list("property_id", "device_id")
    ):
        shared[property_id].add(device_id)
    doors = {unit.pk: set(shared[unit.property_id]) for unit in units}
    for unit_id, device_id in (
        UnitDoor.objects.for_workspace(workspace)
        .filter(unit_id__in=list(doors))
        .values_list("unit_id", "device_id")
    ):
        doors[unit_id].add(device_id)
    return {unit_id: sorted(device_ids) for unit_id, device_ids in doors.items()}


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
            own=tuple(code for code_id, code in occupying.get(device.pk, ()) if code_id in own),
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


# -- pages: readiness, the arrivals dashboard, lists and the door timeline ------------------------------
# Every function below reads in a constant number of queries, whatever the number of rows.

DASHBOARD_LIST_LIMIT = 10
ARRIVAL_DAYS = 2  # today and tomorrow, on each property's clock
TIMELINE_DAYS = 14


class Readiness(StrEnum):
    READY = "ready"
    AT_RISK = "at_risk"
    FAILED = "failed"


READINESS_CHOICES = [
    (Readiness.READY.value, "Ready"),
    (Readiness.AT_RISK.value, "At risk"),
    (Readiness.FAILED.value, "Failed"),
]

# `readiness.door_ready` as a query: a linked code that is on its lock (or issued, when offline).
READY_CODE = (
    Q(access_code__is_offline_access_code=True, access_code__sync_state=AccessCode.SyncState.IN_SYNC)
    & ~Q(access_code__seam_access_code_id="")
) | (
    Q(access_code__is_offline_access_code=False)
    & (
        Q(access_code__status=AccessCode.Status.SET)
        | Q(
            access_code__status=AccessCode.Status.UNSET,
            access_code__is_scheduled_on_device=True,
            access_code__sync_state=AccessCode.SyncState.IN_SYNC,
        )
    )
)
# A booking's code still taking its place on a lock (what a departed guest's booking should not have).
CODE_STILL_ON_LOCK = Q(access_code__removed_at__isnull=True) & ~Q(
    access_code__sync_state=AccessCode.SyncState.REMOVED
)


@dataclass(frozen=True)
class DoorReadiness:
    link: BookingCode
    state: Readiness
    reason: str


def duration_words(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def door_readiness(link: BookingCode, *, deadline: dt.datetime, now: dt.datetime) -> DoorReadiness:
    """Ready, failed (Seam refused the code, or the deadline passed without it) or at risk (not there yet)."""
    # Imported here: readiness reads its policy through this module.
    from accesscodes.bookings.readiness import door_ready

    access_code = link.access_code
    if door_ready(access_code):
        return DoorReadiness(
            link,
            Readiness.READY,
            "On the lock." if not access_code.is_offline_access_code else "Offline code issued.",
        )
    state_words = access_code.last_sync_error or (
        f"{access_code.get_sync_state_display()}; lock status {access_code.status}"
    )
    if access_code.sync_state == AccessCode.SyncState.FAILED:
        return DoorReadiness(link, Readiness.FAILED, f"Seam refused the code: {state_words}")
    if now >= deadline:
        return DoorReadiness(link, Readiness.FAILED, f"Not on the lock by the deadline ({state_words}).")
    return DoorReadiness(link, Readiness.AT_RISK, f"Not on the lock yet ({state_words}).")


def booking_readiness(doors: list[DoorReadiness], *, has_doors_alert: bool = False) -> Readiness:
    states = {door.state for door in doors}
    if Readiness.FAILED in states or has_doors_alert or not doors:
        return Readiness.FAILED
    return Readiness.AT_RISK if Readiness.AT_RISK in states else Readiness.READY


def readiness_deadline(booking: Booking) -> dt.datetime:
    policy = effective_policy(unit=booking.unit, property=booking.unit.property)
    return booking.check_in - dt.timedelta(minutes=policy["readiness_lead_minutes"])


def active_links_by_booking(*, workspace, bookings) -> dict[int, list[BookingCode]]:
    """Each booking's own codes (not released), with code and door, in one query."""
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking__in=[booking.pk for booking in bookings], released_at__isnull=True)
        .select_related("access_code", "device")
        .order_by("device__name", "part")
    )
    grouped: dict[int, list[BookingCode]] = defaultdict(list)
    for link in links:
        grouped[link.booking_id].append(link)
    return grouped


@dataclass(frozen=True)
class Arrival:
    booking: Booking
    day: str  # "today" / "tomorrow" on the property's clock
    local_check_in: dt.datetime
    deadline: dt.datetime
    time_left: str  # before the readiness deadline, or how late
    late: bool
    doors: list[DoorReadiness]
    state: Readiness


def arrivals(*, workspace, now: dt.datetime) -> list[Arrival]:
    """Confirmed check-ins of today and tomorrow, each on its property's clock, with readiness per door."""
    candidates = list(
        Booking.objects.for_workspace(workspace)
        .filter(
            status=Booking.Status.CONFIRMED,
            check_in__gte=now - dt.timedelta(days=1, hours=14),
            check_in__lt=now + dt.timedelta(days=ARRIVAL_DAYS + 1),
        )
        .select_related("unit__property")
        .order_by("check_in", "pk")
    )
    links = active_links_by_booking(workspace=workspace, bookings=candidates)
    result = []
    for booking in candidates:
        zone = property_zone(booking.unit.property)
        day = (booking.check_in.astimezone(zone).date() - now.astimezone(zone).date()).days
        if day not in range(ARRIVAL_DAYS):
            continue
        deadline = readiness_deadline(booking)
        doors = [door_readiness(link, deadline=deadline, now=now) for link in links.get(booking.pk, [])]
        result.append(
            Arrival(
                booking=booking,
                day="today" if day == 0 else "tomorrow",
                local_check_in=booking.check_in.astimezone(zone),
                deadline=deadline,
                time_left=duration_words(deadline - now),
                late=now >= deadline,
                doors=doors,
                state=booking_readiness(doors),
            )
        )
    return result


def alerts_open(*, workspace, limit: int = DASHBOARD_LIST_LIMIT) -> tuple[list[Alert], int]:
    alerts = Alert.objects.for_workspace(workspace).filter(resolved_at__isnull=True)
    shown = list(alerts.select_related("booking", "device").order_by("-opened_at", "-pk")[:limit])
    return shown, alerts.count() if len(shown) == limit else len(shown)


def alerts_for_booking(*, booking: Booking) -> list[Alert]:
    return list(
        Alert.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking)
        .select_related("device")
        .order_by("resolved_at", "-opened_at")
    )


# Offline that should be online: igloohome / Oracode without a bridge cannot be online, by design.
DEVICE_NEEDS_ATTENTION = {
    "offline": Q(online=False, can_program_online_access_codes=True),
    "low_battery": Q(battery_level__lt=LOW_BATTERY_LEVEL),
    "errors": ~Q(errors=[]),
}


def devices_needing_attention(*, workspace, limit: int = DASHBOARD_LIST_LIMIT) -> tuple[list[Device], dict]:
    active = Device.objects.for_workspace(workspace).filter(removed_at__isnull=True)
    any_problem = Q()
    for condition in DEVICE_NEEDS_ATTENTION.values():
        any_problem |= condition
    counts = active.aggregate(
        total=Count("pk", filter=any_problem),
        **{
            f"{name}_count": Count("pk", filter=condition)
            for name, condition in DEVICE_NEEDS_ATTENTION.items()
        },
    )
    shown = list(
        active.filter(any_problem)
        .defer("properties", "capabilities_supported", "code_constraints")
        .order_by("name", "pk")[:limit]
    )
    return shown, {
        "total": counts["total"],
        **{name: counts[f"{name}_count"] for name in DEVICE_NEEDS_ATTENTION},
    }


def codes_failed(*, workspace, limit: int = DASHBOARD_LIST_LIMIT) -> tuple[list[AccessCode], int]:
    failed = AccessCode.objects.for_workspace(workspace).filter(
        removed_at__isnull=True, sync_state=AccessCode.SyncState.FAILED
    )
    shown = list(failed.select_related("device").order_by("-updated_at", "-pk")[:limit])
    return shown, failed.count() if len(shown) == limit else len(shown)


def departed_with_codes_on_lock(*, workspace, now) -> Q:
    """Bookings whose guests have left but whose codes are still on a lock (as a filter on bookings).

    Found from the codes side, in a query of its own: a departed booking's codes all started before its
    check-out, so only the active codes that have started (or have no window) are read, through their
    partial index, rather than every past booking with a look at each one's codes."""
    started = Q(access_code__starts_at__lt=now) | Q(access_code__starts_at__isnull=True)
    departed = (
        BookingCode.objects.for_workspace(workspace)
        # The codes' own workspace too, redundant with the links' but what lets their index be used.
        .filter(CODE_STILL_ON_LOCK, started, access_code__workspace=workspace)
        .filter(released_at__isnull=True, booking__check_out__lt=now)
        .order_by()
        .values_list("booking_id", flat=True)
        .distinct()
    )
    return Q(pk__in=list(departed))


def departures_with_codes(*, workspace, now, limit: int = DASHBOARD_LIST_LIMIT) -> tuple[list[Booking], int]:
    bookings = Booking.objects.for_workspace(workspace).filter(
        departed_with_codes_on_lock(workspace=workspace, now=now)
    )
    shown = list(bookings.select_related("unit").order_by("-check_out", "-pk")[:limit])
    return shown, bookings.count() if len(shown) == limit else len(shown)


def arrivals_dashboard(*, workspace, now) -> dict:
    alerts, alert_count = alerts_open(workspace=workspace)
    devices, device_counts = devices_needing_attention(workspace=workspace)
    failed, failed_count = codes_failed(workspace=workspace)
    departures, departure_count = departures_with_codes(workspace=workspace, now=now)
    upcoming = arrivals(workspace=workspace, now=now)
    return {
        "arrivals_today": [arrival for arrival in upcoming if arrival.day == "today"],
        "arrivals_tomorrow": [arrival for arrival in upcoming if arrival.day == "tomorrow"],
        "alerts": alerts,
        "alert_count": alert_count,
        "devices": devices,
        "device_counts": device_counts,
        "failed_codes": failed,
        "failed_count": failed_count,
        "departures": departures,
        "departure_count": departure_count,
        "now": now,
    }


# -- the bookings list -------------------------------------------------------------------------------


def _readiness_filter(*, workspace, readiness: str, now) -> Q:
    links = BookingCode.objects.for_workspace(workspace).filter(
        booking=OuterRef("pk"), released_at__isnull=True
    )
    not_ready = links.exclude(READY_CODE)
    refused = links.filter(access_code__sync_state=AccessCode.SyncState.FAILED)
    late = Alert.objects.for_workspace(workspace).filter(
        booking=OuterRef("pk"),
        resolved_at__isnull=True,
        kind__in=[Alert.Kind.NOT_READY, Alert.Kind.NO_CODE_POSSIBLE, Alert.Kind.UNIT_WITHOUT_DOORS],
    )
    confirmed = Q(status=Booking.Status.CONFIRMED)
    if readiness == Readiness.READY:
        # Readiness is about arrivals: a stay that is over is not "ready" (and its removed codes would
        # otherwise be read for every past booking).
        return confirmed & Q(check_out__gt=now) & Exists(links) & ~Exists(not_ready) & ~Exists(late)
    if readiness == Readiness.FAILED:
        return confirmed & (Exists(refused) | Exists(late))
    return confirmed & Q(check_out__gt=now) & Exists(not_ready) & ~Exists(refused) & ~Exists(late)


def bookings_filtered(
    *, workspace, now, search: str = "", unit=None, property=None, status: str = "", check_in_from=None,
    check_in_to=None, readiness: str = "", open_alerts: bool = False, codes_on_lock_after_departure: bool = False,
):  # fmt: skip
    """The bookings list: validated filters (the page's form) in, a queryset out, by check-in."""
    bookings = Booking.objects.for_workspace(workspace).select_related("unit__property")
    if search:
        bookings = bookings.filter(
            Q(guest_name__icontains=search)
            | Q(external_id__icontains=search)
            | Q(guest_email__icontains=search)
        )
    if unit is not None:
        bookings = bookings.filter(unit=unit)
    if property is not None:
        bookings = bookings.filter(unit__property=property)
    if status:
        bookings = bookings.filter(status=status)
    if check_in_from is not None:
        bookings = bookings.filter(check_in__gte=check_in_from)
    if check_in_to is not None:
        bookings = bookings.filter(check_in__lt=check_in_to)
    if readiness:
        bookings = bookings.filter(_readiness_filter(workspace=workspace, readiness=readiness, now=now))
    if open_alerts:
        alerts = Alert.objects.for_workspace(workspace).filter(
            booking=OuterRef("pk"), resolved_at__isnull=True
        )
        bookings = bookings.filter(Exists(alerts))
    if codes_on_lock_after_departure:
        bookings = bookings.filter(departed_with_codes_on_lock(workspace=workspace, now=now))
    return bookings.order_by("check_in", "pk")


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    doors: list[DoorReadiness]
    state: Readiness | None  # None: not confirmed, or over: no readiness to speak of
    open_alerts: int


def booking_rows(*, workspace, bookings, now) -> list[BookingRow]:
    """A page of bookings with their doors' readiness and open alerts, in two queries for the page."""
    bookings = list(bookings)
    links = active_links_by_booking(workspace=workspace, bookings=bookings)
    alert_counts = dict(
        Alert.objects.for_workspace(workspace)
        .filter(booking__in=[booking.pk for booking in bookings], resolved_at__isnull=True)
        .values_list("booking_id")
        .annotate(open=Count("pk"))
        .order_by()
    )
    rows = []
    for booking in bookings:
        # A stay that is over has no readiness: its codes have left the locks, as they should.
        confirmed = booking.status == Booking.Status.CONFIRMED and booking.check_out > now
        deadline = readiness_deadline(booking)
        doors = [door_readiness(link, deadline=deadline, now=now) for link in links.get(booking.pk, [])]
        rows.append(
            BookingRow(
                booking=booking,
                doors=doors,
                state=booking_readiness(doors) if confirmed else None,
                open_alerts=alert_counts.get(booking.pk, 0),
            )
        )
    return rows


def booking_get(*, workspace, pk) -> Booking:
    return Booking.objects.for_workspace(workspace).select_related("unit__property").get(pk=pk)


def booking_events(*, booking: Booking, limit: int = 200) -> list[BookingEvent]:
    return list(BookingEvent.objects.for_workspace(booking.workspace_id).filter(booking=booking)[:limit])


def units_for_choice(*, workspace):
    return Unit.objects.for_workspace(workspace).select_related("property").order_by("property__name", "name")


# -- properties and units ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    device: Device
    note: str  # "shared door" or the units it opens
    shared: bool


def property_doors(*, workspace, property: Property) -> list[Door]:
    """The property's shared doors, then each unit's doors (a door two units share is listed once)."""
    shared = [
        link.device
        for link in PropertySharedDoor.objects.for_workspace(workspace)
        .filter(property=property)
        .select_related("device")
        .order_by("device__name")
    ]
    units_by_device: dict[int, list[str]] = defaultdict(list)
    devices: dict[int, Device] = {}
    for link in (
        UnitDoor.objects.for_workspace(workspace)
        .filter(unit__property=property)
        .select_related("device", "unit")
        .order_by("device__name", "unit__name")
    ):
        units_by_device[link.device_id].append(link.unit.name)
        devices[link.device_id] = link.device
    doors = [Door(device, "shared door", True) for device in shared]
    shared_ids = {device.pk for device in shared}
    doors += [
        Door(device, "unit " + ", ".join(units_by_device[pk]), False)
        for pk, device in devices.items()
        if pk not in shared_ids
    ]
    return doors


def properties_overview(*, workspace, now) -> list[dict]:
    """Every property with its units, door count and upcoming bookings count, in four queries."""
    properties = list(Property.objects.for_workspace(workspace).order_by("name"))
    units = defaultdict(list)
    for unit in Unit.objects.for_workspace(workspace).order_by("name"):
        units[unit.property_id].append(unit)
    doors = defaultdict(set)
    for property_id, device_id in PropertySharedDoor.objects.for_workspace(workspace).values_list(
        "property_id", "device_id"
    ):
        doors[property_id].add(device_id)
    for property_id, device_id in UnitDoor.objects.for_workspace(workspace).values_list(
        "unit__property_id", "device_id"
    ):
        doors[property_id].add(device_id)
    upcoming = dict(
        Booking.objects.for_workspace(workspace)
        .filter(status=Booking.Status.CONFIRMED, check_out__gt=now)
        .values_list("unit__property_id")
        .annotate(upcoming=Count("pk"))
        .order_by()
    )
    return [
        {
            "property": property,
            "units": units[property.pk],
            "door_count": len(doors[property.pk]),
            "upcoming": upcoming.get(property.pk, 0),
        }
        for property in properties
    ]


def bookings_upcoming(*, workspace, now, property=None, unit=None, limit: int = 50):
    bookings = (
        Booking.objects.for_workspace(workspace)
        .filter(check_out__gt=now)
        .exclude(status=Booking.Status.CANCELLED)
    )
    if property is not None:
        bookings = bookings.filter(unit__property=property)
    if unit is not None:
        bookings = bookings.filter(unit=unit)
    return bookings.select_related("unit__property").order_by("check_in", "pk")[:limit]


def unit_door_list(*, workspace, unit: Unit) -> list[Door]:
    shared = PropertySharedDoor.objects.for_workspace(workspace).filter(property_id=unit.property_id)
    own = UnitDoor.objects.for_workspace(workspace).filter(unit=unit)
    return [
        *(
            Door(link.device, "shared door", True)
            for link in shared.select_related("device").order_by("device__name")
        ),
        *(
            Door(link.device, "this unit's door", False)
            for link in own.select_related("device").order_by("device__name")
        ),
    ]


def device_property(*, workspace, device: Device) -> Property | None:
    """A property this door belongs to (shared door first), for its zone on the device page."""
    shared = (
        PropertySharedDoor.objects.for_workspace(workspace)
        .filter(device=device)
        .select_related("property")
        .first()
    )
    if shared is not None:
        return shared.property
    own = (
        UnitDoor.objects.for_workspace(workspace)
        .filter(device=device)
        .select_related("unit__property")
        .first()
    )
    return own.unit.property if own is not None else None


# -- the door timeline's facts -----------------------------------------------------------------------


def timeline_codes(
    *, workspace, device_ids, starts_at, ends_at
) -> tuple[list[AccessCode], dict[int, BookingCode]]:
    """Codes on these doors that overlap the range (failed ones included: they are drawn red), and the
    booking each booking code belongs to, in two queries."""
    codes = list(
        AccessCode.objects.for_workspace(workspace)
        .filter(device_id__in=list(device_ids), removed_at__isnull=True)
        .exclude(sync_state=AccessCode.SyncState.REMOVED)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lt=ends_at))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=starts_at))
        .only(
            "device_id",
            "name",
            "code",
            "starts_at",
            "ends_at",
            "status",
            "sync_state",
            "is_offline_access_code",
        )
        .order_by("starts_at", "pk")
    )
    links = {
        link.access_code_id: link
        for link in BookingCode.objects.for_workspace(workspace)
        .filter(access_code_id__in=[code.pk for code in codes])
        .select_related("booking")
    }
    return codes, links


def bookings_to_replan(*, workspace_id: int, unit_ids, now) -> list[Booking]:
    """The units' confirmed bookings that are still to come or under way, earliest first."""
    return list(
        Booking.objects.for_workspace(workspace_id)
        .filter(unit_id__in=unit_ids, status=Booking.Status.CONFIRMED, check_out__gt=now)
        .order_by("check_in", "pk")
    )
