"""The booking planner: which code each door of a stay should hold, and why.

Pure on purpose: it takes plain facts (the booking, the policy, the doors with the codes already on
them, the current time) and returns plain planned codes, with no ORM, HTTP or clock of its own. The
services that apply a plan, the preview, the API and the pages all call this one function, so what a
preview shows is what is then done, and the rules are tested by tables.

Every planned code is checked with the same provider rules the model's `clean()` runs, so a plan never
proposes a code the portal would then refuse.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from accesscodes.providers import (
    CodeDraft,
    DeviceFacts,
    OtherCode,
    earliest_start,
    provider_for,
    validate_access_code,
)
from accesscodes.providers.dormakaba_oracode import fit_slot, usable_slots
from accesscodes.providers.igloohome import DAILY_MAX_DAYS, DAILY_MIN_DAYS, HOURLY_MAX
from accesscodes.providers.windows import DAY, load_zone, span_text

PIN_LENGTHS = range(4, 9)  # what a guest can be asked to type; every brand accepts some of these
FALLBACK_TRIES = 200
CODE_FIELD = "code"
NAME_FIELD = "name"


class Kind(StrEnum):
    ONLINE = "online_time_bound"
    OFFLINE_HOURLY = "offline_hourly_bound"
    OFFLINE_DAILY = "offline_daily_bound"
    ONE_TIME = "one_time_use"
    NONE = "none"


class PinSource(StrEnum):
    PHONE = "phone_last_digits"
    RANDOM = "random"
    PROVIDED = "provided"


@dataclass(frozen=True)
class CodePolicy:
    """A property's code policy with a unit's overrides already applied."""

    pin_source: PinSource = PinSource.PHONE
    pin_length: int | None = None  # None: the shortest length every door accepts
    early_access: timedelta = timedelta(0)
    late_access: timedelta = timedelta(0)
    same_pin_on_every_door: bool = True
    offline_fallback: bool = True
    use_backup_pool: bool = False


@dataclass(frozen=True)
class BookingFacts:
    reference: str  # stable and unique in the workspace (source + external id): seeds derived PINs
    guest_name: str
    check_in: datetime  # aware
    check_out: datetime  # aware
    guest_phone: str = ""
    provided_pin: str = ""
    # door key -> the PIN this booking already has on that lock: kept unless it must change.
    pins_on_locks: Mapping[object, str] = field(default_factory=dict)
    # Set when the PIN is rotated: the PINs are then drawn from this secret and none on a lock is kept.
    rotation_seed: str = ""


@dataclass(frozen=True)
class DoorFacts:
    key: object  # the portal's device id
    name: str
    device: DeviceFacts
    # Codes of everyone else that occupy this door (not this booking's own codes).
    others: tuple[OtherCode, ...] = ()
    # This booking's own codes on the door: a planned code that keeps one is judged as a change of it, as
    # Seam judges it (a code under way keeps its start, which a new code could not have).
    own: tuple[OtherCode, ...] = ()


@dataclass(frozen=True)
class PlannedCode:
    door_key: object
    door_name: str
    kind: Kind
    reasons: tuple[str, ...]
    name: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    code: str | None = None  # None with a kind other than NONE: the provider picks the PIN
    max_time_rounding: str = "1hour"
    common_code_key: str | None = None
    use_backup_access_code_pool: bool = False
    part: int = 1  # igloohome stays between 673 h and 29 days need two consecutive codes
    parts: int = 1
    # A PIN already on the lock had to change (not one rotated on purpose): someone must tell the guest.
    pin_changed_on_lock: bool = False

    @property
    def is_offline_access_code(self) -> bool:
        return self.kind in (Kind.OFFLINE_HOURLY, Kind.OFFLINE_DAILY, Kind.ONE_TIME)

    @property
    def provider_picks_pin(self) -> bool:
        return self.kind is not Kind.NONE and self.code is None

    def draft(self) -> CodeDraft:
        return CodeDraft(
            name=self.name,
            code=self.code,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            is_offline_access_code=self.is_offline_access_code,
            is_one_time_use=self.kind is Kind.ONE_TIME,
            max_time_rounding=self.max_time_rounding,
            use_backup_access_code_pool=self.use_backup_access_code_pool,
        )


@dataclass(frozen=True)
class Plan:
    codes: tuple[PlannedCode, ...]
    starts_at: datetime
    ends_at: datetime
    same_pin: bool
    reasons: tuple[str, ...] = ()


# -- times -------------------------------------------------------------------------------------------


def stay_moment(value: date | datetime, *, default_time: time, zone: tzinfo) -> datetime:
    """A check-in or check-out as an aware UTC instant: a date alone means the property's default time
    that day in the property's zone; a naive datetime is read in that zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, default_time)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def shift_wall_clock(moment: datetime, delta: timedelta, zone: tzinfo) -> datetime:
    """`moment` moved by `delta` on the property's wall clock, so "30 minutes before a 15:00 check-in" is
    14:30 local even on the day the clocks change."""
    local = moment.astimezone(zone).replace(tzinfo=None) + delta
    return local.replace(tzinfo=zone).astimezone(UTC)


def stay_window(booking: BookingFacts, policy: CodePolicy, zone: tzinfo) -> tuple[datetime, datetime]:
    return (
        shift_wall_clock(booking.check_in, -policy.early_access, zone),
        shift_wall_clock(booking.check_out, policy.late_access, zone),
    )


# -- the plan ----------------------------------------------------------------------------------------


def plan(
    *,
    booking: BookingFacts,
    policy: CodePolicy,
    zone: tzinfo,
    doors: tuple[DoorFacts, ...],
    now: datetime,
) -> Plan:
    """The codes every door needs for this stay (one per door, two on an igloohome door for a stay
    between 673 h and 29 days), each with the reasons for its kind, window and PIN."""
    starts_at, ends_at = stay_window(booking, policy, zone)
    if ends_at <= starts_at:
        return Plan((), starts_at, ends_at, False, ("Check-out is not after check-in: no codes.",))
    shapes = {door.key: _door_shape(door, starts_at, ends_at, policy, booking) for door in doors}
    pins, same_pin, reasons = _choose_pins(booking, policy, doors, shapes, now)
    codes = []
    for door in doors:
        for planned in shapes[door.key]:
            if planned.kind is Kind.ONLINE and door.key in pins:
                pin, pin_reasons, changed = pins[door.key]
                planned = dataclasses.replace(
                    planned,
                    code=pin,
                    reasons=planned.reasons + pin_reasons,
                    common_code_key=_common_code_key(booking) if same_pin else None,
                    pin_changed_on_lock=changed,
                )
            codes.append(_checked(planned, door, now))
    return Plan(tuple(codes), starts_at, ends_at, same_pin, tuple(reasons))


def _checked(planned: PlannedCode, door: DoorFacts, now: datetime) -> PlannedCode:
    """The planned code as the provider rules judge it: a code they refuse becomes "none", with why."""
    if planned.kind is Kind.NONE:
        return planned
    planned = _with_fitting_name(planned, door, now)
    previous = _kept_code(planned, door)
    planned = _with_reachable_start(planned, door, now, previous)
    errors = validate_access_code(
        device=door.device, draft=planned.draft(), others=door.others, previous=previous, now=now
    )
    if not errors:
        return planned
    messages = tuple(message for found in errors.values() for message in found)
    return PlannedCode(
        door_key=planned.door_key,
        door_name=planned.door_name,
        kind=Kind.NONE,
        reasons=(*planned.reasons, "The lock's rules refuse it:", *messages),
        starts_at=planned.starts_at,
        ends_at=planned.ends_at,
        part=planned.part,
        parts=planned.parts,
    )


def _kept_code(planned: PlannedCode, door: DoorFacts) -> CodeDraft | None:
    """The booking's online code on this door that the planned one keeps (to be changed, not made again),
    if there is exactly one. Offline codes are never changed: a new window is a new code."""
    if planned.is_offline_access_code:
        return None
    online = [code for code in door.own if not code.is_offline_access_code]
    if len(online) != 1:
        return None
    code = online[0]
    return CodeDraft(
        name=code.name, code=code.code, starts_at=code.starts_at, ends_at=code.ends_at,
        is_offline_access_code=False, is_one_time_use=code.is_one_time_use,
        max_time_rounding=planned.max_time_rounding,
        use_backup_access_code_pool=planned.use_backup_access_code_pool,
    )  # fmt: skip


def _with_reachable_start(
    planned: PlannedCode, door: DoorFacts, now: datetime, previous: CodeDraft | None
) -> PlannedCode:
    """A start this lock no longer accepts for a new code (a booking made at the last minute, or during the
    stay): a new code starts as soon as the lock allows, if that is before its end; a code already on the
    lock that starts no later than that keeps its start (there is nothing to gain by changing it)."""
    earliest = earliest_start(device=door.device, now=now)
    if earliest is None or planned.starts_at is None or planned.starts_at >= earliest:
        return planned
    earliest = earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if previous is not None and previous.starts_at is not None and previous.starts_at <= earliest:
        return dataclasses.replace(planned, starts_at=previous.starts_at)
    if planned.ends_at is None or earliest >= planned.ends_at:
        return planned  # the rules' message says why there is no code
    return dataclasses.replace(
        planned,
        starts_at=earliest,
        reasons=(
            *planned.reasons,
            f"Starts {round((earliest - now).total_seconds() / 60)} minutes from now, the earliest this lock "
            "accepts for a new code.",
        ),
    )


def _with_fitting_name(planned: PlannedCode, door: DoorFacts, now: datetime) -> PlannedCode:
    """The guest's name as the lock allows it (some locks take 2-14 characters or unique names)."""
    candidates = _name_candidates(planned.name, planned.part, planned.parts)
    for name in candidates:
        draft = dataclasses.replace(planned.draft(), name=name)
        errors = validate_access_code(device=door.device, draft=draft, others=door.others, now=now)
        if NAME_FIELD not in errors:
            return dataclasses.replace(planned, name=name)
    return planned  # the rules' message about the name is reported by _checked


def _name_candidates(guest_name: str, part: int, parts: int) -> list[str]:
    full = " ".join(guest_name.split()) or "Guest"
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    first = full.split()[0]
    names = [full + suffix, first + suffix, (full[:12] + suffix).strip(), full[:14].strip(), "Guest"]
    return list(dict.fromkeys(name for name in names if len(name) >= 2))


# -- one door's kind and window ----------------------------------------------------------------------


def _door_shape(
    door: DoorFacts, starts_at: datetime, ends_at: datetime, policy: CodePolicy, booking: BookingFacts
) -> list[PlannedCode]:
    base = PlannedCode(
        door_key=door.key,
        door_name=door.name,
        kind=Kind.NONE,
        reasons=(),
        name=booking.guest_name,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    device = door.device
    if device.can_program_online_access_codes:
        online = dataclasses.replace(
            base,
            kind=Kind.ONLINE,
            use_backup_access_code_pool=policy.use_backup_pool and _has_backup_pool(device),
            reasons=("Online time-bound code for the stay: the lock is connected to Seam.",),
        )
        refusal = provider_for(device.manufacturer).custom_code_refusal(device, online.draft())
        if refusal:
            online = dataclasses.replace(online, reasons=(*online.reasons, "The provider picks the PIN."))
        return [online]
    if not device.can_program_offline_access_codes:
        return [
            dataclasses.replace(
                base, reasons=("This lock can program neither online nor offline codes through Seam.",)
            )
        ]
    if not policy.offline_fallback:
        return [
            dataclasses.replace(
                base, reasons=("This lock only takes offline codes and the policy turns the fallback off.",)
            )
        ]
    offline = dataclasses.replace(base, use_backup_access_code_pool=False)
    manufacturer = (device.manufacturer or "").lower()
    if manufacturer == "igloohome":
        return _igloohome_offline(offline)
    if manufacturer == "dormakaba_oracode":
        return [_oracode_offline(offline, device)]
    kind = Kind.OFFLINE_HOURLY if ends_at - starts_at <= HOURLY_MAX else Kind.OFFLINE_DAILY
    return [
        dataclasses.replace(
            offline, kind=kind, reasons=("Offline code: the lock has no online connection to Seam.",)
        )
    ]


def _has_backup_pool(device: DeviceFacts) -> bool:
    return bool(device.properties.get("supports_backup_access_code_pool"))


def _igloohome_offline(offline: PlannedCode) -> list[PlannedCode]:
    starts_at, ends_at = offline.starts_at, offline.ends_at
    span = ends_at - starts_at
    why = "igloohome offline code (algoPIN): the lock has no bridge."
    if span <= HOURLY_MAX:
        return [
            dataclasses.replace(
                offline, kind=Kind.OFFLINE_HOURLY, reasons=(why, f"Hourly-bound: {span_text(span)}.")
            )
        ]
    if span < DAILY_MIN_DAYS * DAY:
        split = starts_at + HOURLY_MAX
        reason = (
            f"The stay ({span_text(span)}) is longer than an hourly-bound code's 672 h and shorter than a "
            f"daily-bound code's {DAILY_MIN_DAYS} days: two consecutive hourly-bound codes; the guest gets "
            "two PINs, the second valid from the end of the first."
        )
        return [
            dataclasses.replace(
                offline, kind=Kind.OFFLINE_HOURLY, ends_at=split, part=1, parts=2, reasons=(why, reason)
            ),
            dataclasses.replace(
                offline, kind=Kind.OFFLINE_HOURLY, starts_at=split, part=2, parts=2, reasons=(why, reason)
            ),
        ]
    days = -(-span // DAY)  # whole days, rounded up so the guest keeps the full stay
    if days > DAILY_MAX_DAYS:
        return [
            dataclasses.replace(
                offline,
                reasons=(why, f"The stay is {days} days; igloohome daily-bound codes last at most 367 days."),
            )
        ]
    ends_at = starts_at + days * DAY
    reason = (
        f"Daily-bound: {days} days, ending at the same time of day as it starts"
        + ("" if ends_at == offline.ends_at else " (extended to that time so the whole stay is covered)")
        + "."
    )
    return [
        dataclasses.replace(
            offline, kind=Kind.OFFLINE_DAILY, ends_at=ends_at, max_time_rounding="1day", reasons=(why, reason)
        )
    ]


def _oracode_offline(offline: PlannedCode, device: DeviceFacts) -> PlannedCode:
    why = "dormakaba Oracode offline code: it must fit one of the site's predefined time slots."
    zone = load_zone(provider_for(device.manufacturer).timezone_name(device)) or UTC
    slots = usable_slots(device, zone)
    fitted = fit_slot(slots, offline.starts_at, offline.ends_at)
    if fitted is None:
        existing = ", ".join(slot.label for slot in slots) or "none"
        return dataclasses.replace(
            offline,
            reasons=(
                why,
                "No time slot matches this stay's check-in and check-out within an hour. "
                f"Slots that exist: {existing}.",
            ),
        )
    slot, starts_at, ends_at = fitted
    kind = Kind.OFFLINE_HOURLY if ends_at - starts_at < DAY else Kind.OFFLINE_DAILY
    return dataclasses.replace(
        offline,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reasons=(why, f"Time slot {slot.label}."),
    )


# -- PINs --------------------------------------------------------------------------------------------


def _choose_pins(booking, policy, doors, shapes, now):
    """door key -> (PIN, reasons, changed on a lock) for every door where the portal picks the PIN."""
    pin_doors = [door for door in doors if _takes_custom_pin(door, shapes[door.key])]
    if not pin_doors:
        return {}, False, []
    drafts = {door.key: shapes[door.key][0].draft() for door in pin_doors}
    reasons: list[str] = []
    if policy.same_pin_on_every_door and len(pin_doors) > 1:
        common = _common_pin(booking, policy, pin_doors, drafts, now)
        if isinstance(common, tuple):
            pin, pin_reasons = common
            return (
                {door.key: (pin, pin_reasons, _changed(booking, door, pin)) for door in pin_doors},
                True,
                ["The same PIN on every door."],
            )
        reasons.append(f"Not the same PIN on every door: {common}")
    pins = {}
    for door in pin_doors:
        pin, pin_reasons = _door_pin(booking, policy, door, drafts[door.key], now)
        pins[door.key] = (pin, pin_reasons, _changed(booking, door, pin))
    return pins, False, reasons


def _takes_custom_pin(door: DoorFacts, shape: list[PlannedCode]) -> bool:
    planned = shape[0]
    if planned.kind is not Kind.ONLINE:
        return False
    return provider_for(door.device.manufacturer).custom_code_refusal(door.device, planned.draft()) is None


def _changed(booking: BookingFacts, door: DoorFacts, pin: str) -> bool:
    if booking.rotation_seed:
        return False  # the person who rotated it sees the new PIN: no alert to tell the guest
    previous = booking.pins_on_locks.get(door.key)
    return bool(previous) and previous != pin


def accepted_lengths(device: DeviceFacts) -> list[int]:
    """PIN lengths a guest could type on this lock: the brand's range, the lock's own list, 4-8."""
    low, high = provider_for(device.manufacturer).code_length
    lengths = [length for length in PIN_LENGTHS if low <= length <= high]
    if device.supported_code_lengths:
        lengths = [length for length in lengths if length in device.supported_code_lengths]
    return lengths


def _pin_problems(door: DoorFacts, draft: CodeDraft, pin: str, now: datetime) -> list[str]:
    errors = validate_access_code(
        device=door.device, draft=dataclasses.replace(draft, code=pin), others=door.others, now=now
    )
    return errors.get(CODE_FIELD, [])


def _common_pin(booking, policy, doors, drafts, now) -> tuple[str, tuple[str, ...]] | str:
    """One PIN every door accepts, or why there is none."""
    lengths = set(PIN_LENGTHS)
    for door in doors:
        lengths &= set(accepted_lengths(door.device))
    if policy.pin_length:
        lengths &= {policy.pin_length}
    if not lengths:
        return "the doors accept no PIN length in common."
    kept = {booking.pins_on_locks.get(door.key) for door in doors} - {None, ""}
    candidates = _candidates(
        booking, policy, min(lengths), kept_pin=next(iter(kept)) if len(kept) == 1 else None
    )
    first_refusal = None
    for pin, pin_reasons in candidates:
        refusals = {door.name: _pin_problems(door, drafts[door.key], pin, now) for door in doors}
        refused = {name: problems for name, problems in refusals.items() if problems}
        if not refused:
            if first_refusal:
                pin_reasons = (*pin_reasons, first_refusal)
            return pin, pin_reasons
        if first_refusal is None:
            name, problems = next(iter(refused.items()))
            first_refusal = f"The first choice did not fit {name}: {' '.join(problems)}"
    return "no PIN fits every door."


def _door_pin(booking, policy, door, draft, now) -> tuple[str, tuple[str, ...]]:
    lengths = accepted_lengths(door.device)
    length = policy.pin_length if policy.pin_length in lengths else (lengths[0] if lengths else 6)
    first_refusal = None
    for pin, pin_reasons in _candidates(
        booking, policy, length, kept_pin=booking.pins_on_locks.get(door.key)
    ):
        problems = _pin_problems(door, draft, pin, now)
        if not problems:
            return pin, (*pin_reasons, first_refusal) if first_refusal else pin_reasons
        if first_refusal is None:
            first_refusal = f"The first choice did not fit this door: {' '.join(problems)}"
    # Every candidate refused: the rules' message reaches the plan through _checked.
    return pin, (*pin_reasons,)


def _candidates(
    booking: BookingFacts, policy: CodePolicy, length: int, *, kept_pin: str | None
) -> Iterator[tuple[str, tuple[str, ...]]]:
    if booking.rotation_seed:
        yield from _rotated_candidates(booking, length)
        return
    if kept_pin:
        yield kept_pin, ("PIN kept: it is already on the lock.",)
    source = _source_pin(booking, policy, length)
    if source is not None:
        yield source
    for attempt in range(FALLBACK_TRIES):
        yield (
            derived_pin(booking.reference, length, attempt),
            ("PIN derived from the booking (the same booking always gets the same fallback).",),
        )


def _rotated_candidates(booking: BookingFacts, length: int) -> Iterator[tuple[str, tuple[str, ...]]]:
    """A rotation's PINs: neither the source's PIN (the phone's digits, the one provided) nor any PIN the
    booking holds on a lock now, since the point is that the old PIN stops working."""
    old_pins = set(booking.pins_on_locks.values())
    for attempt in range(FALLBACK_TRIES):
        pin = derived_pin(f"{booking.reference}:rotation:{booking.rotation_seed}", length, attempt)
        if pin not in old_pins:
            yield pin, ("New PIN: the PIN was rotated.",)


def _source_pin(booking: BookingFacts, policy: CodePolicy, length: int) -> tuple[str, tuple[str, ...]] | None:
    if policy.pin_source == PinSource.PROVIDED:
        pin = "".join(booking.provided_pin.split())
        return (pin, ("PIN provided by the booking.",)) if pin else None
    if policy.pin_source == PinSource.PHONE:
        digits = "".join(character for character in booking.guest_phone if character.isdigit())
        if len(digits) >= length:
            return digits[-length:], (f"PIN from the last {length} digits of the guest's phone.",)
        if digits:
            padded = (derived_pin(booking.reference, length, 0) + digits)[-length:]
            return padded, (f"PIN from the guest's phone ({len(digits)} digits), padded to {length}.",)
        return None
    return derived_pin(booking.reference, length, 0), ("Random PIN.",)


def derived_pin(reference: str, length: int, attempt: int) -> str:
    """A PIN that looks random but is the same every time for the same booking and attempt, so a preview
    and the codes then created agree, and a retried task proposes the same PIN."""
    digest = hashlib.sha256(f"{reference}:{attempt}".encode()).hexdigest()
    return str(int(digest, 16) % 10**length).zfill(length)


def _common_code_key(booking: BookingFacts) -> str:
    return "booking-" + hashlib.sha256(booking.reference.encode()).hexdigest()[:16]


__all__ = [
    "BookingFacts",
    "CodePolicy",
    "DoorFacts",
    "Kind",
    "PinSource",
    "Plan",
    "PlannedCode",
    "accepted_lengths",
    "derived_pin",
    "plan",
    "shift_wall_clock",
    "stay_moment",
    "stay_window",
]
