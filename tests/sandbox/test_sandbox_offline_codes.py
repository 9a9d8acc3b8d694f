"""Offline (algorithmic) PINs: generated at once, never updated or deleted, brand rules enforced."""

from datetime import UTC, datetime, timedelta


def next_hour(server, days=1) -> datetime:
    now = server.clock.now()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(days=days, hours=1)


def offline(api, device, **body):
    return api("access_codes/create", device_id=device["device_id"], is_offline_access_code=True, **body)


def test_igloohome_hourly_code_is_generated_and_set(server, api):
    igloo = api.device("igloohome")
    starts = next_hour(server)
    response = offline(api, igloo, name="Guest", starts_at=starts, ends_at=starts + timedelta(hours=5))
    assert response.status_code == 200, response.text
    code = response.json()["access_code"]
    assert code["status"] == "set"
    assert code["is_offline_access_code"] is True
    assert code["code"].isdigit() and len(code["code"]) == 9
    assert code["type"] == "time_bound" and code["warnings"] == []


def test_offline_codes_refuse_update_and_delete(server, api):
    igloo = api.device("igloohome")
    starts = next_hour(server)
    code = offline(api, igloo, starts_at=starts, ends_at=starts + timedelta(hours=3)).json()["access_code"]
    error = api.error("access_codes/update", 400, access_code_id=code["access_code_id"], name="Renamed")
    assert error["type"] == "invalid_input" and "cannot be modified" in error["message"]
    error = api.error("access_codes/delete", 400, access_code_id=code["access_code_id"])
    assert error["type"] == "invalid_input" and "cannot be deleted" in error["message"]
    assert api.code(code["access_code_id"])["status"] == "set"


def test_igloohome_rules(server, api):
    igloo = api.device("igloohome")
    starts = next_hour(server)
    custom = offline(api, igloo, code="123456789", starts_at=starts, ends_at=starts + timedelta(hours=2))
    assert custom.status_code == 400 and "custom code" in custom.json()["error"]["message"]
    ongoing = offline(api, igloo)
    assert ongoing.status_code == 400 and "time-bound" in ongoing.json()["error"]["message"]
    uneven = offline(api, igloo, starts_at=starts, ends_at=starts + timedelta(days=30, hours=5))
    assert uneven.status_code == 400 and "same time of day" in uneven.json()["error"]["message"]
    rounded = offline(
        api, igloo, starts_at=starts, ends_at=starts + timedelta(days=30, hours=5), max_time_rounding="1d"
    )
    assert rounded.status_code == 200, rounded.text
    too_long = offline(api, igloo, starts_at=starts, ends_at=starts + timedelta(days=400))
    assert too_long.status_code == 400 and "29 to 367 days" in too_long.json()["error"]["message"]
    daily = offline(api, igloo, starts_at=starts, ends_at=starts + timedelta(days=60))
    assert daily.status_code == 200
    assert (
        daily.json()["access_code"]["warnings"][0]["warning_code"]
        == "igloo_algopin_must_be_used_within_24_hours"
    )


def test_igloohome_at_most_three_hourly_codes_start_in_one_hour(server, api):
    igloo = api.device("igloohome")
    starts = next_hour(server, days=2)
    for hours in (2, 3, 4):
        assert (
            offline(api, igloo, starts_at=starts, ends_at=starts + timedelta(hours=hours)).status_code == 200
        )
    fourth = offline(
        api, igloo, starts_at=starts + timedelta(minutes=20), ends_at=starts + timedelta(hours=6)
    )
    assert fourth.status_code == 400 and "at most 3" in fourth.json()["error"]["message"]
    later = offline(api, igloo, starts_at=starts + timedelta(hours=1), ends_at=starts + timedelta(hours=6))
    assert later.status_code == 200


def test_igloohome_one_time_use_codes(server, api):
    igloo = api.device("igloohome")
    missing = offline(api, igloo, is_one_time_use=True)
    assert missing.status_code == 400 and "starts_at" in missing.json()["error"]["message"]
    starts = next_hour(server)
    for _ in range(5):
        response = offline(api, igloo, is_one_time_use=True, starts_at=starts)
        assert response.status_code == 200, response.text
    code = response.json()["access_code"]
    assert code["is_one_time_use"] is True
    assert code["ends_at"] == (starts + timedelta(hours=24)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
    sixth = offline(api, igloo, is_one_time_use=True, starts_at=starts)
    assert sixth.status_code == 400 and "at most 5" in sixth.json()["error"]["message"]


def oracode_window(days_ahead: int, nights: int, start_local="15:00", end_local="11:00"):
    # The demo site's slots are in UTC-05:00.
    base = (datetime.now(UTC) + timedelta(days=days_ahead)).date()
    starts = datetime.fromisoformat(f"{base}T{start_local}:00-05:00")
    ends = datetime.fromisoformat(f"{base + timedelta(days=nights)}T{end_local}:00-05:00")
    return starts, ends


def test_dormakaba_code_snaps_to_a_predefined_slot(api):
    oracode = api.device("dormakaba_oracode")
    starts, ends = oracode_window(3, 2, start_local="15:40", end_local="10:30")
    response = offline(api, oracode, starts_at=starts, ends_at=ends)
    assert response.status_code == 200, response.text
    code = response.json()["access_code"]
    assert code["status"] == "set"
    assert code["code"].startswith("1") and len(code["code"]) == 8  # prefix of "Standard Stay"
    assert datetime.fromisoformat(code["starts_at"]) == starts.replace(minute=0)
    assert datetime.fromisoformat(code["ends_at"]) == ends.replace(hour=11, minute=0)


def test_dormakaba_rules(api):
    oracode = api.device("dormakaba_oracode")
    starts, ends = oracode_window(3, 2, start_local="17:30")
    no_slot = offline(api, oracode, starts_at=starts, ends_at=ends)
    assert no_slot.status_code == 400
    assert "time slot" in no_slot.json()["error"]["message"]
    assert "Master" not in no_slot.json()["error"]["message"]  # master levels are never offered
    starts, ends = oracode_window(3, 40)
    assert "1 to 31 days" in offline(api, oracode, starts_at=starts, ends_at=ends).json()["error"]["message"]
    starts, ends = oracode_window(3, 2)
    assert offline(api, oracode, starts_at=starts, ends_at=ends, code="12345678").status_code == 400
    one_time = offline(api, oracode, starts_at=starts, ends_at=ends, is_one_time_use=True)
    assert one_time.status_code == 400 and "one-time" in one_time.json()["error"]["message"]


def test_lockly_offline_codes_take_any_window(server, api):
    lockly = api.device("lockly")
    starts = server.clock.now() + timedelta(hours=3, minutes=17)
    response = offline(api, lockly, starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=5))
    assert response.status_code == 200, response.text
    assert response.json()["access_code"]["status"] == "set"
    assert len(response.json()["access_code"]["code"]) == 8
    one_time = offline(
        api, lockly, is_one_time_use=True, starts_at=starts, ends_at=starts + timedelta(hours=4)
    )
    assert one_time.status_code == 200 and one_time.json()["access_code"]["is_one_time_use"] is True


def test_offline_codes_expire_at_ends_at(server, api):
    lockly = api.device("lockly")
    starts = server.clock.now() + timedelta(hours=1)
    code = offline(api, lockly, starts_at=starts, ends_at=starts + timedelta(hours=2)).json()["access_code"]
    server.clock.advance(hours=3, seconds=server.config.remove_delay_seconds + 1)
    api.error("access_codes/get", 404, access_code_id=code["access_code_id"])
