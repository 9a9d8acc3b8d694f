"""Status transitions on the sandbox clock: setting -> set, native vs just-in-time, expiry, delete."""

from datetime import timedelta


def create(api, device, **body):
    return api.ok("access_codes/create", device_id=device["device_id"], **body)


def test_ongoing_code_goes_setting_then_set(server, api):
    device = api.device("august")
    created = create(api, device, name="Resident", code="4821")
    code = created["access_code"]
    assert code["status"] == "setting"
    assert code["type"] == "ongoing" and code["starts_at"] is None
    assert code["pending_mutations"][0]["mutation_code"] == "creating"
    assert created["action_attempt"]["status"] == "pending"
    server.clock.advance(seconds=server.config.set_delay_seconds - 1)
    assert api.code(code["access_code_id"])["status"] == "setting"
    server.clock.advance(seconds=2)
    assert api.code(code["access_code_id"])["status"] == "set"
    assert api.code(code["access_code_id"])["pending_mutations"] == []
    attempt = api.ok("action_attempts/get", action_attempt_id=created["action_attempt"]["action_attempt_id"])
    assert attempt["action_attempt"]["status"] == "success"
    assert attempt["action_attempt"]["action_type"] == "CREATE_ACCESS_CODE"
    assert api.event_types(access_code_id=code["access_code_id"]) == [
        "access_code.created",
        "access_code.set_on_device",
    ]


def test_native_scheduling_preloads_72h_ahead_and_activates_at_start(server, api):
    device = api.device("schlage")
    now = server.clock.now()
    starts, ends = now + timedelta(days=5), now + timedelta(days=7)
    code = create(api, device, name="Guest", starts_at=starts, ends_at=ends)["access_code"]
    code_id = code["access_code_id"]
    assert (code["status"], code["is_scheduled_on_device"]) == ("unset", False)
    server.clock.advance(days=2)  # 3 days before start: not yet preloaded
    assert api.code(code_id)["is_scheduled_on_device"] is False
    server.clock.advance(
        days=1, seconds=server.config.set_delay_seconds + 1
    )  # 72 h before start + programming time
    preloaded = api.code(code_id)
    assert (preloaded["status"], preloaded["is_scheduled_on_device"]) == ("unset", True)
    server.clock.advance(days=2)
    assert api.code(code_id)["status"] == "set"
    assert api.event_types(access_code_id=code_id) == [
        "access_code.created",
        "access_code.scheduled_on_device",
        "access_code.set_on_device",
    ]
    events = {e["event_type"]: e for e in api.ok("events/list", access_code_id=code_id)["events"]}
    # occurred_at is the logical moment, even though one clock jump covered it.
    assert events["access_code.set_on_device"]["occurred_at"] == code["starts_at"]


def test_just_in_time_when_native_scheduling_is_declined(server, api):
    device = api.device("august")
    now = server.clock.now()
    starts = now + timedelta(days=2)
    code = create(
        api, device, starts_at=starts, ends_at=starts + timedelta(days=1), prefer_native_scheduling=False
    )["access_code"]
    code_id = code["access_code_id"]
    server.clock.advance(days=1, hours=22, minutes=59)  # 61 min before start
    assert api.code(code_id)["status"] == "unset"
    server.clock.advance(minutes=1, seconds=10)  # programming started 10 s ago, 60 min before start
    assert api.code(code_id)["status"] == "setting"
    server.clock.advance(seconds=server.config.set_delay_seconds)
    assert api.code(code_id)["status"] == "set"
    assert api.code(code_id)["is_scheduled_on_device"] is False


def test_brand_without_native_scheduling_is_just_in_time(server, api):
    device = api.device("lockly")
    starts = server.clock.now() + timedelta(days=4)
    code = create(api, device, starts_at=starts, ends_at=starts + timedelta(hours=5))["access_code"]
    server.clock.advance(days=1)  # inside the 72 h window, but Lockly cannot hold a schedule
    assert api.code(code["access_code_id"])["is_scheduled_on_device"] is False
    assert api.code(code["access_code_id"])["status"] == "unset"


def test_time_bound_code_is_removed_at_ends_at_and_then_404(server, api):
    device = api.device("yale")
    now = server.clock.now()
    code = create(api, device, starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    code_id = code["access_code"]["access_code_id"]
    server.clock.advance(minutes=30)
    assert api.code(code_id)["status"] == "set"
    server.clock.advance(hours=1, minutes=30, seconds=10)  # 10 s past ends_at
    removing = api.code(code_id)
    assert removing["status"] == "removing"
    assert removing["pending_mutations"][0]["mutation_code"] == "deleting"
    server.clock.advance(seconds=server.config.remove_delay_seconds)
    assert api.error("access_codes/get", 404, access_code_id=code_id)["type"] == "access_code_not_found"
    assert api.event_types(access_code_id=code_id)[-2:] == [
        "access_code.removed_from_device",
        "access_code.deleted",
    ]


def test_one_clock_jump_plays_the_whole_life_of_a_code(server, api):
    device = api.device("kwikset")
    now = server.clock.now()
    code = create(api, device, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    code_id = code["access_code"]["access_code_id"]
    server.clock.advance(days=3)
    api.error("access_codes/get", 404, access_code_id=code_id)
    assert api.event_types(access_code_id=code_id) == [
        "access_code.created",
        "access_code.scheduled_on_device",
        "access_code.set_on_device",
        "access_code.removed_from_device",
        "access_code.deleted",
    ]


def test_delete_moves_to_removing_then_gone(server, api):
    device = api.device("august")
    code_id = create(api, device)["access_code"]["access_code_id"]
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    deleted = api.ok("access_codes/delete", access_code_id=code_id)
    assert deleted["action_attempt"]["status"] == "success"
    assert deleted["action_attempt"]["action_type"] == "DELETE_ACCESS_CODE"
    assert api.code(code_id)["status"] == "removing"
    api.ok("access_codes/delete", access_code_id=code_id)  # repeating a delete is harmless
    server.clock.advance(seconds=server.config.remove_delay_seconds + 1)
    api.error("access_codes/get", 404, access_code_id=code_id)
    api.error("access_codes/delete", 404, access_code_id=code_id)
    assert api.event_types(access_code_id=code_id)[-2:] == [
        "access_code.deleted",
        "access_code.removed_from_device",
    ]


def test_offline_device_delays_setting_until_it_is_back(server, api):
    device = api.device("august")
    server.update_device(device["device_id"], online=False)
    code_id = create(api, device)["access_code"]["access_code_id"]
    server.clock.advance(minutes=5)
    code = api.code(code_id)
    assert code["status"] == "setting"
    assert [w["warning_code"] for w in code["warnings"]] == ["delay_in_setting_on_device"]
    server.update_device(device["device_id"], online=True)
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    code = api.code(code_id)
    assert code["status"] == "set" and code["warnings"] == []
    assert "access_code.delay_in_setting_on_device" in api.event_types(access_code_id=code_id)


def test_injected_failure_and_delay(server, api):
    device = api.device("schlage")
    server.fail_to_set(device_id=device["device_id"])
    created = create(api, device)
    failing = created["access_code"]["access_code_id"]
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    code = api.code(failing)
    assert [e["error_code"] for e in code["errors"]] == ["failed_to_set_on_device"]
    assert code["status"] != "set"
    attempt = api.ok("action_attempts/get", action_attempt_id=created["action_attempt"]["action_attempt_id"])
    assert attempt["action_attempt"]["status"] == "error"
    # Only the next code failed; the one after sets normally.
    healthy = create(api, device)["access_code"]["access_code_id"]
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    assert api.code(healthy)["status"] == "set"

    delayed = create(api, device)["access_code"]["access_code_id"]
    server.delay_setting(access_code_id=delayed)
    server.clock.advance(minutes=10)
    assert api.code(delayed)["status"] == "setting"
    assert api.code(delayed)["warnings"][0]["warning_code"] == "delay_in_setting_on_device"
    server.delay_setting(access_code_id=delayed, enabled=False)
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    assert api.code(delayed)["status"] == "set"


def test_update_changes_code_and_reprograms(server, api):
    device = api.device("august")
    code_id = create(api, device, name="Old", code="5813")["access_code"]["access_code_id"]
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    result = api.ok("access_codes/update", access_code_id=code_id, code="7294", name="New")
    assert result["action_attempt"]["status"] == "success"
    assert result["action_attempt"]["action_type"] == "UPDATE_ACCESS_CODE"
    code = api.code(code_id)
    assert (code["code"], code["name"], code["status"]) == ("7294", "New", "setting")
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    assert api.code(code_id)["status"] == "set"
    now = server.clock.now()
    api.ok(
        "access_codes/update",
        access_code_id=code_id,
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    assert api.code(code_id)["type"] == "time_bound"
    assert "access_code.changed" in api.event_types(access_code_id=code_id)
