"""Ultraloq: the code examples, error cases and time zone worked example of Seam's Ultraloq guide."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accesscodes.providers import (
    CodeDraft,
    DeviceFacts,
    describe_rules,
    device_local_window,
    validate_access_code,
)

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
TZ_REQUIRED = "Time zone required for time-bound access codes on Ultraloq devices"
BAD_FORMAT = "Access code must be 4-8 digit numeric PIN for Ultraloq devices"


def device(timezone="America/New_York", warnings=(), properties=None):
    return DeviceFacts(
        "ultraloq", True, False, timezone=timezone, warning_codes=tuple(warnings), properties=properties or {}
    )


def validate(draft, dev=None):
    return validate_access_code(device=dev or device(), draft=draft, others=(), now=NOW)


def window(**extra):
    return CodeDraft(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=3), **extra)


@pytest.mark.parametrize("code", ["1234", "56789", "123456", "1234567", "12345678"])
def test_guide_valid_codes(code):
    assert validate(CodeDraft(code=code)) == {}


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        pytest.param("123", "has 3 digits", id="too-short"),
        pytest.param("123456789", "has 9 digits", id="too-long"),
        pytest.param("abcd", "contains characters other than the digits 0-9", id="non-numeric"),
        pytest.param("12-34", "contains characters other than the digits 0-9", id="special-characters"),
    ],
)
def test_guide_invalid_codes(code, problem):
    assert validate(CodeDraft(code=code)) == {"code": [f"{BAD_FORMAT}; this one {problem}."]}


@pytest.mark.parametrize(
    ("dev", "reason"),
    [
        pytest.param(device(timezone=None), "The lock reports no time zone.", id="no-zone"),
        pytest.param(
            device(warnings=["ultraloq_time_zone_unknown"]),
            "The lock reports the ultraloq_time_zone_unknown warning.",
            id="warning-wins-over-zone",
        ),
        pytest.param(
            device(timezone="Mars/Olympus"),
            "The lock's time zone 'Mars/Olympus' is not a known IANA time zone.",
            id="unknown-zone",
        ),
    ],
)
def test_time_bound_code_needs_the_lock_time_zone(dev, reason):
    errors = validate(window(), dev)
    assert list(errors) == ["__all__"]
    assert errors["__all__"][0].startswith(f"{TZ_REQUIRED}. {reason}")


@pytest.mark.parametrize(
    "dev",
    [
        pytest.param(device(), id="zone"),
        pytest.param(
            device(timezone=None, properties={"ultraloq_metadata": {"time_zone": "America/New_York"}}),
            id="zone-in-properties",
        ),
    ],
)
def test_time_bound_code_with_zone_is_fine(dev):
    assert validate(window(code="5678"), dev) == {}


def test_permanent_code_needs_no_zone():
    assert (
        validate(CodeDraft(code="1234"), device(timezone=None, warnings=["ultraloq_time_zone_unknown"])) == {}
    )


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        pytest.param(
            CodeDraft(starts_at=NOW + timedelta(days=1)),
            {"ends_at": ["Both starts_at and ends_at must be provided together"]},
            id="missing-time-bounds",
        ),
        pytest.param(
            CodeDraft(starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=1)),
            {"ends_at": ["ends_at must be after starts_at"]},
            id="invalid-time-ordering",
        ),
    ],
)
def test_guide_error_cases(draft, expected):
    assert validate(draft) == expected


def test_worked_example_local_window():
    local = device_local_window(
        device(), datetime(2024, 1, 20, 19, 0, tzinfo=UTC), datetime(2024, 1, 22, 2, 0, tzinfo=UTC)
    )
    assert local is not None
    starts, ends = local
    assert starts.replace(tzinfo=None) == datetime(2024, 1, 20, 14, 0)  # 2:00 PM EST
    assert ends.replace(tzinfo=None) == datetime(2024, 1, 21, 21, 0)  # 9:00 PM EST
    assert starts.utcoffset() == ends.utcoffset() == timedelta(hours=-5)
    assert starts.tzinfo == ZoneInfo("America/New_York")


def test_local_window_follows_dst():
    starts, ends = device_local_window(
        device(), datetime(2024, 7, 4, 19, 0, tzinfo=UTC), datetime(2024, 7, 5, 2, 0, tzinfo=UTC)
    )
    assert (starts.hour, ends.hour) == (15, 22)  # EDT, UTC-4


@pytest.mark.parametrize(
    "dev",
    [
        pytest.param(device(timezone=None), id="no-zone"),
        pytest.param(device(warnings=["ultraloq_time_zone_unknown"]), id="zone-unknown-warning"),
        pytest.param(device(timezone="Mars/Olympus"), id="bad-zone"),
    ],
)
def test_local_window_is_none_without_a_trusted_zone(dev):
    assert device_local_window(dev, NOW, NOW + timedelta(hours=2)) is None


def test_describe_mentions_length_and_zone():
    text = " ".join(describe_rules(device()))
    assert "4 to 8 digits" in text
    assert "America/New_York" in text
    assert "only permanent codes can be created" in " ".join(describe_rules(device(timezone=None)))
