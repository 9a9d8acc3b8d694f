"""Rules the device reports (supported_code_lengths, code_constraints), on a generic-brand lock."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.providers import CodeDraft, DeviceFacts, OtherCode, describe_rules, validate_access_code

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(days=0, hours=0):
    return NOW + timedelta(days=days, hours=hours)


def device(*constraints, **extra):
    return DeviceFacts(
        manufacturer="schlage",
        can_program_online_access_codes=True,
        can_program_offline_access_codes=False,
        code_constraints=tuple(constraints),
        **extra,
    )


def validate(draft, dev, others=()):
    return validate_access_code(device=dev, draft=draft, others=others, now=NOW)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        pytest.param("1357", True, id="4-supported"),
        pytest.param("135790", True, id="6-supported"),
        pytest.param("13579", False, id="5-unsupported"),
        pytest.param("1357913", False, id="7-unsupported"),
    ],
)
def test_supported_code_lengths(code, ok):
    errors = validate(CodeDraft(code=code), device(supported_code_lengths=(4, 6)))
    if ok:
        assert errors == {}
    else:
        assert errors == {
            "code": [
                f"This lock accepts codes of 4 or 6 digits (supported_code_lengths); this one has {len(code)}."
            ]
        }


PATTERN_CASES = [
    ("no_zeros", "1203", "1234", "cannot contain the digit 0"),
    ("cannot_start_with_12", "1256", "2156", "cannot start with 12"),
    ("no_triple_consecutive_ints", "5123", "1357", "three digits in a row"),
    ("no_triple_consecutive_ints", "5111", "1124", "three digits in a row"),
    ("no_triple_consecutive_ints", "8321", "8531", "three digits in a row"),
    ("no_ascending_or_descending_sequence", "12345", "12346", "ascending or descending sequence"),
    ("no_ascending_or_descending_sequence", "98765", "98763", "ascending or descending sequence"),
    ("no_ascending_or_descending_sequence", "67890", "67891", "ascending or descending sequence"),
    ("at_least_three_unique_digits", "1122", "1123", "at least 3 different digits"),
    ("no_all_same_digits", "7777", "7778", "cannot repeat a single digit"),
    ("cannot_contain_089", "1238", "1237", "digits 1 to 7"),
    ("cannot_contain_089", "1209", "1234", "digits 1 to 7"),
    ("cannot_contain_0789", "1267", "1256", "digits 1 to 6"),
]


@pytest.mark.parametrize(
    ("constraint", "bad", "good", "fragment"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in PATTERN_CASES],
)
def test_pin_pattern_constraints(constraint, bad, good, fragment):
    dev = device({"constraint_type": constraint})
    errors = validate(CodeDraft(code=bad), dev)
    assert len(errors["code"]) == 1
    assert fragment in errors["code"][0]
    assert validate(CodeDraft(code=good), dev) == {}


@pytest.mark.parametrize(
    ("constraint", "bad", "good", "fragment"), [pytest.param(*c, id=c[0]) for c in PATTERN_CASES[:2]]
)
def test_pattern_constraints_are_ignored_when_not_reported(constraint, bad, good, fragment):
    assert validate(CodeDraft(code=bad), device()) == {}


def test_cannot_specify_pin_code():
    dev = device({"constraint_type": "cannot_specify_pin_code"})
    assert validate(CodeDraft(code="2468"), dev) == {
        "code": ["This lock's provider generates the PIN (cannot_specify_pin_code): leave the code empty."]
    }
    assert validate(CodeDraft(code=None), dev) == {}


@pytest.mark.parametrize(
    ("constraint", "clash"),
    [
        pytest.param({"constraint_type": "unique_first_four_digits"}, True, id="reported"),
        pytest.param(None, False, id="absent"),
    ],
)
def test_unique_first_four_digits(constraint, clash):
    dev = device(*([constraint] if constraint else []))
    errors = validate(CodeDraft(code="246813"), dev, others=[OtherCode("246899", None, None, False, False)])
    assert ("code" in errors) is clash
    if clash:
        assert "first four digits" in errors["code"][0]


@pytest.mark.parametrize(
    ("constraint", "name", "message"),
    [
        pytest.param({"min_length": 2, "max_length": 5}, "Ann", None, id="within"),
        pytest.param(
            {"min_length": 2, "max_length": 5},
            "Annabel",
            "must be 2 to 5 characters; this one has 7.",
            id="long",
        ),
        pytest.param(
            {"min_length": 2, "max_length": 5}, "A", "must be 2 to 5 characters; this one has 1.", id="short"
        ),
        pytest.param({"min_length": 2, "max_length": 5}, "", None, id="empty-left-to-seam"),
        pytest.param(
            {"max_length": 3}, "Anna", "must be at most 3 characters; this one has 4.", id="max-only"
        ),
        pytest.param(
            {"min_length": 3}, "Al", "must be at least 3 characters; this one has 2.", id="min-only"
        ),
    ],
)
def test_name_length(constraint, name, message):
    errors = validate(CodeDraft(name=name), device({"constraint_type": "name_length", **constraint}))
    if message is None:
        assert errors == {}
    else:
        assert errors == {"name": [f"Code names on this lock {message}"]}


@pytest.mark.parametrize(("name", "clash"), [("Guest A", True), ("  guest a ", True), ("Guest B", False)])
def test_name_must_be_unique(name, clash):
    dev = device({"constraint_type": "name_must_be_unique"})
    errors = validate(
        CodeDraft(name=name), dev, others=[OtherCode(None, None, None, False, False, name="Guest A")]
    )
    assert ("name" in errors) is clash


@pytest.mark.parametrize(("starts_in_hours", "ok"), [(-1, False), (1, True)])
def test_start_date_in_future(starts_in_hours, ok):
    dev = device({"constraint_type": "start_date_in_future"})
    errors = validate(CodeDraft(starts_at=at(hours=starts_in_hours), ends_at=at(days=2)), dev)
    if ok:
        assert errors == {}
    else:
        assert errors == {
            "starts_at": [
                "This lock requires time-bound codes to start in the future (start_date_in_future); "
                "this one starts 1 hour ago."
            ]
        }


def test_unverifiable_and_unknown_constraints_do_not_block_but_are_described():
    dev = device({"constraint_type": "pin_code_matches_existing_set"}, {"constraint_type": "something_new"})
    assert validate(CodeDraft(code="2468"), dev) == {}
    assert any("must match one already used" in s for s in describe_rules(dev))


def test_describe_lists_reported_rules():
    dev = device(
        {"constraint_type": "no_zeros"},
        {"constraint_type": "name_length", "min_length": 1, "max_length": 12},
        supported_code_lengths=(4, 5, 6, 7, 8),
        max_active_codes_supported=250,
    )
    text = " ".join(describe_rules(dev))
    assert "4 to 8 digits" in text
    assert "digit 0" in text
    assert "1 to 12 characters" in text
    assert "at most 250 active codes" in text
