"""events/list filters, access_codes/list, backup codes, external changes, connect webviews."""

from datetime import timedelta

import httpx


def create(api, device, **body):
    return api.ok("access_codes/create", device_id=device["device_id"], **body)["access_code"]


def test_events_list_filters(server, api):
    august, yale = api.device("august"), api.device("yale")
    first = create(api, august)
    server.clock.advance(minutes=5)
    server.tick()  # record the first code's set_on_device now, before `middle`
    middle = server.clock.advance(seconds=1)
    server.clock.advance(seconds=1)
    second = create(api, yale)
    server.clock.advance(minutes=5)
    events = api.ok("events/list")["events"]
    assert {"event_id", "event_type", "workspace_id", "created_at", "occurred_at", "device_id"} <= events[
        0
    ].keys()
    assert {e["access_code_id"] for e in api.ok("events/list", since=middle)["events"]} == {
        second["access_code_id"]
    }
    before = api.ok("events/list", between=[middle - timedelta(minutes=10), middle])["events"]
    assert {e["access_code_id"] for e in before} == {first["access_code_id"]}
    assert api.event_types(device_id=yale["device_id"]) == [
        "access_code.created",
        "access_code.set_on_device",
    ]
    assert api.event_types(access_code_id=first["access_code_id"], event_type="access_code.created") == [
        "access_code.created"
    ]
    only_set = api.ok("events/list", event_types=["access_code.set_on_device"])["events"]
    assert len(only_set) == 2 and all(e["event_type"] == "access_code.set_on_device" for e in only_set)
    assert len(api.ok("events/list", limit=3)["events"]) == 3
    event = api.ok("events/get", event_id=only_set[0]["event_id"])["event"]
    assert event == only_set[0]


def test_access_codes_list_by_device_and_ids_with_pagination(api):
    august = api.device("august")
    ids = [create(api, august, name=f"Guest {n}")["access_code_id"] for n in range(5)]
    listed = api.ok("access_codes/list", device_id=august["device_id"])["access_codes"]
    assert [code["access_code_id"] for code in listed] == ids
    picked = api.ok("access_codes/list", access_code_ids=ids[1:3])["access_codes"]
    assert [code["access_code_id"] for code in picked] == ids[1:3]
    page = api.ok("access_codes/list", device_id=august["device_id"], limit=2)
    assert len(page["access_codes"]) == 2 and page["pagination"]["has_next_page"]
    assert api.error("access_codes/list", 400)["type"] == "invalid_input"


def test_access_code_object_shape(server, api):
    now = server.clock.now()
    code = create(
        api,
        api.device("yale"),
        name="Jane Doe",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
        allow_external_modification=True,
        common_code_key="unit-7",
    )
    assert code.keys() >= {
        "access_code_id", "device_id", "workspace_id", "name", "code", "common_code_key", "type", "status",
        "starts_at", "ends_at", "created_at", "errors", "warnings", "is_managed", "is_offline_access_code",
        "is_one_time_use", "is_external_modification_allowed", "is_scheduled_on_device",
        "is_waiting_for_code_assignment", "is_backup_access_code_available", "pending_mutations", "appearance",
    }  # fmt: skip
    assert code["is_external_modification_allowed"] is True
    assert code["appearance"]["name"] == "Jane Doe"
    sibling = create(api, api.device("kwikset"), common_code_key="unit-7")
    assert sibling["code"] == code["code"]  # one PIN for every lock sharing the key


def test_backup_code_is_pulled_once_for_the_same_window(server, api):
    now = server.clock.now()
    original = create(
        api,
        api.device("schlage"),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(days=2),
        use_backup_access_code_pool=True,
    )
    assert original["is_backup_access_code_available"] is True
    backup = api.ok("access_codes/pull_backup_access_code", access_code_id=original["access_code_id"])
    backup = backup["backup_access_code"]
    again = api.ok("access_codes/pull_backup_access_code", access_code_id=original["access_code_id"])
    assert again["backup_access_code"]["access_code_id"] == backup["access_code_id"]
    assert backup["code"] != original["code"] and backup["status"] == "set"
    assert (backup["starts_at"], backup["ends_at"]) == (original["starts_at"], original["ends_at"])
    assert api.event_types(event_type="access_code.backup_access_code_pulled") == [
        "access_code.backup_access_code_pulled"
    ]
    plain = create(
        api, api.device("schlage"), starts_at=now + timedelta(hours=2), ends_at=now + timedelta(days=1)
    )
    assert api.error("access_codes/pull_backup_access_code", 400, access_code_id=plain["access_code_id"])


def test_external_modification_error_or_warning(server, api):
    strict = create(api, api.device("august"), code="4455")
    lenient = create(api, api.device("yale"), code="6677", allow_external_modification=True)
    server.modify_externally(strict["access_code_id"], "9999")
    server.modify_externally(lenient["access_code_id"], "8888")
    strict, lenient = api.code(strict["access_code_id"]), api.code(lenient["access_code_id"])
    assert [e["error_code"] for e in strict["errors"]] == ["code_modified_external_to_seam"]
    assert strict["code"] == "4455"  # Seam keeps (and re-sets) its declared PIN
    assert [w["warning_code"] for w in lenient["warnings"]] == ["code_modified_external_to_seam"]
    assert lenient["errors"] == [] and lenient["code"] == "8888"
    assert (
        api.event_types(event_type="access_code.modified_external_to_seam")
        == ["access_code.modified_external_to_seam"] * 2
    )


def test_external_deletion_removes_the_code(server, api):
    code = create(api, api.device("kwikset"))
    server.delete_externally(code["access_code_id"])
    api.error("access_codes/get", 404, access_code_id=code["access_code_id"])
    assert (
        api.event_types(access_code_id=code["access_code_id"])[-1] == "access_code.deleted_external_to_seam"
    )


def test_connect_webview_authorization_adds_an_account_with_devices(server, api):
    webview = api.ok("connect_webviews/create", accepted_providers=["yale"])["connect_webview"]
    assert webview["status"] == "pending" and webview["url"].startswith(server.url)
    before = len(api.ok("devices/list")["devices"])
    assert httpx.get(webview["url"]).status_code == 200  # the "user" finishing the flow
    done = api.ok("connect_webviews/get", connect_webview_id=webview["connect_webview_id"])["connect_webview"]
    assert done["status"] == "authorized" and done["login_successful"] is True
    account = api.ok("connected_accounts/get", connected_account_id=done["connected_account_id"])
    assert account["connected_account"]["account_type"] == "yale_access"
    devices = api.ok("devices/list", connected_account_id=done["connected_account_id"])["devices"]
    assert len(devices) == 2 and len(api.ok("devices/list")["devices"]) == before + 2
