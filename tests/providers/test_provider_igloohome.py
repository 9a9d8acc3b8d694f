"""igloohome offline codes: every constraint of Seam's igloohome offline-code guides at and around its
boundary."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.providers import CodeDraft, DeviceFacts, OtherCode, implied_ends_at, validate_access_code
from accesscodes.providers.igloohome import offline_kind

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
START = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)


def device(**extra):
    return DeviceFacts("igloohome", True, True, **extra)


def offline(span=None, *, starts_at=START, one_time=False, **extra):
    ends_at = None if span is None else starts_at + span
    return CodeDraft(
        starts_at=starts_at, ends_at=ends_at, is_offline_access_code=True, is_one_time_use=one_time, **extra
    )


def other(starts_at, span=None, *, offline_code=True, one_time=False, code=None):
    ends_at = None if span is None else starts_at + span
    return OtherCode(code, starts_at, ends_at, offline_code, one_time)


def validate(draft, others=(), dev=None):
    return validate_access_code(device=dev or device(), draft=draft, others=others, now=NOW)


H = timedelta(hours=1)
D = timedelta(days=1)


# ----- hourly-bound: 1 to 672 hours -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "message"),
    [
        pytest.param(59 * timedelta(minutes=1), "this one lasts 59 minutes.", id="59min"),
        pytest.param(1 * H, None, id="1h"),
        pytest.param(671 * H, None, id="671h"),
        pytest.param(672 * H, None, id="672h-28d"),
        pytest.param(
            673 * H,
            "igloohome offline codes last 1 to 672 hours (28 days) when hourly-bound, or 29 to 367 days when "
            "daily-bound; this one lasts 673 hours (28 days 1 hour), between the two ranges.",
            id="673h",
        ),
        pytest.param(28 * D + 11 * H, "between the two ranges", id="28d11h-gap"),
    ],
)
def test_hourly_bound_duration(span, message):
    errors = validate(offline(span))
    if message is None:
        assert errors == {}
    else:
        assert len(errors["ends_at"]) == 1
        assert message in errors["ends_at"][0]
        assert "672" in errors["ends_at"][0]


def test_zero_length_is_the_generic_order_error():
    assert validate(offline(timedelta(0))) == {"ends_at": ["ends_at must be after starts_at"]}


# ----- daily-bound: 29 to 367 days, same time of day --------------------------------------------------


@pytest.mark.parametrize(
    ("span", "rounding", "message"),
    [
        pytest.param(28 * D, "1hour", None, id="28d-is-hourly"),
        pytest.param(29 * D, "1hour", None, id="29d"),
        pytest.param(367 * D, "1hour", None, id="367d"),
        pytest.param(
            368 * D,
            "1hour",
            "igloohome daily-bound offline codes last 29 to 367 days; this one lasts 368 days.",
            id="368d",
        ),
        pytest.param(
            29 * D + 3 * H, "1hour", "must start and end at the same time of day", id="29d+3h-unequal"
        ),
        pytest.param(
            40 * D - 5 * H, "1h", "this one is 5 hours off a whole number of days", id="40d-5h-unequal"
        ),
        pytest.param(29 * D + 3 * H, "1day", None, id="29d+3h-1day-rounds"),
        pytest.param(29 * D + 3 * H, "1d", None, id="29d+3h-1d-rounds"),
        pytest.param(29 * D + 30 * timedelta(minutes=1), "1hour", None, id="29d+30min-within-1h"),
        pytest.param(29 * D + H, "1hour", None, id="29d+1h-exactly-1h"),
        pytest.param(29 * D + 61 * timedelta(minutes=1), "1hour", "same time of day", id="29d+61min"),
        pytest.param(367 * D + 13 * H, "1day", "29 to 367 days", id="367d13h-rounds-to-368"),
    ],
)
def test_daily_bound_duration_and_time_of_day(span, rounding, message):
    errors = validate(offline(span, max_time_rounding=rounding))
    if message is None:
        assert errors == {}
    else:
        assert len(errors["ends_at"]) == 1
        assert message in errors["ends_at"][0]


def test_unequal_time_of_day_message_names_the_rounding_fix():
    errors = validate(offline(29 * D + 3 * H))
    assert errors["ends_at"] == [
        "igloohome daily-bound offline codes (longer than 28 days) must start and end at the same time of day; "
        "this one is 3 hours off a whole number of days, more than max_time_rounding 1hour lets Seam round. "
        "Make the end time match the start time, or set max_time_rounding to 1day."
    ]


@pytest.mark.parametrize(
    ("span", "kind"),
    [(H, "hourly"), (672 * H, "hourly"), (672 * H + timedelta(seconds=1), "daily"), (29 * D, "daily")],
)
def test_classification_is_by_duration(span, kind):
    assert offline_kind(START, START + span, offline=True, one_time=False) == kind


# ----- per-slot limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("others", "full"),
    [
        pytest.param(
            [other(START + timedelta(minutes=m), 5 * H) for m in (0, 20)], False, id="3rd-in-hour-ok"
        ),
        pytest.param(
            [other(START + timedelta(minutes=m), 5 * H) for m in (0, 20, 59)], True, id="4th-in-hour"
        ),
        pytest.param([other(START + H, 5 * H) for _ in range(3)], False, id="3-in-next-hour"),
        pytest.param([other(START, 30 * D) for _ in range(3)], False, id="daily-ones-dont-count"),
        pytest.param(
            [other(START, 5 * H, offline_code=False, code=f"24{i}8") for i in range(3)],
            False,
            id="online-ones-dont-count",
        ),
    ],
)
def test_at_most_3_hourly_codes_starting_in_the_same_hour(others, full):
    errors = validate(offline(2 * H, starts_at=START + timedelta(minutes=30)), others)
    assert ("starts_at" in errors) is full
    if full:
        assert errors["starts_at"][0].startswith(
            "igloohome allows at most 3 hourly-bound offline codes starting in the same hour; "
            "3 already start at 2025-03-10 10:00 (UTC)."
        )


def test_hour_slots_follow_the_lock_zone():
    # 10:15 and 10:45 UTC are 15:45 and 16:15 in Kolkata (UTC+5:30): different local hours.
    others = [other(START + timedelta(minutes=15), 2 * H) for _ in range(3)]
    draft = offline(2 * H, starts_at=START + timedelta(minutes=45))
    assert "starts_at" in validate(draft, others)
    assert validate(draft, others, device(timezone="Asia/Kolkata")) == {}


@pytest.mark.parametrize(
    ("count", "same_day", "full"),
    [(2, True, False), (3, True, True), (3, False, False)],
    ids=["3rd-daily-ok", "4th-daily", "3-on-other-day"],
)
def test_at_most_3_daily_codes_per_day(count, same_day, full):
    first = START if same_day else START + D
    others = [other(first + i * H, 30 * D) for i in range(count)]
    errors = validate(offline(30 * D, starts_at=START + 12 * H), others)
    assert ("starts_at" in errors) is full
    if full:
        assert "at most 3 daily-bound offline codes starting on the same day" in errors["starts_at"][0]


@pytest.mark.parametrize(
    ("count", "same_date", "full"),
    [(4, True, False), (5, True, True), (5, False, False)],
    ids=["5th-one-time-ok", "6th-one-time", "5-on-other-date"],
)
def test_at_most_5_one_time_codes_per_start_date(count, same_date, full):
    first = START if same_date else START - D
    others = [other(first + i * H, one_time=True) for i in range(count)]
    errors = validate(offline(one_time=True, starts_at=START + 8 * H), others)
    assert ("starts_at" in errors) is full
    if full:
        assert errors["starts_at"][0].startswith(
            "igloohome allows at most 5 one-time-use codes per start date; 5 already start on 2025-03-10 (UTC)."
        )


@pytest.mark.parametrize(("count", "full"), [(198, False), (199, True)], ids=["199th-pin-ok", "200th-pin"])
def test_at_most_199_pins_online_and_offline(count, full):
    others = [other(START, 2 * H, offline_code=i % 2 == 0, code=None) for i in range(count)]
    errors = validate(CodeDraft(), others)  # an online permanent code counts as well
    assert ("__all__" in errors) is full
    if full:
        assert (
            "at most 199 PINs in total, online and offline; this lock already has 199" in errors["__all__"][0]
        )


# ----- one-time use -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field", "fragment"),
    [
        pytest.param(offline(one_time=True), None, None, id="start-only"),
        pytest.param(offline(24 * H, one_time=True), None, None, id="end-at-24h"),
        pytest.param(
            offline(25 * H, one_time=True), "ends_at", "valid for exactly 24 hours", id="end-at-25h"
        ),
        pytest.param(offline(one_time=True, starts_at=None), "starts_at", "need starts_at", id="no-start"),
    ],
)
def test_one_time_use_needs_start_and_lasts_24h(draft, field, fragment):
    errors = validate(draft)
    if field is None:
        assert errors == {}
    else:
        assert any(fragment in m for m in errors[field])


@pytest.mark.parametrize(
    ("draft", "implied"),
    [
        pytest.param(offline(one_time=True), START + 24 * H, id="one-time"),
        pytest.param(offline(24 * H, one_time=True), START + 24 * H, id="one-time-with-its-end"),
        pytest.param(offline(one_time=True, starts_at=None), None, id="one-time-without-start"),
        pytest.param(offline(), None, id="time-bound-offline"),
        pytest.param(CodeDraft(starts_at=START, is_one_time_use=True), None, id="online"),
    ],
)
def test_only_one_time_use_offline_codes_imply_their_end(draft, implied):
    assert implied_ends_at(device=device(), draft=draft) == implied


def test_the_implied_window_passes_every_rule():
    draft = offline(one_time=True)
    completed = offline(implied_ends_at(device=device(), draft=draft) - START, one_time=True)
    assert validate(completed) == {}


# ----- codes --------------------------------------------------------------------------------------------


def test_custom_code_refused_on_offline_codes():
    assert validate(offline(5 * H, code="24681357")) == {
        "code": ["igloohome generates offline codes (algoPINs) itself: leave the code empty."]
    }


@pytest.mark.parametrize(
    ("code", "ok"),
    [("2468", True), ("246813", True), ("246", False), ("2468135", False)],
    ids=["4", "6", "3", "7"],
)
def test_online_bridge_codes_are_4_to_6_digits(code, ok):
    errors = validate(CodeDraft(code=code))
    assert (errors == {}) is ok
    if not ok:
        assert errors["code"][0].startswith("igloohome online (bridge) codes must be 4 to 6 digits")
