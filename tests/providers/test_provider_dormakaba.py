"""dormakaba Oracode: offline codes fit a predefined time slot within 1 hour and last at most 31 days."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accesscodes.providers import CodeDraft, DeviceFacts, describe_rules, validate_access_code
from accesscodes.providers.dormakaba_oracode import parse_time_of_day

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2024, 9, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)

GUEST_4PM_10AM = {
    "name": "Guest 4pm-10am",
    "prefix": 1,
    "is_master": False,
    "is_24_hour": False,
    "is_one_shot": False,
    "check_in_time": "16:00:00-07:00[America/Los_Angeles]",
    "check_out_time": "10:00:00-07:00[America/Los_Angeles]",
}
NOON_24H = {**GUEST_4PM_10AM, "name": "24h noon", "is_24_hour": True}
NOON_24H.update(check_in_time="12:00:00[America/Los_Angeles]", check_out_time="12:00:00[America/Los_Angeles]")


def device(*slots, iana_timezone="America/Los_Angeles"):
    metadata = {"iana_timezone": iana_timezone, "predefined_time_slots": list(slots)}
    return DeviceFacts("dormakaba_oracode", False, True, properties={"dormakaba_oracode_metadata": metadata})


def local(day, hour, minute=0):
    return datetime(2024, 9, day, hour, minute, tzinfo=LA)


def offline(starts_at, ends_at, **extra):
    return CodeDraft(starts_at=starts_at, ends_at=ends_at, is_offline_access_code=True, **extra)


def validate(draft, dev=None):
    return validate_access_code(device=dev or device(GUEST_4PM_10AM), draft=draft, others=(), now=NOW)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "fits"),
    [
        pytest.param(local(10, 16), local(15, 10), True, id="exact"),
        pytest.param(local(10, 16) - 60 * MIN, local(15, 10), True, id="start-60min-early"),
        pytest.param(local(10, 16) - 61 * MIN, local(15, 10), False, id="start-61min-early"),
        pytest.param(local(10, 16) + 60 * MIN, local(15, 10), True, id="start-60min-late"),
        pytest.param(local(10, 16) + 61 * MIN, local(15, 10), False, id="start-61min-late"),
        pytest.param(local(10, 16), local(15, 10) + 60 * MIN, True, id="end-60min-late"),
        pytest.param(local(10, 16), local(15, 10) + 61 * MIN, False, id="end-61min-late"),
        pytest.param(local(10, 16), local(11, 10), True, id="one-night-18h"),
        pytest.param(local(10, 9), local(10, 17), False, id="daytime-no-slot"),
    ],
)
def test_window_must_fit_a_slot_within_one_hour(starts_at, ends_at, fits):
    errors = validate(offline(starts_at, ends_at))
    if fits:
        assert errors == {}
    else:
        assert list(errors) == ["__all__"]
        assert errors["__all__"][0].startswith(
            "dormakaba Oracode codes must match one of the lock's time slots within 1 hour"
        )
        assert "Guest 4pm-10am (16:00 → 10:00)" in errors["__all__"][0]


def test_window_given_in_utc_is_compared_on_the_lock_clock():
    # 16:00 PDT is 23:00 UTC; 10:00 PDT is 17:00 UTC.
    starts = datetime(2024, 9, 10, 23, 0, tzinfo=UTC)
    assert validate(offline(starts, datetime(2024, 9, 15, 17, 0, tzinfo=UTC))) == {}


@pytest.mark.parametrize(
    ("days", "ok"), [(1, True), (30, True), (31, True), (32, False)], ids=["1d", "30d", "31d", "32d"]
)
def test_at_most_31_days(days, ok):
    starts = local(1, 12)
    errors = validate(offline(starts, starts + timedelta(days=days)), device(NOON_24H))
    if ok:
        assert errors == {}
    else:
        assert errors == {
            "ends_at": [f"dormakaba Oracode offline codes last at most 31 days; this one lasts {days} days."]
        }


def test_31_days_is_checked_after_rounding_to_the_slot():
    starts = local(1, 12)
    # 31 days + 50 minutes rounds down to the slot's 12:00 check-out: exactly 31 days.
    assert validate(offline(starts, starts + timedelta(days=31, minutes=50)), device(NOON_24H)) == {}


def test_no_usable_slots():
    master = {**GUEST_4PM_10AM, "is_master": True}
    one_shot = {**GUEST_4PM_10AM, "is_one_shot": True}
    for dev in (device(), device(master), device(one_shot)):
        errors = validate(offline(local(10, 16), local(15, 10)), dev)
        assert errors["__all__"][0].startswith("This dormakaba Oracode lock reports no usable time slots")


@pytest.mark.parametrize(
    ("text", "expected_time", "expected_offset_hours"),
    [
        pytest.param("07:00:00[America/Los_Angeles]", time(7), -7, id="zone-only"),
        pytest.param("15:30:00-08:00[America/Los_Angeles]", time(15, 30), -7, id="offset-and-zone-zone-wins"),
        pytest.param("15:30:00[PST8PDT]", time(15, 30), -7, id="posix-zone"),
        pytest.param("15:30:00-08:00", time(15, 30), -8, id="offset-only"),
        pytest.param("15:30:00+05:30", time(15, 30), 5.5, id="positive-offset"),
        pytest.param("07:00", time(7), 9, id="no-zone-falls-back"),
        pytest.param("07:00:00Z", time(7), 0, id="zulu"),
    ],
)
def test_slot_time_formats(text, expected_time, expected_offset_hours):
    parsed = parse_time_of_day(text, ZoneInfo("Asia/Tokyo"))
    assert parsed is not None
    tod, zone = parsed
    assert tod == expected_time
    assert datetime(2024, 9, 10, tzinfo=zone).utcoffset() == timedelta(hours=expected_offset_hours)


@pytest.mark.parametrize("text", ["", "7am", "25:00:00", None, "12:00:00[Not/AZone]x"])
def test_unreadable_slot_times(text):
    assert parse_time_of_day(text, UTC) is None


@pytest.mark.parametrize(
    ("draft", "field", "fragment"),
    [
        pytest.param(
            offline(local(10, 16), local(15, 10), code="24681357"),
            "code",
            "dormakaba Oracode generates its PINs",
            id="custom-code",
        ),
        pytest.param(
            offline(local(10, 16), local(11, 16), is_one_time_use=True),
            "is_one_time_use",
            "dormakaba Oracode locks do not support one-time-use codes",
            id="one-time",
        ),
        pytest.param(CodeDraft(is_offline_access_code=True), "starts_at", "time-bound", id="ongoing-offline"),
        pytest.param(
            CodeDraft(), "is_offline_access_code", "cannot program online access codes", id="online"
        ),
    ],
)
def test_other_dormakaba_refusals(draft, field, fragment):
    errors = validate(draft)
    assert any(fragment in m for m in errors[field])


def test_describe_lists_slots_and_limits():
    text = " ".join(describe_rules(device(GUEST_4PM_10AM, {**NOON_24H, "is_master": True})))
    assert "Guest 4pm-10am (16:00 → 10:00)" in text
    assert "24h noon" not in text  # master slots are not offered
    assert "31 days" in text
    assert "within 1 hour" in text
    assert "cannot choose the PIN" in text
