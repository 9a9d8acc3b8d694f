"""Fixtures for the Seam client tests: a scripted HTTP server and clients pointed at it."""

from __future__ import annotations

import socket
import threading

import pytest
from scripted_server import ScriptedServer

from portal.seam import SeamClient

API_KEY = "seam_test_k3y_must_never_leak_0123456789"


@pytest.fixture
def api_key():
    return API_KEY


@pytest.fixture
def server():
    srv = ScriptedServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def make_client(server):
    """Clients with tiny backoff so retry tests stay fast; override any constructor argument."""
    clients = []

    def factory(**overrides) -> SeamClient:
        options = {
            "api_key": API_KEY,
            "base_url": server.url,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_retries": 2,
            "backoff_base": 0.001,
            **overrides,
        }
        client = SeamClient(**options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def closed_port_url():
    """A loopback URL nobody listens on: connecting fails before any byte is sent."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
