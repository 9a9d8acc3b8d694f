"""The planner under random stays, zones (DST edges included), policies, door mixes and codes already on
the doors (hypothesis). Invariants: every planned code passes the provider rules that `clean()` runs; no
PIN is planned onto a door where an identical PIN overlaps it; a plan fed its own PINs back plans the same
codes (applying it twice changes nothing)."""

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accesscodes.bookings.planner import (
    BookingFacts,
    CodePolicy,
    DoorFacts,
    Kind,
    PinSource,
    plan,
    stay_moment,
)
from accesscodes.providers import DeviceFacts, OtherCode, validate_access_code

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",
    "UTC",
]
# Days on or next to the 2026 DST changes of the zones above, and ordinary days.
DST_DAYS = [
    datetime(2026, 3, 8),
    datetime(2026, 3, 29),
    datetime(2026, 4, 5),
    datetime(2026, 10, 4),
    datetime(2026, 10, 25),
    datetime(2026, 11, 1),
]
CONSTRAINTS = [
    "no_zeros",
    "cannot_start_with_12",
    "no_triple_consecutive_ints",
    "no_ascending_or_descending_sequence",
    "at_least_three_unique_digits",
    "no_all_same_digits",
]


@st.composite
def online_doors(draw, key):
    manufacturer = draw(
        st.sampled_from(["august", "schlage", "yale", "kwikset", "ultraloq", "nuki", "tedee"])
    )
    lengths = draw(st.lists(st.integers(4, 8), min_size=1, max_size=3, unique=True))
    constraints = draw(st.lists(st.sampled_from(CONSTRAINTS), max_size=3, unique=True))
    device = DeviceFacts(
        manufacturer=manufacturer,
        can_program_online_access_codes=True,
        can_program_offline_access_codes=False,
        supported_code_lengths=tuple(sorted(lengths)),
        code_constraints=tuple({"constraint_type": kind} for kind in constraints),
        timezone=draw(st.sampled_from(ZONES)) if manufacturer == "ultraloq" else None,
    )
    return DoorFacts(key=key, name=f"Door {key}", device=device)


def offline_igloohome(key):
    device = DeviceFacts("igloohome", False, True, timezone="America/Los_Angeles")
    return DoorFacts(key=key, name=f"Door {key}", device=device)


@st.composite
def stays(draw):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    day = draw(st.sampled_from(DST_DAYS)) + timedelta(days=draw(st.integers(-1, 1)))
    start = stay_moment(
        day.date(), default_time=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))), zone=zone
    )
    nights = draw(st.one_of(st.integers(1, 14), st.sampled_from([27, 28, 29, 30, 40])))
    end = stay_moment(
        (day + timedelta(days=nights)).date(), default_time=time(draw(st.integers(0, 23))), zone=zone
    )
    return zone, start, end


@st.composite
def others_on(draw, start, end):
    """Codes of other guests on a door: some overlapping this stay, with PINs a phone might give."""
    codes = []
    for _ in range(draw(st.integers(0, 4))):
        offset = timedelta(hours=draw(st.integers(-72, 72)))
        length = timedelta(hours=draw(st.integers(1, 200)))
        codes.append(
            OtherCode(
                code=draw(st.sampled_from(["1234", "5678", "2468", "13579", "4321", "987654"])),
                starts_at=start + offset,
                ends_at=start + offset + length,
                is_offline_access_code=False,
                is_one_time_use=False,
            )
        )
    return tuple(codes)


@st.composite
def scenarios(draw):
    zone, start, end = draw(stays())
    doors = []
    for index in range(draw(st.integers(1, 3))):
        door = draw(online_doors(index)) if draw(st.booleans()) or index == 0 else offline_igloohome(index)
        doors.append(dataclasses.replace(door, others=draw(others_on(start, end))))
    policy = CodePolicy(
        pin_source=draw(st.sampled_from(list(PinSource))),
        pin_length=draw(st.one_of(st.none(), st.integers(4, 8))),
        early_access=timedelta(minutes=draw(st.sampled_from([0, 30, 60, 240]))),
        late_access=timedelta(minutes=draw(st.sampled_from([0, 30, 60, 240]))),
        same_pin_on_every_door=draw(st.booleans()),
        offline_fallback=draw(st.booleans()),
    )
    booking = BookingFacts(
        reference=f"fuzz:{draw(st.integers(1, 10_000))}",
        guest_name=draw(st.sampled_from(["Ana", "Bo", "Jean-Baptiste Grenouille", ""])) or "Guest",
        guest_phone=draw(st.sampled_from(["", "+1 415 555 1234", "+49 30 1234 5678", "0000", "1212"])),
        provided_pin=draw(st.sampled_from(["", "1234", "98765", "0000"])),
        check_in=start,
        check_out=end,
    )
    return booking, policy, zone, tuple(doors)


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return (a_start is None or b_end is None or a_start < b_end) and (
        b_start is None or a_end is None or b_start < a_end
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_planned_code_passes_the_rules_and_never_collides(scenario):
    booking, policy, zone, doors = scenario
    result = plan(booking=booking, policy=policy, zone=zone, doors=doors, now=NOW)
    by_key = {door.key: door for door in doors}
    for planned in result.codes:
        if planned.kind is Kind.NONE:
            assert planned.reasons, "a door without a code says why"
            continue
        door = by_key[planned.door_key]
        errors = validate_access_code(device=door.device, draft=planned.draft(), others=door.others, now=NOW)
        assert not errors, (planned, errors)
        if planned.code:
            for other in door.others:
                assert not (
                    other.code == planned.code
                    and overlaps(other.starts_at, other.ends_at, planned.starts_at, planned.ends_at)
                ), (planned, other)
    planned_on_door = {}
    for planned in result.codes:
        for sibling in planned_on_door.get(planned.door_key, []):
            assert not (
                planned.code
                and sibling.code == planned.code
                and overlaps(sibling.starts_at, sibling.ends_at, planned.starts_at, planned.ends_at)
            )
        planned_on_door.setdefault(planned.door_key, []).append(planned)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_planning_again_with_its_own_pins_changes_nothing(scenario):
    booking, policy, zone, doors = scenario
    first = plan(booking=booking, policy=policy, zone=zone, doors=doors, now=NOW)
    on_locks = {
        planned.door_key: planned.code
        for planned in first.codes
        if planned.code and planned.kind is Kind.ONLINE
    }
    again = plan(
        booking=dataclasses.replace(booking, pins_on_locks=on_locks),
        policy=policy,
        zone=zone,
        doors=doors,
        now=NOW,
    )
    assert [(p.door_key, p.kind, p.code, p.starts_at, p.ends_at) for p in again.codes] == [
        (p.door_key, p.kind, p.code, p.starts_at, p.ends_at) for p in first.codes
    ]
    assert not any(planned.pin_changed_on_lock for planned in again.codes)


@settings(max_examples=200, deadline=None)
@given(stays(), st.sampled_from([0, 45, 240]), st.sampled_from([0, 45, 240]))
def test_the_window_is_the_stay_with_its_buffers_on_the_property_clock(stay, early, late):
    zone, start, end = stay
    policy = CodePolicy(early_access=timedelta(minutes=early), late_access=timedelta(minutes=late))
    booking = BookingFacts(reference="fuzz:window", guest_name="Ana", check_in=start, check_out=end)
    result = plan(booking=booking, policy=policy, zone=zone, doors=(), now=NOW)
    local_start = (start.astimezone(zone).replace(tzinfo=None) - timedelta(minutes=early)).replace(
        tzinfo=zone
    )
    local_end = (end.astimezone(zone).replace(tzinfo=None) + timedelta(minutes=late)).replace(tzinfo=zone)
    assert result.starts_at == local_start.astimezone(UTC)
    assert result.ends_at == local_end.astimezone(UTC)
