"""Lockly, Kwikset, Nuki, Tedee, Salto: each brand rule, at and around its limit."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.providers import CodeDraft, DeviceFacts, describe_rules, validate_access_code

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(days=0, hours=0, minutes=0):
    return NOW + timedelta(days=days, hours=hours, minutes=minutes)


def device(manufacturer, offline=False, **extra):
    return DeviceFacts(manufacturer, True, offline, **extra)


def validate(manufacturer, draft, previous=None, **device_extra):
    dev = device(manufacturer, **device_extra)
    return validate_access_code(device=dev, draft=draft, others=(), previous=previous, now=NOW)


def code_errors(manufacturer, code, **device_extra):
    return validate(manufacturer, CodeDraft(code=code), **device_extra).get("code", [])


# ----- PIN rules per brand -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "code", "fragment"),
    [
        pytest.param("lockly", "24681", "Lockly codes must be 6 to 8 digits", id="lockly-5"),
        pytest.param("lockly", "246813", None, id="lockly-6"),
        pytest.param("lockly", "24681357", None, id="lockly-8"),
        pytest.param("lockly", "246813579", "Lockly codes must be 6 to 8 digits", id="lockly-9"),
        pytest.param("kwikset", "246", "Kwikset codes must be 4 to 8 digits", id="kwikset-3"),
        pytest.param("kwikset", "2468", None, id="kwikset-4"),
        pytest.param("kwikset", "24681357", None, id="kwikset-8"),
        pytest.param("kwikset", "246813579", "Kwikset codes must be 4 to 8 digits", id="kwikset-9"),
        pytest.param("nuki", "3456", None, id="nuki-ok"),
        pytest.param("nuki", "3405", "Codes for Nuki locks cannot contain the digit 0.", id="nuki-zero"),
        pytest.param("nuki", "1256", "Codes for Nuki locks cannot start with 12.", id="nuki-12"),
        pytest.param("nuki", "2156", None, id="nuki-12-not-at-start"),
        pytest.param("tedee", "1357", "Tedee codes must be 5 to 8 digits", id="tedee-4"),
        pytest.param("tedee", "13579", None, id="tedee-5"),
        pytest.param("tedee", "13579246", None, id="tedee-8"),
        pytest.param("tedee", "135792468", "Tedee codes must be 5 to 8 digits", id="tedee-9"),
        pytest.param(
            "tedee",
            "11222",
            "Codes for Tedee locks must contain at least 3 different digits.",
            id="tedee-2-distinct",
        ),
        pytest.param("tedee", "11223", None, id="tedee-3-distinct"),
        pytest.param(
            "tedee", "34567", "Codes for Tedee locks cannot be a plain ascending", id="tedee-ascending"
        ),
        pytest.param(
            "tedee", "76543", "Codes for Tedee locks cannot be a plain ascending", id="tedee-descending"
        ),
        pytest.param("tedee", "34568", None, id="tedee-almost-sequence"),
        pytest.param("salto", "246813", "Salto locks generate their own 6-10 digit PINs", id="salto-custom"),
        pytest.param("salto", None, None, id="salto-generated"),
        pytest.param("august", "2468", None, id="generic-brand"),
    ],
)
def test_brand_pin_rules(manufacturer, code, fragment):
    errors = code_errors(manufacturer, code)
    if fragment is None:
        assert errors == []
    else:
        assert len(errors) == 1
        assert errors[0].startswith(fragment)


def test_brand_rule_also_reported_by_the_device_gives_one_message():
    errors = code_errors("nuki", "3405", code_constraints=({"constraint_type": "no_zeros"},))
    assert errors == ["Codes for Nuki locks cannot contain the digit 0."]


@pytest.mark.parametrize(
    ("manufacturer", "code"),
    [
        ("august", "975"),
        ("august", "9753186420864"),
        ("ultraloq", "975318642"),
        ("kwikset", "975318642"),
        ("lockly", "97531"),
        ("tedee", "98765"),
        ("tedee", "99888"),
        ("nuki", "975310"),
        ("salto", "975318"),
        ("igloohome", "9753186"),
        ("schlage", "97531"),
    ],
)
def test_messages_never_quote_the_pin(manufacturer, code):
    dev_extra = {"supported_code_lengths": (4, 6)} if manufacturer == "schlage" else {}
    errors = validate(manufacturer, CodeDraft(code=code), **dev_extra)
    assert errors, "the case must produce an error to be meaningful"
    assert all(code not in message for messages in errors.values() for message in messages)


# ----- Lockly ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field", "fragment"),
    [
        pytest.param(
            CodeDraft(
                starts_at=at(days=1), ends_at=at(days=3, hours=7, minutes=13), is_offline_access_code=True
            ),
            None,
            None,
            id="offline-any-window",
        ),
        pytest.param(
            CodeDraft(starts_at=at(days=1), ends_at=at(days=90), is_offline_access_code=True),
            None,
            None,
            id="offline-90-days",
        ),
        pytest.param(
            CodeDraft(
                starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True, is_one_time_use=True
            ),
            None,
            None,
            id="one-time-with-window",
        ),
        pytest.param(
            CodeDraft(starts_at=at(days=1), is_offline_access_code=True, is_one_time_use=True),
            "ends_at",
            "Both starts_at and ends_at must be provided together",
            id="one-time-needs-end",
        ),
        pytest.param(
            CodeDraft(starts_at=at(days=1), ends_at=at(days=2), is_offline_access_code=True, code="24681357"),
            "code",
            "Lockly generates offline codes itself",
            id="offline-custom-code",
        ),
        pytest.param(
            CodeDraft(starts_at=at(days=1), ends_at=at(days=2), use_backup_access_code_pool=True),
            "use_backup_access_code_pool",
            "Lockly locks do not support Seam's backup access code pool.",
            id="backup-pool",
        ),
    ],
)
def test_lockly_offline_and_one_time(draft, field, fragment):
    errors = validate("lockly", draft, offline=True)
    if field is None:
        assert errors == {}
    else:
        assert any(m.startswith(fragment) for m in errors[field])


def test_lockly_time_bound_needs_configured_zone():
    draft = CodeDraft(starts_at=at(days=1), ends_at=at(days=2))
    errors = validate("lockly", draft, warning_codes=("lockly_time_zone_not_configured",))
    assert "lockly_time_zone_not_configured" in errors["__all__"][0]
    assert validate("lockly", CodeDraft(), warning_codes=("lockly_time_zone_not_configured",)) == {}


# ----- Kwikset ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [("A", False), ("AB", True), ("Guest 12345678", True), ("Guest 123456789", False)],
    ids=["1-char", "2-chars", "14-chars", "15-chars"],
)
def test_kwikset_name_2_to_14_characters(name, ok):
    errors = validate("kwikset", CodeDraft(name=name))
    if ok:
        assert errors == {}
    else:
        assert errors == {
            "name": [f"Kwikset code names must be 2 to 14 characters; this one has {len(name)}."]
        }


@pytest.mark.parametrize(
    ("lead_minutes", "ok"),
    [(-5, False), (14, False), (15, True), (60, True)],
    ids=["past", "14min", "15min", "1h"],
)
def test_kwikset_starts_at_least_15_minutes_ahead_on_create(lead_minutes, ok):
    errors = validate("kwikset", CodeDraft(starts_at=at(minutes=lead_minutes), ends_at=at(days=1)))
    if ok:
        assert errors == {}
    else:
        assert errors["starts_at"][0].startswith(
            "Kwikset time-bound codes must start at least 15 minutes from now"
        )


def test_kwikset_lead_time_not_applied_on_update():
    previous = CodeDraft(name="Old", starts_at=at(minutes=5), ends_at=at(days=1))
    assert (
        validate("kwikset", CodeDraft(name="New", starts_at=at(minutes=5), ends_at=at(days=1)), previous)
        == {}
    )


# ----- Salto -------------------------------------------------------------------------------------------------


def test_salto_has_no_backup_pool():
    errors = validate(
        "salto", CodeDraft(starts_at=at(days=1), ends_at=at(days=2), use_backup_access_code_pool=True)
    )
    assert errors == {
        "use_backup_access_code_pool": ["Salto locks do not support Seam's backup access code pool."]
    }


# ----- describe_rules mentions each brand's key limits ----------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "fragments"),
    [
        ("kwikset", ["4 to 8 digits", "2 to 14 characters", "15 minutes"]),
        ("lockly", ["6 to 8 digits", "one-time-use", "cannot be changed"]),
        ("nuki", ["digit 0", "start with 12"]),
        ("tedee", ["5 to 8 digits", "3 different digits", "ascending or descending"]),
        ("salto", ["cannot choose the PIN", "6-10 digit"]),
        ("august", ["4 to 12 digits", "both a start and an end"]),
    ],
)
def test_describe_rules_per_brand(manufacturer, fragments):
    text = " ".join(describe_rules(device(manufacturer, offline=manufacturer == "lockly")))
    for fragment in fragments:
        assert fragment in text
