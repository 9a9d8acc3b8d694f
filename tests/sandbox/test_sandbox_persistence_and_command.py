"""state_file round-trips, HTTP control routes, and the seam_sandbox management command."""

import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx

from portal.seam.sandbox import SandboxServer

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def test_state_file_keeps_workspaces_codes_and_clock(tmp_path):
    state_file = tmp_path / "sandbox.json"
    key = "seam_test_persisted"
    with SandboxServer(state_file=state_file) as first:
        first.create_workspace(api_key=key, name="Persisted")
        client = httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {key}"})
        device = client.post("/devices/list", json={"manufacturer": "august"}).json()["devices"][0]
        now = first.clock.now()
        created = client.post(
            "/access_codes/create",
            json={
                "device_id": device["device_id"],
                "name": "Survivor",
                "starts_at": (now + timedelta(days=1)).isoformat(),
                "ends_at": (now + timedelta(days=2)).isoformat(),
            },
        ).json()["access_code"]
        first.clock.advance(hours=3)
        client.close()
    assert state_file.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sandbox-state-")]  # no temp files left

    with SandboxServer(state_file=state_file) as second:
        assert second.clock.offset_seconds >= 3 * 3600
        client = httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {key}"})
        code = client.post("/access_codes/get", json={"access_code_id": created["access_code_id"]}).json()
        assert code["access_code"]["name"] == "Survivor"
        assert code["access_code"]["code"] == created["code"]
        assert client.post("/workspaces/get").json()["workspace"]["name"] == "Persisted"
        # The lifecycle carries on after the restart.
        second.clock.advance(days=3)
        gone = client.post("/access_codes/get", json={"access_code_id": created["access_code_id"]})
        assert gone.status_code == 404
        client.close()


def test_every_control_operation_is_reachable_over_http(server):
    control = httpx.Client(base_url=server.url, timeout=5)

    def post(operation, /, **body):
        response = control.post(f"/_sandbox/{operation}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    key = "seam_test_over_http"
    workspace_id = post("workspaces/create", api_key=key, name="HTTP", demo_devices=False)["workspace_id"]
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
    assert api.post("/workspaces/get").json()["workspace"]["workspace_id"] == workspace_id
    device_ids = post("devices/add", api_key=key, count=3, manufacturer="kwikset")["device_ids"]
    assert len(api.post("/devices/list").json()["devices"]) == 3
    post("devices/update", device_id=device_ids[0], online=False, properties={"battery_level": 0.1})
    device = api.post("/devices/get", json={"device_id": device_ids[0]}).json()["device"]
    assert device["properties"]["online"] is False and device["properties"]["battery_level"] == 0.1

    assert post("config", set_delay_seconds=5)["config"]["set_delay_seconds"] == 5
    before = post("clock/get")["offset_seconds"]
    post("clock/advance", hours=1)
    assert post("clock/get")["offset_seconds"] >= before + 3600
    post("tick")

    post("access_codes/fail_to_set", device_id=device_ids[1])
    failing = api.post("/access_codes/create", json={"device_id": device_ids[1]}).json()["access_code"]
    post("access_codes/delay_setting", device_id=device_ids[2])
    delayed = api.post("/access_codes/create", json={"device_id": device_ids[2]}).json()["access_code"]
    post("clock/advance", seconds=6)
    failed = api.post("/access_codes/get", json={"access_code_id": failing["access_code_id"]}).json()
    assert failed["access_code"]["errors"][0]["error_code"] == "failed_to_set_on_device"
    waiting = api.post("/access_codes/get", json={"access_code_id": delayed["access_code_id"]}).json()
    assert waiting["access_code"]["warnings"][0]["warning_code"] == "delay_in_setting_on_device"

    post("access_codes/modify_externally", access_code_id=delayed["access_code_id"], code="1357")
    post("access_codes/delete_externally", access_code_id=failing["access_code_id"])
    assert (
        api.post("/access_codes/get", json={"access_code_id": failing["access_code_id"]}).status_code == 404
    )
    post("access_codes/add_unmanaged", api_key=key, device_id=device_ids[0], code="8642", name="Owner")
    unmanaged = api.post("/access_codes/unmanaged/list", json={"device_id": device_ids[0]}).json()
    assert [c["code"] for c in unmanaged["access_codes"]] == ["8642"]

    post("devices/remove", device_id=device_ids[0])
    assert api.post("/devices/get", json={"device_id": device_ids[0]}).status_code == 404
    assert api.post("/access_codes/unmanaged/list", json={"device_id": device_ids[0]}).status_code == 404
    assert post("config", api_key=key)["config"]["set_delay_seconds"] == 5  # api_key is ignored there

    fault = post("faults/set", route="devices/list", status=503)["fault"]
    assert api.post("/devices/list").status_code == 503
    post("faults/clear")
    assert api.post("/devices/list").status_code == 200
    assert fault["fault_id"]
    assert control.post("/_sandbox/nope").status_code == 404
    assert (
        control.post("/_sandbox/devices/add", json={"api_key": "seam_unknown", "count": 1}).status_code == 401
    )
    api.close()
    control.close()


def test_management_command_serves_and_stops_on_sigterm(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            str(MANAGE),
            "seam_sandbox",
            "--port",
            "0",
            "--state-file",
            str(tmp_path / "s.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert match, line
        response = httpx.post(
            f"{match.group(1)}/workspaces/get",
            headers={"Authorization": "Bearer seam_sandbox_cli"},
            timeout=5,
        )
        assert response.status_code == 200 and response.json()["workspace"]["is_sandbox"] is True
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0, output
        assert "Seam sandbox stopped." in output
        assert (tmp_path / "s.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
