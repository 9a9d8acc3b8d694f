"""What each lock's code form offers comes from its provider: the same rules `validate` applies."""

from datetime import timedelta

import pytest

from accesscodes.providers import DeviceFacts, form_options, lock_zone_name


def lock(manufacturer, online, offline, **facts):
    return DeviceFacts(manufacturer, online, offline, **facts)


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (
            lock("august", True, False),
            {"custom_pin": True, "one_time_use": False, "time_rounding": False, "backup_pool": True},
        ),
        (
            lock("igloohome", False, True),
            {"custom_pin": False, "one_time_use": True, "time_rounding": True, "backup_pool": False},
        ),
        (
            lock("igloohome", True, True),
            {"custom_pin": True, "one_time_use": True, "time_rounding": True, "backup_pool": True},
        ),
        (
            lock("dormakaba_oracode", False, True),
            {"custom_pin": False, "one_time_use": False, "time_rounding": False, "backup_pool": False},
        ),
        (
            lock("lockly", True, True),
            {"custom_pin": True, "one_time_use": True, "time_rounding": False, "backup_pool": False},
        ),
        (
            lock("salto", True, False),
            {"custom_pin": False, "one_time_use": False, "time_rounding": False, "backup_pool": False},
        ),
        (
            lock("schlage", True, False, code_constraints=({"constraint_type": "cannot_specify_pin_code"},)),
            {"custom_pin": False, "one_time_use": False, "time_rounding": False, "backup_pool": True},
        ),
        (
            lock("august", True, False, properties={"supports_backup_access_code_pool": False}),
            {"custom_pin": True, "one_time_use": False, "time_rounding": False, "backup_pool": False},
        ),
    ],
    ids=[
        "august",
        "igloohome-offline",
        "igloohome-bridge",
        "oracode",
        "lockly",
        "salto",
        "no-pin",
        "no-pool",
    ],
)
def test_form_options_follow_the_providers_rules(device, expected):
    options = form_options(device)
    assert {name: getattr(options, name) for name in expected} == expected


def test_offline_only_and_the_note_on_a_pin_only_one_kind_of_code_takes():
    assert form_options(lock("igloohome", False, True)).offline_only
    assert not form_options(lock("igloohome", True, True)).offline_only
    bridge = form_options(lock("igloohome", True, True))
    assert "igloohome generates offline codes" in bridge.pin_note
    assert form_options(lock("august", True, False)).pin_note == ""


def test_a_one_time_code_without_an_end_lasts_what_the_provider_gives_it():
    assert form_options(lock("igloohome", False, True)).one_time_use_lasts == timedelta(hours=24)
    assert form_options(lock("lockly", True, True)).one_time_use_lasts is None  # Lockly needs an end


def test_the_locks_zone_is_the_one_its_provider_trusts():
    assert lock_zone_name(lock("august", True, False, timezone="Europe/Paris")) == "Europe/Paris"
    assert lock_zone_name(lock("august", True, False, timezone="Not/AZone")) is None
    unknown = lock(
        "ultraloq", True, False, timezone="Europe/Paris", warning_codes=("ultraloq_time_zone_unknown",)
    )
    assert lock_zone_name(unknown) is None
