"""Fixtures for the sandbox tests: a fresh SandboxServer on a free port per test, and a tiny client."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from portal.seam.sandbox import SandboxServer

# Long enough that a slow test never sees a transition happen on its own: tests move the clock instead.
SET_DELAY = 30
REMOVE_DELAY = 30


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Api:
    """A Seam API client bound to one key: `api("route", **body)` -> httpx.Response."""

    def __init__(self, url: str, key: str | None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.key = key
        self.http = httpx.Client(base_url=url, headers=headers, timeout=10)

    def __call__(self, route: str, **body) -> httpx.Response:
        content = json.dumps(body, default=iso)
        return self.http.post(f"/{route}", content=content, headers={"Content-Type": "application/json"})

    def ok(self, route: str, **body) -> dict:
        response = self(route, **body)
        assert response.status_code == 200, response.text
        assert response.json()["ok"] is True
        return response.json()

    def error(self, route: str, status: int, **body) -> dict:
        response = self(route, **body)
        assert response.status_code == status, response.text
        assert response.json()["ok"] is False
        return response.json()["error"]

    def device(self, manufacturer: str, **properties) -> dict:
        for device in self.ok("devices/list", manufacturer=manufacturer)["devices"]:
            if all(device["properties"].get(k) == v for k, v in properties.items()):
                return device
        raise AssertionError(f"no {manufacturer} demo device matching {properties}")

    def code(self, access_code_id: str) -> dict:
        return self.ok("access_codes/get", access_code_id=access_code_id)["access_code"]

    def event_types(self, **filters) -> list[str]:
        return [event["event_type"] for event in self.ok("events/list", **filters)["events"]]


@pytest.fixture
def server():
    with SandboxServer(host="127.0.0.1", port=0) as sandbox:
        sandbox.configure(set_delay_seconds=SET_DELAY, remove_delay_seconds=REMOVE_DELAY)
        yield sandbox


@pytest.fixture
def make_api(server):
    clients = []

    def make(key: str | None = "auto") -> Api:
        client = Api(server.url, f"seam_sandbox_{uuid.uuid4().hex}" if key == "auto" else key)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.http.close()


@pytest.fixture
def api(make_api) -> Api:
    """A fresh auto-provisioned workspace (seam_sandbox_ key) with the demo devices."""
    return make_api()
