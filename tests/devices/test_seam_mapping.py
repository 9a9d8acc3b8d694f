"""Seam device/account dicts → model fields, including the odd shapes providers send."""

import json

from devices.seam_mapping import connected_account_fields, device_content_hash, device_fields, device_timezone


def ultraloq(time_zone, location_timezone="America/New_York"):
    return {
        "device_id": "d1",
        "location": {"timezone": location_timezone},
        "properties": {"manufacturer": "ultraloq", "ultraloq_metadata": {"time_zone": time_zone}},
    }


def test_ultraloq_metadata_timezone_wins_over_location():
    assert device_timezone(ultraloq("America/Los_Angeles")) == "America/Los_Angeles"


def test_missing_or_bogus_timezone_falls_back_then_blanks():
    assert device_timezone(ultraloq(None)) == "America/New_York"
    assert device_timezone(ultraloq("Mars/Olympus_Mons", location_timezone=None)) == ""
    assert device_timezone({"device_id": "d1"}) == ""


def test_full_device():
    seam_device = {
        "device_id": "d1",
        "connected_account_id": "a1",
        "device_type": "igloohome_lock",
        "display_name": "Unit 4B",
        "capabilities_supported": ["access_code", "lock"],
        "can_program_online_access_codes": False,
        "can_program_offline_access_codes": True,
        "errors": [{"error_code": "device_offline", "message": "Offline"}],
        "warnings": [{"warning_code": "device_has_flaky_connection", "message": "Flaky"}],
        "location": {"timezone": "Europe/Paris"},
        "properties": {
            "online": False,
            "locked": True,
            "battery_level": 0.42,
            "manufacturer": "igloohome",
            "model": {"display_name": "Smart Deadbolt 2S"},
            "supported_code_lengths": [4, 5, 6, 7, 8, 9],
            "max_active_codes_supported": 199,
            "code_constraints": [{"constraint_type": "cannot_specify_pin_code"}],
        },
    }
    fields = device_fields(seam_device)
    assert fields == {
        "seam_device_id": "d1",
        "name": "Unit 4B",
        "device_type": "igloohome_lock",
        "manufacturer": "igloohome",
        "model": "Smart Deadbolt 2S",
        "online": False,
        "locked": True,
        "battery_level": 0.42,
        "can_program_online_access_codes": False,
        "can_program_offline_access_codes": True,
        "capabilities_supported": ["access_code", "lock"],
        "supported_code_lengths": [4, 5, 6, 7, 8, 9],
        "max_active_codes_supported": 199,
        "code_constraints": [{"constraint_type": "cannot_specify_pin_code"}],
        "timezone": "Europe/Paris",
        "properties": seam_device["properties"],
        "errors": seam_device["errors"],
        "warnings": seam_device["warnings"],
    }


def test_sparse_and_junk_values_do_not_raise():
    fields = device_fields(
        {
            "device_id": "d2",
            "display_name": None,
            "errors": None,
            "properties": {
                "name": "From properties",
                "battery_level": True,
                "max_active_codes_supported": -1,
            },
        },
    )
    assert fields["name"] == "From properties"
    assert fields["battery_level"] is None
    assert fields["max_active_codes_supported"] is None
    assert fields["errors"] == []
    assert fields["locked"] is None
    assert fields["online"] is False
    assert device_fields({"device_id": "d3", "properties": None})["name"] == "d3"


def test_long_names_are_cut_to_the_column():
    assert len(device_fields({"device_id": "d4", "display_name": "x" * 500})["name"]) == 200


def test_connected_account_name_falls_back_to_user_identifier():
    fields = connected_account_fields(
        {
            "connected_account_id": "a1",
            "account_type": "august",
            "user_identifier": {"email": "o@example.com"},
        },
    )
    assert (fields["display_name"], fields["account_type"]) == ("o@example.com", "august")


def test_content_hash_is_equal_for_equal_json_and_differs_for_any_change():
    """The sync skips a device whose hash equals the stored one: every change must change the hash."""
    text = json.dumps(
        {
            "device_id": "d1",
            "display_name": "Front door",
            "errors": [],
            "properties": {
                "online": True,
                "name": "Front door",
                "battery_level": 0.5,
                "code_constraints": [],
            },
        }
    )
    # Decoded twice, as two syncs do: equal data in fresh objects, sharing keys as the JSON decoder does.
    first, second = json.loads(text), json.loads(text)
    assert device_content_hash(first, connected_account_pk=7) == device_content_hash(
        second, connected_account_pk=7
    )

    baseline = device_content_hash(first, connected_account_pk=7)
    assert device_content_hash(first, connected_account_pk=8) != baseline
    assert device_content_hash(first, connected_account_pk=None) != baseline
    for change in (
        lambda device: device["properties"].update(online=False),
        lambda device: device["properties"].update(battery_level=0.49),
        lambda device: device["properties"].update(online=1),  # == True in Python, not to the mapping
        lambda device: device["errors"].append({"error_code": "device_offline"}),
        lambda device: device.update(display_name="Front door "),
    ):
        changed = json.loads(text)
        change(changed)
        assert device_content_hash(changed, connected_account_pk=7) != baseline
