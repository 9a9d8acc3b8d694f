"""API keys, workspaces and isolation between them."""

import httpx


def test_missing_malformed_and_unknown_keys_answer_401(server, make_api):
    for client in (make_api(None), make_api("seam_not_a_known_key")):
        error = client.error("devices/list", 401)
        assert error["type"] == "unauthorized"
    malformed = httpx.post(f"{server.url}/devices/list", json={}, headers={"Authorization": "Token abc"})
    assert malformed.status_code == 401
    assert malformed.json() == {
        "ok": False,
        "error": {"type": "unauthorized", "message": malformed.json()["error"]["message"]},
    }


def test_sandbox_prefixed_key_is_provisioned_with_demo_devices(api):
    workspace = api.ok("workspaces/get")["workspace"]
    assert workspace["is_sandbox"] is True
    assert workspace["workspace_id"]
    assert len(api.ok("devices/list")["devices"]) == 9


def test_created_workspace_key_is_known_and_can_start_empty(server, make_api):
    workspace_id = server.create_workspace(api_key="seam_test_empty_1", name="Empty", demo_devices=False)
    client = make_api("seam_test_empty_1")
    workspace = client.ok("workspaces/get")["workspace"]
    assert (workspace["workspace_id"], workspace["name"], workspace["is_sandbox"]) == (
        workspace_id,
        "Empty",
        True,
    )
    assert client.ok("devices/list")["devices"] == []
    # Creating it again is idempotent: same workspace, nothing duplicated.
    assert server.create_workspace(api_key="seam_test_empty_1", name="Empty") == workspace_id


def test_nothing_of_one_workspace_is_visible_through_another_key(make_api):
    alice, bob = make_api(), make_api()
    device = alice.device("august")
    code = alice.ok("access_codes/create", device_id=device["device_id"], name="Alice guest")
    code_id = code["access_code"]["access_code_id"]
    webhook = alice.ok("webhooks/create", url="http://127.0.0.1:9/hook")["webhook"]

    assert bob.error("devices/get", 404, device_id=device["device_id"])["type"] == "device_not_found"
    assert bob.error("access_codes/get", 404, access_code_id=code_id)["type"] == "access_code_not_found"
    assert bob.error("access_codes/list", 404, device_id=device["device_id"])["type"] == "device_not_found"
    assert bob.ok("access_codes/list", access_code_ids=[code_id])["access_codes"] == []
    assert bob.error("access_codes/delete", 404, access_code_id=code_id)["type"] == "access_code_not_found"
    assert bob.error("access_codes/create", 404, device_id=device["device_id"])["type"] == "device_not_found"
    assert bob.error("webhooks/get", 404, webhook_id=webhook["webhook_id"])["type"] == "webhook_not_found"
    attempt_id = code["action_attempt"]["action_attempt_id"]
    assert (
        bob.error("action_attempts/get", 404, action_attempt_id=attempt_id)["type"]
        == "action_attempt_not_found"
    )
    assert bob.ok("events/list", access_code_id=code_id)["events"] == []
    assert device["device_id"] not in {d["device_id"] for d in bob.ok("devices/list")["devices"]}
    # ...while Alice still sees all of it.
    assert alice.code(code_id)["name"] == "Alice guest"
    assert "access_code.created" in alice.event_types(access_code_id=code_id)


def test_unknown_route_is_404_and_get_with_query_params_reads(api, server):
    assert api.error("doors/open", 404)["type"] == "not_found"
    device = api.device("schlage")
    response = api.http.get("/devices/get", params={"device_id": device["device_id"]})
    assert response.status_code == 200
    assert response.json()["device"]["display_name"] == device["display_name"]
