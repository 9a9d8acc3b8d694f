"""The "late" fault: the client gets an error at once, and the sandbox processes the request later, when
its clock passes the fault's `delay_seconds` (Seam answering 504 and creating the code 75 s later)."""

import httpx
import pytest


def codes_on(api, device) -> list[dict]:
    return api.ok("access_codes/list", device_id=device["device_id"])["access_codes"]


def test_late_create_appears_only_after_the_clock_passes_the_delay(server, api):
    august = api.device("august")
    server.faults.add(route="access_codes/create", status=504, phase="late", delay_seconds=75, times=1)
    error = api.error("access_codes/create", 504, device_id=august["device_id"], name="Late", code="5931")
    assert error["type"]
    assert codes_on(api, august) == []

    server.clock.advance(74)
    assert codes_on(api, august) == []

    server.clock.advance(2)
    (late,) = codes_on(api, august)
    assert (late["name"], late["code"]) == ("Late", "5931")
    server.clock.advance(3600)
    assert len(codes_on(api, august)) == 1  # processed once, not on every later request


def test_late_request_is_processed_by_the_clock_control_and_a_tick(server, api):
    august = api.device("august")
    server.faults.add(route="access_codes/create", status=503, phase="late", delay_seconds=30, times=1)
    api.error("access_codes/create", 503, device_id=august["device_id"], code="4826")
    httpx.post(f"{server.url}/_sandbox/clock/advance", json={"seconds": 31}).raise_for_status()
    server.tick()
    assert server.faults.take_due(server.clock.now()) == []  # the tick, not the next request, ran it
    assert [code["code"] for code in codes_on(api, august)] == ["4826"]


def test_late_request_refused_when_processed_is_dropped_silently(server, api):
    server.faults.add(route="access_codes/create", status=504, phase="late", delay_seconds=5, times=1)
    api.error("access_codes/create", 504, device_id="no-such-device", code="1234")
    server.clock.advance(10)
    api.ok("devices/list")  # the held request fails inside the sandbox; this request is unaffected


@pytest.mark.parametrize(
    "options, field",
    [
        ({"phase": "late", "latency_ms": 100}, "status"),
        ({"phase": "late", "status": 504, "delay_seconds": -1}, "delay_seconds"),
        ({"phase": "late", "status": 504, "delay_seconds": "soon"}, "delay_seconds"),
        ({"phase": "later", "status": 504}, "phase"),
    ],
)
def test_invalid_late_faults_are_refused_with_a_clear_error(server, options, field):
    response = httpx.post(
        f"{server.url}/_sandbox/faults/set", json={"route": "access_codes/create", **options}
    )
    assert response.status_code == 400
    assert field in response.text
