"""Fault injection: failing before processing, after processing (lost answers), latency, scoping."""

import json
import socket
import struct
import time

import httpx
import pytest


def codes_on(api, device) -> list[dict]:
    return api.ok("access_codes/list", device_id=device["device_id"])["access_codes"]


def test_before_phase_fails_without_side_effects(server, api):
    august = api.device("august")
    server.faults.add(route="access_codes/create", status=500, times=1)
    error = api.error("access_codes/create", 500, device_id=august["device_id"], code="5931")
    assert error["type"] == "internal_server_error"
    assert codes_on(api, august) == []
    api.ok("access_codes/create", device_id=august["device_id"], code="5931")  # times=1: used up


def test_after_phase_loses_the_answer_but_the_code_exists(server, api):
    august = api.device("august")
    server.faults.add(route="access_codes/create", status=503, phase="after", times=1)
    error = api.error("access_codes/create", 503, device_id=august["device_id"], name="Lost answer")
    assert error["type"] == "service_unavailable"
    assert [code["name"] for code in codes_on(api, august)] == ["Lost answer"]
    assert "access_code.created" in api.event_types(device_id=august["device_id"])


def test_after_phase_latency_delays_a_processed_answer(server, api):
    august = api.device("august")
    server.faults.add(route="access_codes/create", latency_ms=400, phase="after", times=1)
    headers = {"Authorization": f"Bearer {api.key}"}
    with (
        httpx.Client(base_url=server.url, headers=headers, timeout=0.1) as short,
        pytest.raises(httpx.ReadTimeout),
    ):
        short.post("/access_codes/create", json={"device_id": august["device_id"], "name": "Timed out"})
    time.sleep(0.4)  # let the sandbox finish answering the abandoned request
    assert [code["name"] for code in codes_on(api, august)] == ["Timed out"]


def test_429_fault_carries_retry_after(server, api):
    server.faults.add(route="devices/*", status=429, retry_after=7, times=2)
    for _ in range(2):
        response = api("devices/list")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json()["error"]["type"] == "rate_limited"
    assert api("devices/list").status_code == 200


def test_before_phase_latency_only(server, api):
    server.faults.add(route="workspaces/get", latency_ms=250)
    started = time.monotonic()
    api.ok("workspaces/get")
    assert time.monotonic() - started >= 0.25


def test_workspace_outage_is_scoped_to_one_key(server, make_api):
    down, up = make_api(), make_api()
    down.ok("workspaces/get")  # provision before scoping by key
    server.faults.add(route="*", status=503, api_key=down.key)
    assert down.error("devices/list", 503)["type"] == "service_unavailable"
    assert down.error("access_codes/list", 503, device_id="x")["type"] == "service_unavailable"
    up.ok("devices/list")
    assert server.faults.clear() == 1
    down.ok("devices/list")


def test_rate_zero_never_fires_and_rate_one_always_does(server, api):
    never = server.faults.add(route="workspaces/get", status=500, rate=0.0)
    for _ in range(5):
        api.ok("workspaces/get")
    server.faults.clear(never.fault_id)
    server.faults.add(route="workspaces/get", status=502, rate=1.0, times=3)
    assert [api("workspaces/get").status_code for _ in range(4)] == [502, 502, 502, 200]


def test_faults_over_http_including_fake_compatible_outage(server, api):
    control = httpx.Client(base_url=server.url, timeout=5)
    fault = control.post("/_sandbox/faults/set", json={"route": "devices/list", "status": 500}).json()[
        "fault"
    ]
    assert api("devices/list").status_code == 500
    listed = control.post("/_sandbox/faults/list").json()["faults"]
    assert [item["fault_id"] for item in listed] == [fault["fault_id"]]
    control.post("/_sandbox/faults/clear", json={"fault_id": fault["fault_id"]})
    assert api("devices/list").status_code == 200

    workspace_id = api.ok("workspaces/get")["workspace"]["workspace_id"]
    outage = control.post(
        "/_fake/simulate_workspace_outage", json={"workspace_id": workspace_id, "routes": ["/devices/list"]}
    )
    assert outage.status_code == 200
    assert api("devices/list").status_code == 503
    assert api("workspaces/get").status_code == 200
    bad = control.post("/_sandbox/faults/set", json={"route": "*", "status": 503, "phase": "during"})
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_input"
    control.close()


def test_a_client_that_stops_waiting_costs_no_traceback(server, api, capsys):
    august = api.device("august")
    server.faults.add(route="access_codes/create", latency_ms=300, phase="after", times=1)
    body = json.dumps({"device_id": august["device_id"], "name": "Abandoned"}).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(
            b"POST /access_codes/create HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {api.key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        # Closed with a reset, as a killed process's socket is: the late answer finds no one.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.6)
    assert [code["name"] for code in codes_on(api, august)] == ["Abandoned"]
    assert "Traceback" not in capsys.readouterr().err
