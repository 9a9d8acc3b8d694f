"""Provider and API rules answered as Seam would, and Seam's per-device rate limits."""

from datetime import timedelta


def create(api, device, **body):
    return api("access_codes/create", device_id=device["device_id"], **body)


def message(response) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_input"
    return response.json()["error"]["message"]


def test_time_window_rules(server, api):
    august = api.device("august")
    now = server.clock.now()
    assert message(create(api, august, starts_at=now + timedelta(hours=1))) == (
        "Both starts_at and ends_at must be provided together"
    )
    assert message(create(api, august, ends_at=now + timedelta(hours=1))) == (
        "Both starts_at and ends_at must be provided together"
    )
    backwards = create(api, august, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1))
    assert message(backwards) == "ends_at must be after starts_at"
    assert "ends_at" in backwards.json()["error"]["validation_errors"]
    assert "ISO 8601" in message(create(api, august, starts_at="tomorrow", ends_at="later"))


def test_code_format_and_device_lengths(api):
    assert "4 to 12 digits" in message(create(api, api.device("august"), code="12a4"))
    assert "4 to 12 digits" in message(create(api, api.device("august"), code="123"))
    assert "length 6, 7, 8" in message(create(api, api.device("lockly"), code="4829"))
    ultraloq = api.device("ultraloq")
    assert message(create(api, ultraloq, code="123456789")) == (
        "Access code must be 4-8 digit numeric PIN for Ultraloq devices"
    )
    generated = create(api, api.device("lockly")).json()["access_code"]["code"]
    assert len(generated) in (6, 7, 8)
    preferred = create(api, api.device("yale"), preferred_code_length=7).json()["access_code"]["code"]
    assert len(preferred) == 7
    assert "preferred_code_length" in message(create(api, api.device("lockly"), preferred_code_length=4))


def test_ultraloq_time_bound_codes_need_the_device_time_zone(server, api):
    ultraloqs = api.ok("devices/list", manufacturer="ultraloq")["devices"]
    known = next(d for d in ultraloqs if d["properties"]["ultraloq_metadata"]["time_zone"])
    unknown = next(d for d in ultraloqs if not d["properties"]["ultraloq_metadata"]["time_zone"])
    now = server.clock.now()
    window = {"starts_at": now + timedelta(days=1), "ends_at": now + timedelta(days=2)}
    assert message(create(api, unknown, **window)) == (
        "Time zone required for time-bound access codes on Ultraloq devices"
    )
    assert create(api, unknown, code="482913").status_code == 200  # permanent codes need no time zone
    assert create(api, known, **window).status_code == 200


def test_capability_rules(api):
    assert "cannot program online access codes" in message(create(api, api.device("igloohome")))
    august = api.device("august")
    assert "cannot program offline access codes" in message(create(api, august, is_offline_access_code=True))
    assert "only supported for offline" in message(create(api, august, is_one_time_use=True))
    assert "backup pool" in message(create(api, august, use_backup_access_code_pool=True))


def test_duplicate_code_on_device_is_409_unless_windows_do_not_overlap(server, api):
    schlage = api.device("schlage")
    now = server.clock.now()
    first = {"starts_at": now + timedelta(days=1), "ends_at": now + timedelta(days=3)}
    assert create(api, schlage, code="7391", **first).status_code == 200
    clash = create(
        api, schlage, code="7391", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=4)
    )
    assert clash.status_code == 409
    assert clash.json()["error"]["type"] == "duplicate_access_code"
    later = create(
        api, schlage, code="7391", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=5)
    )
    assert later.status_code == 200
    assert create(api, schlage, code="7391").status_code == 409  # ongoing overlaps everything
    assert create(api, api.device("yale"), code="7391").status_code == 200  # other lock, no clash


def test_unmanaged_codes_occupy_their_pin(server, api):
    kwikset = api.device("kwikset")
    server.add_unmanaged(api.key, kwikset["device_id"], "2580", "Cleaner")
    unmanaged = api.ok("access_codes/unmanaged/list", device_id=kwikset["device_id"])["access_codes"]
    assert [(c["code"], c["name"], c["is_managed"]) for c in unmanaged] == [("2580", "Cleaner", False)]
    assert create(api, kwikset, code="2580").status_code == 409
    assert api.ok("access_codes/list", device_id=kwikset["device_id"])["access_codes"] == []


def test_device_code_constraints(server, api):
    august = api.device("august")
    server.update_device(
        august["device_id"], properties={"code_constraints": [{"constraint_type": "no_zeros"}]}
    )
    assert "no_zeros" in message(create(api, august, code="4802"))
    for _ in range(5):
        assert "0" not in create(api, august).json()["access_code"]["code"]


def test_long_names_are_truncated_in_appearance_only(api):
    schlage = api.device("schlage")  # its keypad stores at most 9 characters
    code = create(api, schlage, name="Guest Jonathan Smith").json()["access_code"]
    assert code["name"] == "Guest Jonathan Smith"
    assert code["appearance"]["name"] == "Guest Jon"


def test_per_device_rate_limit_answers_429_with_retry_after(server, api):
    yale, august = api.device("yale"), api.device("august")
    for _ in range(10):
        assert create(api, yale).status_code == 200
    limited = create(api, yale)
    assert limited.status_code == 429
    assert limited.json()["error"]["type"] == "rate_limited"
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert create(api, august).status_code == 200  # limits are per device
    server.clock.advance(seconds=retry_after)
    assert create(api, yale).status_code == 200
    # The sandbox counts the 429s it answered, per device and action.
    assert server.control("rate_limits/refused")["refused"] == {yale["device_id"]: {"create": 1}}


def test_update_and_delete_rate_limits(server, api):
    kwikset = api.device("kwikset")
    code_id = create(api, kwikset).json()["access_code"]["access_code_id"]
    for n in range(10):
        assert api("access_codes/update", access_code_id=code_id, name=f"n{n}").status_code == 200
    assert api("access_codes/update", access_code_id=code_id, name="x").status_code == 429
    server.configure(rate_limits_enabled=False)
    assert api("access_codes/update", access_code_id=code_id, name="x").status_code == 200
