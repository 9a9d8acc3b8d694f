"""Demo devices, their brand properties, pagination and device changes."""

import base64

BRANDS = {"august", "schlage", "yale", "kwikset", "igloohome", "dormakaba_oracode", "ultraloq", "lockly"}


def test_demo_devices_cover_every_brand_with_seam_shaped_objects(api):
    devices = api.ok("devices/list")["devices"]
    assert {d["properties"]["manufacturer"] for d in devices} == BRANDS
    accounts = api.ok("connected_accounts/list")["connected_accounts"]
    assert len(accounts) == len(BRANDS)  # one connected account per brand
    assert {d["connected_account_id"] for d in devices} == {a["connected_account_id"] for a in accounts}
    for device in devices:
        properties = device["properties"]
        assert device["capabilities_supported"] == ["access_code", "lock"]
        assert 0 <= properties["battery_level"] <= 1
        assert properties["battery"]["level"] == properties["battery_level"]
        assert properties["model"]["manufacturer_display_name"]
        assert properties["supported_code_lengths"]
        assert device["location"].keys() >= {"timezone", "location_name"}
        assert device["display_name"] and device["created_at"].endswith("Z")


def test_offline_only_brands_and_their_metadata(api):
    igloo = api.device("igloohome")
    assert igloo["can_program_offline_access_codes"] is True
    assert igloo["can_program_online_access_codes"] is False
    assert igloo["properties"]["online"] is False
    oracode = api.device("dormakaba_oracode")
    assert oracode["device_type"] == "dormakaba_oracode_door"
    assert oracode["can_program_online_access_codes"] is False
    slots = oracode["properties"]["dormakaba_oracode_metadata"]["predefined_time_slots"]
    assert {"Standard Stay", "Master"} <= {slot["name"] for slot in slots}
    standard = next(slot for slot in slots if slot["name"] == "Standard Stay")
    assert standard["check_in_time"].startswith("15:00:00") and standard["check_out_time"].startswith(
        "11:00:00"
    )
    assert oracode["properties"]["dormakaba_oracode_metadata"]["site_name"]


def test_ultraloq_with_and_without_timezone_and_lockly(api):
    ultraloqs = api.ok("devices/list", manufacturer="ultraloq")["devices"]
    zones = {d["properties"]["ultraloq_metadata"]["time_zone"] for d in ultraloqs}
    assert zones == {"America/Los_Angeles", None}
    unknown = next(d for d in ultraloqs if d["properties"]["ultraloq_metadata"]["time_zone"] is None)
    assert [w["warning_code"] for w in unknown["warnings"]] == ["ultraloq_time_zone_unknown"]
    assert unknown["warnings"][0]["message"] and unknown["warnings"][0]["created_at"]
    lockly = api.device("lockly")
    assert lockly["can_program_online_access_codes"] and lockly["can_program_offline_access_codes"]
    assert lockly["properties"]["supported_code_lengths"] == [6, 7, 8]


def test_pagination_walks_more_than_500_devices_once_each(server, api):
    added = server.add_devices(api_key=api.key, count=1200, manufacturer="august")
    assert len(added) == 1200
    seen, cursor, pages = [], None, 0
    while True:
        body = {"manufacturer": "august"} | ({"page_cursor": cursor} if cursor else {})
        page = api.ok("devices/list", **body)
        pages += 1
        seen += [d["device_id"] for d in page["devices"]]
        assert len(page["devices"]) <= 500
        if not page["pagination"]["has_next_page"]:
            assert page["pagination"]["next_page_cursor"] is None
            break
        cursor = page["pagination"]["next_page_cursor"]
        assert page["pagination"]["next_page_url"].startswith(f"{server.url}/devices/list?")
    assert pages == 3
    assert len(seen) == len(set(seen)) == 1201  # the demo August lock plus the 1200 added
    assert set(added) <= set(seen)


def test_pagination_limit_and_cursor_bound_to_its_query(api):
    first = api.ok("devices/list", limit=4)
    assert len(first["devices"]) == 4 and first["pagination"]["has_next_page"]
    cursor = first["pagination"]["next_page_cursor"]
    second = api.ok("devices/list", limit=4, page_cursor=cursor)
    assert not {d["device_id"] for d in first["devices"]} & {d["device_id"] for d in second["devices"]}
    assert api.error("devices/list", 400, manufacturer="yale", page_cursor=cursor)["type"] == "invalid_input"
    garbage = base64.urlsafe_b64encode(b"nonsense").decode()
    assert api.error("devices/list", 400, page_cursor=garbage)["type"] == "invalid_input"


def test_device_filters(api):
    devices = api.ok("devices/list")["devices"]
    wanted = [devices[0]["device_id"], devices[3]["device_id"]]
    assert [d["device_id"] for d in api.ok("devices/list", device_ids=wanted)["devices"]] == wanted
    account = devices[5]["connected_account_id"]
    filtered = api.ok("devices/list", connected_account_id=account)["devices"]
    assert filtered and all(d["connected_account_id"] == account for d in filtered)


def test_device_update_offline_online_emits_events(server, api):
    device = api.device("yale")
    server.update_device(device["device_id"], online=False)
    offline = api.ok("devices/get", device_id=device["device_id"])["device"]
    assert offline["properties"]["online"] is False
    assert [e["error_code"] for e in offline["errors"]] == ["device_offline"]
    server.update_device(device["device_id"], online=True, warnings=["device_has_flaky_connection"])
    online = api.ok("devices/get", device_id=device["device_id"])["device"]
    assert online["errors"] == [] and online["warnings"][0]["warning_code"] == "device_has_flaky_connection"
    assert api.event_types(device_id=device["device_id"]) == ["device.disconnected", "device.connected"]
