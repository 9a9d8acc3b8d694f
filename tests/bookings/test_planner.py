"""The booking planner, by tables: plain facts in, planned codes out (no database, no Seam)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accesscodes.bookings.planner import (
    BookingFacts,
    CodePolicy,
    DoorFacts,
    Kind,
    PinSource,
    accepted_lengths,
    derived_pin,
    plan,
    stay_moment,
)
from accesscodes.providers import DeviceFacts, OtherCode, validate_access_code

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CHECK_IN, CHECK_OUT = time(15), time(11)


def online_door(key="front", manufacturer="august", lengths=(4, 5, 6), constraints=(), **facts):
    device = DeviceFacts(
        manufacturer=manufacturer,
        can_program_online_access_codes=True,
        can_program_offline_access_codes=False,
        supported_code_lengths=tuple(lengths),
        code_constraints=tuple({"constraint_type": kind} for kind in constraints),
        **facts,
    )
    return DoorFacts(key=key, name=key.title(), device=device)


def igloohome_offline_door(key="garden"):
    device = DeviceFacts("igloohome", False, True, timezone="America/Los_Angeles")
    return DoorFacts(key=key, name=key.title(), device=device)


def oracode_door(*slots, key="room"):
    metadata = {"iana_timezone": "America/Los_Angeles", "predefined_time_slots": list(slots)}
    device = DeviceFacts(
        "dormakaba_oracode", False, True, properties={"dormakaba_oracode_metadata": metadata}
    )
    return DoorFacts(key=key, name=key.title(), device=device)


GUEST_4PM_10AM = {
    "name": "Guest 4pm-10am",
    "prefix": 1,
    "is_master": False,
    "is_one_shot": False,
    "check_in_time": "16:00:00[America/Los_Angeles]",
    "check_out_time": "10:00:00[America/Los_Angeles]",
}


def booking(check_in, check_out, zone, *, phone="+1 415 555 2468", reference="airbnb:HM1", **extra):
    return BookingFacts(
        reference=reference,
        guest_name="Ada Lovelace",
        guest_phone=phone,
        check_in=stay_moment(check_in, default_time=CHECK_IN, zone=zone),
        check_out=stay_moment(check_out, default_time=CHECK_OUT, zone=zone),
        **extra,
    )


def planned(the_booking, doors, *, zone=LA, policy=None, now=NOW):
    return plan(booking=the_booking, policy=policy or CodePolicy(), zone=zone, doors=tuple(doors), now=now)


# -- windows and DST ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected_start_utc", "expected_end_utc"),
    [
        # Spring forward: 15:00 local is CEST (UTC+2) / EDT (UTC-4) on the change day itself.
        pytest.param(BERLIN, date(2026, 3, 29), datetime(2026, 3, 29, 12, 30), datetime(2026, 3, 31, 9, 30),
                     id="berlin-spring"),
        pytest.param(NEW_YORK, date(2026, 3, 8), datetime(2026, 3, 8, 18, 30), datetime(2026, 3, 10, 15, 30),
                     id="new-york-spring"),
        # Fall back: 15:00 local is CET (UTC+1) / EST (UTC-5).
        pytest.param(BERLIN, date(2026, 10, 25), datetime(2026, 10, 25, 13, 30), datetime(2026, 10, 27, 10, 30),
                     id="berlin-autumn"),
        pytest.param(NEW_YORK, date(2026, 11, 1), datetime(2026, 11, 1, 19, 30), datetime(2026, 11, 3, 16, 30),
                     id="new-york-autumn"),
    ],
)  # fmt: skip
def test_window_is_computed_on_the_property_wall_clock_on_dst_days(
    zone, day, expected_start_utc, expected_end_utc
):
    policy = CodePolicy(early_access=timedelta(minutes=30), late_access=timedelta(minutes=30))
    result = planned(booking(day, day + timedelta(days=2), zone), [online_door()], zone=zone, policy=policy)
    (code,) = result.codes
    assert code.kind is Kind.ONLINE
    assert code.starts_at == expected_start_utc.replace(tzinfo=UTC)
    assert code.ends_at == expected_end_utc.replace(tzinfo=UTC)
    # 14:30 and 11:30 on the property's clock, whatever the offset that day.
    assert code.starts_at.astimezone(zone).time() == time(14, 30)
    assert code.ends_at.astimezone(zone).time() == time(11, 30)


def test_early_access_across_the_spring_gap_counts_wall_clock_hours():
    # Check-in 04:00 CEST on the change day, three hours early: 01:00 on the wall clock (CET), not three
    # elapsed hours (which would be 00:00 CET, because the clock skipped 02:00-03:00).
    the_booking = booking(
        datetime(2026, 3, 29, 4, 0), datetime(2026, 3, 30, 11, 0), BERLIN, reference="airbnb:gap"
    )
    result = planned(
        the_booking, [online_door()], zone=BERLIN, policy=CodePolicy(early_access=timedelta(hours=3))
    )
    assert result.codes[0].starts_at.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 1, 0)


# -- PINs --------------------------------------------------------------------------------------------


def test_pin_comes_from_the_phone_last_digits():
    result = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA), [online_door()])
    (code,) = result.codes
    assert code.code == "2468"
    assert "last 4 digits of the guest's phone" in " ".join(code.reasons)


def test_back_to_back_stays_with_the_same_phone_digits_get_different_pins():
    first = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA, reference="a"), [online_door()]).codes[0]
    occupied = online_door()
    occupied = DoorFacts(
        key=occupied.key,
        name=occupied.name,
        device=occupied.device,
        others=(OtherCode(first.code, first.starts_at, first.ends_at, False, False, first.name),),
    )
    second = planned(booking(date(2026, 2, 3), date(2026, 2, 5), LA, reference="b"), [occupied]).codes[0]
    assert first.code == "2468"
    assert second.kind is Kind.ONLINE
    assert second.code != first.code
    assert second.code in {derived_pin("b", 4, attempt) for attempt in range(5)}
    assert "did not fit this door" in " ".join(second.reasons)
    # The plan's code passes the same rules the model's clean() runs.
    assert not validate_access_code(
        device=occupied.device, draft=second.draft(), others=occupied.others, now=NOW
    )


@pytest.mark.parametrize(
    ("manufacturer", "constraints", "phone"),
    [
        pytest.param("nuki", (), "+49 30 1234 1204", id="nuki-no-zero"),
        pytest.param("nuki", (), "+49 30 5555 1267", id="nuki-cannot-start-with-12"),
        pytest.param("august", ("no_ascending_or_descending_sequence",), "+1 415 555 1234", id="sequence"),
        pytest.param("august", ("no_all_same_digits",), "+1 415 555 7777", id="all-same"),
    ],
)
def test_phone_digits_that_break_the_door_rules_fall_back_to_a_derived_pin(manufacturer, constraints, phone):
    door = online_door(manufacturer=manufacturer, constraints=constraints, lengths=(4, 5, 6))
    code = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA, phone=phone), [door]).codes[0]
    assert code.kind is Kind.ONLINE
    assert code.code != phone[-4:]
    assert "did not fit this door" in " ".join(code.reasons)
    assert not validate_access_code(device=door.device, draft=code.draft(), others=(), now=NOW)


def test_same_pin_on_every_door_with_a_common_code_key():
    doors = [online_door("front"), online_door("unit", manufacturer="kwikset", lengths=(4, 5, 6, 7, 8))]
    result = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA), doors)
    assert result.same_pin
    assert {code.code for code in result.codes} == {"2468"}
    assert len({code.common_code_key for code in result.codes}) == 1
    assert result.codes[0].common_code_key


def test_same_pin_impossible_on_one_door_gives_per_door_pins_and_says_why():
    doors = [online_door("front", lengths=(4,)), online_door("unit", lengths=(6,))]
    result = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA), doors)
    assert not result.same_pin
    front, unit = result.codes
    assert (front.code, unit.code) == ("2468", "552468")
    assert "no PIN length in common" in " ".join(result.reasons)
    assert front.common_code_key is None


def test_extension_during_the_stay_keeps_the_pin_already_on_the_lock():
    extended = booking(
        date(2026, 1, 4), date(2026, 1, 9), LA, phone="+1 999 000 1111", pins_on_locks={"front": "7351"}
    )
    code = planned(extended, [online_door()]).codes[0]
    assert code.code == "7351"
    assert not code.pin_changed_on_lock
    assert code.reasons[-1] == "PIN kept: it is already on the lock."


def test_a_pin_on_the_lock_changes_only_when_it_must_and_says_so():
    clash = OtherCode(
        "7351", datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 1, 25, tzinfo=UTC), False, False
    )
    door = online_door()
    door = DoorFacts(key=door.key, name=door.name, device=door.device, others=(clash,))
    moved = booking(date(2026, 1, 21), date(2026, 1, 24), LA, pins_on_locks={"front": "7351"})
    code = planned(moved, [door]).codes[0]
    assert code.code == "2468"
    assert code.pin_changed_on_lock


def test_a_rotated_pin_differs_from_the_old_and_from_the_source_and_is_the_same_on_every_door():
    doors = [online_door("front"), online_door("unit")]
    before = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA), doors)
    old_pin = before.codes[0].code
    assert old_pin == "2468"  # from the phone
    on_locks = {planned_code.door_key: planned_code.code for planned_code in before.codes}
    rotated = planned(
        booking(date(2026, 2, 1), date(2026, 2, 3), LA, pins_on_locks=on_locks, rotation_seed="s1"), doors
    )
    pins = {planned_code.code for planned_code in rotated.codes}
    assert len(pins) == 1 and old_pin not in pins
    assert rotated.same_pin
    # Asked for, not forced: the person who rotated it sees the new PIN, so no "tell the guest" alert.
    assert not any(planned_code.pin_changed_on_lock for planned_code in rotated.codes)
    assert all(planned_code.kind is Kind.ONLINE for planned_code in rotated.codes)


def test_a_rotation_skips_a_drawn_pin_that_equals_the_old_one_or_clashes_with_another_code():
    seed = "s2"
    first, second, third = (derived_pin(f"airbnb:HM1:rotation:{seed}", 4, attempt) for attempt in range(3))
    clash = OtherCode(
        second, datetime(2026, 1, 30, tzinfo=UTC), datetime(2026, 2, 5, tzinfo=UTC), False, False
    )
    door = online_door()
    door = DoorFacts(key=door.key, name=door.name, device=door.device, others=(clash,))
    the_booking = booking(
        date(2026, 2, 1), date(2026, 2, 3), LA, pins_on_locks={"front": first}, rotation_seed=seed
    )
    assert planned(the_booking, [door]).codes[0].code == third


def test_provider_picks_the_pin_where_the_lock_refuses_custom_pins():
    door = online_door(manufacturer="salto", lengths=())
    code = planned(booking(date(2026, 2, 1), date(2026, 2, 3), LA), [door]).codes[0]
    assert code.kind is Kind.ONLINE
    assert code.provider_picks_pin
    assert code.code is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (PinSource.PROVIDED, "9182"),
        (PinSource.RANDOM, derived_pin("airbnb:HM1", 4, 0)),
        (PinSource.PHONE, "2468"),
    ],
)
def test_pin_source_policy(source, expected):
    the_booking = booking(date(2026, 2, 1), date(2026, 2, 3), LA, provided_pin="9182")
    code = planned(the_booking, [online_door()], policy=CodePolicy(pin_source=source)).codes[0]
    assert code.code == expected


def test_accepted_lengths_combine_brand_and_lock():
    assert accepted_lengths(online_door(manufacturer="tedee", lengths=()).device) == [5, 6, 7, 8]
    assert accepted_lengths(online_door(manufacturer="august", lengths=(4, 6, 10)).device) == [4, 6]


# -- offline fallback --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "kinds", "rounding"),
    [
        pytest.param(672, [Kind.OFFLINE_HOURLY], "1hour", id="672h-one-hourly"),
        pytest.param(673, [Kind.OFFLINE_HOURLY, Kind.OFFLINE_HOURLY], "1hour", id="673h-two-hourly"),
        pytest.param(29 * 24, [Kind.OFFLINE_DAILY], "1day", id="29-days-daily"),
        pytest.param(368 * 24, [Kind.NONE], "1hour", id="368-days-none"),
    ],
)
def test_igloohome_offline_kinds_by_stay_length(hours, kinds, rounding):
    check_in = datetime(2026, 2, 1, 15, tzinfo=LA)
    the_booking = BookingFacts("ref", "Ada", check_in, check_in + timedelta(hours=hours))
    result = planned(the_booking, [igloohome_offline_door()])
    assert [code.kind for code in result.codes] == kinds
    assert result.codes[0].max_time_rounding == rounding
    assert all(code.code is None for code in result.codes)
    if len(kinds) == 2:
        first, second = result.codes
        assert first.ends_at - first.starts_at == timedelta(hours=672)
        assert second.starts_at == first.ends_at
        assert second.ends_at == the_booking.check_out
        assert (first.part, second.part, first.parts) == (1, 2, 2)
        assert "two PINs" in " ".join(second.reasons)


def test_igloohome_daily_bound_ends_at_the_start_time_of_day():
    check_in = datetime(2026, 2, 1, 15, tzinfo=UTC)
    the_booking = BookingFacts("ref", "Ada", check_in, check_in + timedelta(days=30, hours=-4))
    (code,) = planned(the_booking, [igloohome_offline_door()]).codes
    assert code.kind is Kind.OFFLINE_DAILY
    assert code.ends_at == check_in + timedelta(days=30)
    assert "extended" in " ".join(code.reasons)


def test_oracode_slot_match_and_miss():
    door = oracode_door(GUEST_4PM_10AM)
    match = BookingFacts(
        "ref", "Ada", datetime(2026, 2, 1, 15, 30, tzinfo=LA), datetime(2026, 2, 4, 10, 30, tzinfo=LA)
    )
    (code,) = planned(match, [door]).codes
    assert code.kind is Kind.OFFLINE_DAILY
    assert code.starts_at.astimezone(LA).time() == time(16)
    assert code.ends_at.astimezone(LA).time() == time(10)
    assert "Guest 4pm-10am" in " ".join(code.reasons)

    miss = BookingFacts("ref", "Ada", datetime(2026, 2, 1, 9, tzinfo=LA), datetime(2026, 2, 4, 18, tzinfo=LA))
    (code,) = planned(miss, [door]).codes
    assert code.kind is Kind.NONE
    assert "Slots that exist: Guest 4pm-10am (16:00 → 10:00)" in " ".join(code.reasons)


def test_offline_fallback_off_leaves_the_door_without_a_code_and_says_why():
    check_in = datetime(2026, 2, 1, 15, tzinfo=LA)
    the_booking = BookingFacts("ref", "Ada", check_in, check_in + timedelta(days=2))
    (code,) = planned(
        the_booking, [igloohome_offline_door()], policy=CodePolicy(offline_fallback=False)
    ).codes
    assert code.kind is Kind.NONE
    assert "fallback off" in code.reasons[0]


def test_a_stay_that_began_gets_a_code_from_the_earliest_start_the_lock_accepts():
    # Kwikset's new codes must start at least 15 minutes ahead: a stay that already began starts its code then.
    door = online_door(manufacturer="kwikset", lengths=(4, 5, 6, 7, 8))
    the_booking = BookingFacts(
        "ref", "Ada", NOW - timedelta(days=1), NOW + timedelta(days=1), guest_phone="5551234"
    )
    (code,) = planned(the_booking, [door]).codes
    assert code.kind is Kind.ONLINE
    assert NOW + timedelta(minutes=15) < code.starts_at <= NOW + timedelta(minutes=18)
    assert any("the earliest this lock accepts" in reason for reason in code.reasons)


def test_a_code_the_rules_refuse_becomes_none_with_the_rules_message():
    # A stay that ends before the earliest start Kwikset accepts can get no code there.
    door = online_door(manufacturer="kwikset", lengths=(4, 5, 6, 7, 8))
    the_booking = BookingFacts(
        "ref", "Ada", NOW - timedelta(days=1), NOW + timedelta(minutes=10), guest_phone="5551234"
    )
    (code,) = planned(the_booking, [door]).codes
    assert code.kind is Kind.NONE
    assert any("15 minutes" in reason for reason in code.reasons)


def test_the_same_facts_give_the_same_plan():
    doors = [online_door("front"), igloohome_offline_door()]
    the_booking = booking(date(2026, 2, 1), date(2026, 2, 3), LA, phone="")
    assert planned(the_booking, doors) == planned(the_booking, doors)
