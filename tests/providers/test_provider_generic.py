"""Generic rules: every lock, whatever the brand (a Schlage/August lock gets only these)."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.providers import (
    GENERIC,
    PROVIDERS,
    CodeDraft,
    DeviceFacts,
    OtherCode,
    implied_ends_at,
    provider_for,
    validate_access_code,
)
from accesscodes.providers.base import BOTH_TOGETHER, ENDS_AFTER_STARTS

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(days=0, hours=0, minutes=0):
    return NOW + timedelta(days=days, hours=hours, minutes=minutes)


def device(manufacturer="august", online=True, offline=False, **extra):
    return DeviceFacts(
        manufacturer=manufacturer,
        can_program_online_access_codes=online,
        can_program_offline_access_codes=offline,
        **extra,
    )


def other(code=None, starts_at=None, ends_at=None, offline=False, one_time=False, name=""):
    return OtherCode(code, starts_at, ends_at, offline, one_time, name)


def validate(draft, dev=None, others=(), previous=None, now=NOW):
    return validate_access_code(
        device=dev or device(), draft=draft, others=others, previous=previous, now=now
    )


# ----- starts_at / ends_at -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "expected"),
    [
        pytest.param(None, None, {}, id="neither-permanent"),
        pytest.param(at(days=1), at(days=3), {}, id="both"),
        pytest.param(at(days=1), None, {"ends_at": [BOTH_TOGETHER]}, id="start-only"),
        pytest.param(None, at(days=3), {"starts_at": [BOTH_TOGETHER]}, id="end-only"),
        pytest.param(at(days=3), at(days=3), {"ends_at": [ENDS_AFTER_STARTS]}, id="end-equals-start"),
        pytest.param(at(days=3), at(days=2), {"ends_at": [ENDS_AFTER_STARTS]}, id="end-before-start"),
    ],
)
def test_window_both_or_neither_and_order(starts_at, ends_at, expected):
    assert validate(CodeDraft(starts_at=starts_at, ends_at=ends_at)) == expected


@pytest.mark.parametrize("manufacturer", ["august", "lockly", "kwikset", "dormakaba_oracode"])
def test_only_igloohome_implies_an_end(manufacturer):
    one_time = CodeDraft(starts_at=at(days=1), is_offline_access_code=True, is_one_time_use=True)
    assert implied_ends_at(device=device(manufacturer, offline=True), draft=one_time) is None


def test_ends_at_must_be_in_the_future_on_create():
    errors = validate(CodeDraft(starts_at=at(days=-3), ends_at=at(minutes=-1)))
    assert errors == {"ends_at": ["ends_at must be in the future; this one was 1 minute ago."]}


def test_naive_datetimes_are_read_as_utc():
    naive = CodeDraft(starts_at=datetime(2025, 3, 2, 12), ends_at=datetime(2025, 3, 4, 12))
    assert validate(naive) == {}


# ----- code format -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param(None, None, id="none-generated"),
        pytest.param("", None, id="empty-generated"),
        pytest.param("  ", None, id="blank-generated"),
        pytest.param("1357", None, id="4-digits"),
        pytest.param("135792468013", None, id="12-digits"),
        pytest.param("135", "Access codes must be 4 to 12 digits (0-9 only); this one has 3 digits.", id="3"),
        pytest.param(
            "1357924680135",
            "Access codes must be 4 to 12 digits (0-9 only); this one has 13 digits.",
            id="13",
        ),
        pytest.param(
            "13a7",
            "Access codes must be 4 to 12 digits (0-9 only); this one contains characters other than the digits 0-9.",
            id="letter",
        ),
        pytest.param(
            "\uff11\uff13\uff15\uff17",  # fullwidth 1357
            "Access codes must be 4 to 12 digits (0-9 only); this one contains characters other than the digits 0-9.",
            id="fullwidth-digits",
        ),
    ],
)
def test_code_is_4_to_12_ascii_digits(code, message):
    errors = validate(CodeDraft(code=code))
    assert errors == ({"code": [message]} if message else {})


# ----- capabilities, one-time use, rounding value, backup pool ------------------------------------


@pytest.mark.parametrize(
    ("online", "offline", "draft", "message"),
    [
        pytest.param(
            False,
            True,
            CodeDraft(),
            "This lock cannot program online access codes (can_program_online_access_codes is false). "
            "Create an offline code instead.",
            id="online-on-offline-only-lock",
        ),
        pytest.param(
            True,
            False,
            CodeDraft(starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True),
            "This lock cannot program offline access codes (can_program_offline_access_codes is false). "
            "Create an online code instead.",
            id="offline-on-online-only-lock",
        ),
    ],
)
def test_capability_flags(online, offline, draft, message):
    assert validate(draft, device(online=online, offline=offline)) == {"is_offline_access_code": [message]}


def test_offline_codes_must_be_time_bound():
    errors = validate(CodeDraft(is_offline_access_code=True), device(offline=True))
    assert errors == {"starts_at": ["Offline access codes are time-bound: set starts_at and ends_at."]}


@pytest.mark.parametrize(
    ("draft", "field", "fragment"),
    [
        pytest.param(
            CodeDraft(is_one_time_use=True, starts_at=at(days=1), ends_at=at(days=2)),
            "is_one_time_use",
            "One-time-use codes must be offline access codes.",
            id="online-one-time",
        ),
        pytest.param(
            CodeDraft(
                is_one_time_use=True, is_offline_access_code=True, starts_at=at(days=1), ends_at=at(days=2)
            ),
            "is_one_time_use",
            "This lock does not support one-time-use codes through Seam",
            id="brand-without-one-time",
        ),
    ],
)
def test_one_time_use_rules(draft, field, fragment):
    errors = validate(draft, device(offline=True))
    assert any(fragment in message for message in errors[field])


@pytest.mark.parametrize("value", ["1hour", "1h", "1day", "1d"])
def test_max_time_rounding_accepts_seam_values(value):
    assert validate(CodeDraft(max_time_rounding=value)) == {}


@pytest.mark.parametrize("value", ["2h", "1 hour", "", "1H"])
def test_max_time_rounding_rejects_other_values(value):
    errors = validate(CodeDraft(max_time_rounding=value))
    assert errors == {
        "max_time_rounding": [f"max_time_rounding must be 1hour, 1h, 1day or 1d (got {value!r})."]
    }


@pytest.mark.parametrize(
    ("dev", "draft", "fragment"),
    [
        pytest.param(
            device(),
            CodeDraft(use_backup_access_code_pool=True, starts_at=at(days=1), ends_at=at(days=2)),
            None,
            id="ok",
        ),
        pytest.param(
            device(),
            CodeDraft(use_backup_access_code_pool=True),
            "only be pulled for time-bound codes",
            id="ongoing",
        ),
        pytest.param(
            device(properties={"supports_backup_access_code_pool": False}),
            CodeDraft(use_backup_access_code_pool=True, starts_at=at(days=1), ends_at=at(days=2)),
            "This lock does not support Seam's backup access code pool.",
            id="device-says-no",
        ),
        pytest.param(
            device(offline=True),
            CodeDraft(
                use_backup_access_code_pool=True,
                is_offline_access_code=True,
                starts_at=at(days=1),
                ends_at=at(days=2),
            ),
            "offline codes cannot use the backup pool",
            id="offline",
        ),
    ],
)
def test_backup_pool(dev, draft, fragment):
    errors = validate(draft, dev)
    if fragment is None:
        assert errors == {}
    else:
        assert any(fragment in m for m in errors["use_backup_access_code_pool"])


# ----- PIN uniqueness: others whose occupancy (window + 72 h preload) overlaps ----------------------

DRAFT_WINDOW = {"starts_at": at(days=10), "ends_at": at(days=12)}


@pytest.mark.parametrize(
    ("others", "clash"),
    [
        pytest.param([other("2468")], True, id="same-pin-ongoing-other"),
        pytest.param([other("2468", at(days=11), at(days=13))], True, id="same-pin-overlapping-window"),
        pytest.param(
            [other("2468", at(days=14), at(days=16))], True, id="same-pin-starts-2d-after-preloaded"
        ),
        pytest.param([other("2468", at(days=16), at(days=18))], False, id="same-pin-starts-4d-after"),
        pytest.param([other("2468", at(days=1), at(days=5))], False, id="same-pin-ended-before"),
        pytest.param([other("2469")], False, id="different-pin"),
        pytest.param([other(None)], False, id="other-generated"),
        pytest.param([other(" 2468 ")], True, id="whitespace-ignored"),
    ],
)
def test_pin_unique_among_overlapping_codes(others, clash):
    errors = validate(CodeDraft(code="2468", **DRAFT_WINDOW), others=others)
    assert ("code" in errors) is clash
    if clash:
        assert errors["code"][0].startswith("Another code on this lock uses the same PIN")


def test_ongoing_draft_clashes_with_any_future_code():
    errors = validate(CodeDraft(code="2468"), others=[other("2468", at(days=300), at(days=301))])
    assert errors["code"][0].startswith("Another code on this lock uses the same PIN")


# ----- max_active_codes_supported -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "others", "full"),
    [
        pytest.param(2, [other()], False, id="1-other-limit-2"),
        pytest.param(2, [other(), other()], True, id="2-others-limit-2"),
        pytest.param(3, [other(), other()], False, id="2-others-limit-3"),
        pytest.param(
            2,
            [other(None, at(days=40), at(days=41)), other(None, at(days=50), at(days=51))],
            False,
            id="others-far-away",
        ),
        pytest.param(
            2,
            # occupancies (window + 72 h preload): [2d, 8d] and [8d12h, 13d], both touching the draft's [7d, 12d]
            [other(None, at(days=5), at(days=8)), other(None, at(days=11, hours=12), at(days=13))],
            False,
            id="others-overlap-draft-not-each-other",
        ),
        pytest.param(
            2,
            [other(None, at(days=9), at(days=13)), other(None, at(days=11), at(days=12))],
            True,
            id="others-overlap-each-other-in-draft",
        ),
    ],
)
def test_max_active_codes_counts_concurrent_others(limit, others, full):
    errors = validate(CodeDraft(**DRAFT_WINDOW), device(max_active_codes_supported=limit), others=others)
    assert ("__all__" in errors) is full
    if full:
        assert f"at most {limit} active codes" in errors["__all__"][0]


# ----- updates -------------------------------------------------------------------------------------


def test_unchanged_draft_is_not_rejudged():
    stale = CodeDraft(code="2468", starts_at=at(days=-5), ends_at=at(days=-1))
    assert validate(stale, previous=stale) == {}


def test_update_may_not_switch_online_to_offline():
    previous = CodeDraft(starts_at=at(days=1), ends_at=at(days=2))
    draft = CodeDraft(starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True)
    errors = validate(draft, device(offline=True), previous=previous)
    assert errors["is_offline_access_code"] == [
        "An existing code cannot switch between online and offline; create a new code instead."
    ]


def test_update_of_offline_code_is_refused_as_a_whole():
    previous = CodeDraft(starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True)
    draft = CodeDraft(name="new name", starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True)
    errors = validate(draft, device(offline=True), previous=previous)
    assert list(errors) == ["__all__"]
    assert errors["__all__"][0].startswith("Offline access codes cannot be changed once created.")


def test_update_keeping_a_past_ends_at_is_fine_but_moving_it_into_the_past_is_not():
    previous = CodeDraft(name="a", starts_at=at(days=-5), ends_at=at(days=-1))
    assert validate(CodeDraft(name="b", starts_at=at(days=-5), ends_at=at(days=-1)), previous=previous) == {}
    moved = CodeDraft(name="a", starts_at=at(days=-5), ends_at=at(days=-2))
    assert "ends_at" in validate(moved, previous=previous)


# ----- registry ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PROVIDERS))
def test_registry_returns_the_brand_provider(key):
    assert provider_for(key) is PROVIDERS[key]
    assert provider_for(key).key == key


@pytest.mark.parametrize("manufacturer", ["august", "schlage", "yale", "acme", "", None])
def test_unknown_or_generic_brands_get_the_generic_provider(manufacturer):
    assert provider_for(manufacturer) is GENERIC


def test_registry_lookup_ignores_case_and_spaces():
    assert provider_for(" IglooHome ") is PROVIDERS["igloohome"]
