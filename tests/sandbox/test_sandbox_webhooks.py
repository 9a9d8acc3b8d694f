"""Webhook delivery: Svix-signed POSTs from a background thread, filtered, retried, per workspace."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from svix.webhooks import Webhook


class Receiver:
    """A tiny HTTP server that records every POST; the first `fail_first` answers are 500."""

    def __init__(self, fail_first: int = 0):
        self.requests: list[tuple[dict, bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if len(receiver.requests) <= receiver.fail_first else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/seam"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[dict, bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**options):
        made.append(Receiver(**options))
        return made[-1]

    yield make
    for item in made:
        item.close()


def event_types(requests) -> list[str]:
    return [json.loads(body)["event_type"] for _, body in requests]


def test_events_are_delivered_signed_and_verifiable(server, api, receiver):
    hook = receiver()
    webhook = api.ok("webhooks/create", url=hook.url)["webhook"]
    assert webhook["secret"].startswith("whsec_")
    assert api.ok("webhooks/get", webhook_id=webhook["webhook_id"])["webhook"]["url"] == hook.url
    device = api.device("august")
    code_id = api.ok("access_codes/create", device_id=device["device_id"])["access_code"]["access_code_id"]
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    requests = hook.wait_for(2)
    # Like Svix, the sandbox delivers in parallel and does not promise order.
    assert sorted(event_types(requests)) == ["access_code.created", "access_code.set_on_device"]
    verifier = Webhook(webhook["secret"])
    for headers, body in requests:
        verifier.verify(body, headers)  # raises if the signature does not match
        payload = json.loads(body)
        assert payload["access_code_id"] == code_id
        assert payload["workspace_id"] == api.ok("workspaces/get")["workspace"]["workspace_id"]
        assert headers["svix-id"].startswith("msg_")
    with pytest.raises(Exception):  # noqa: B017 - svix raises its own WebhookVerificationError
        Webhook("whsec_" + "A" * 32).verify(requests[0][1], requests[0][0])


def test_event_type_filter_and_workspace_isolation(server, make_api, receiver):
    alice, bob = make_api(), make_api()
    hook = receiver()
    alice.ok("webhooks/create", url=hook.url, event_types=["access_code.set_on_device"])
    for client in (alice, bob):
        client.ok("access_codes/create", device_id=client.device("yale")["device_id"])
    server.clock.advance(seconds=server.config.set_delay_seconds + 1)
    requests = hook.wait_for(1)
    time.sleep(0.3)  # give any wrongly routed delivery the chance to arrive
    assert event_types(hook.requests) == ["access_code.set_on_device"]
    alice_workspace = alice.ok("workspaces/get")["workspace"]["workspace_id"]
    assert json.loads(requests[0][1])["workspace_id"] == alice_workspace


def test_failed_deliveries_are_retried_with_the_same_svix_id(server, api, receiver):
    server.configure(webhook_backoff_seconds=0.05)
    hook = receiver(fail_first=2)
    webhook = api.ok("webhooks/create", url=hook.url, event_types=["device.disconnected"])["webhook"]
    server.update_device(api.device("kwikset")["device_id"], online=False)
    requests = hook.wait_for(3)
    assert len(requests) == 3
    assert len({headers["svix-id"] for headers, _ in requests}) == 1
    Webhook(webhook["secret"]).verify(requests[-1][1], requests[-1][0])
    statuses = [
        a["status_code"] for a in server.webhook_deliveries if a["webhook_id"] == webhook["webhook_id"]
    ]
    assert statuses == [500, 500, 204]


def test_webhooks_list_and_delete(api, receiver):
    hook = receiver()
    webhook = api.ok("webhooks/create", url=hook.url)["webhook"]
    assert [w["webhook_id"] for w in api.ok("webhooks/list")["webhooks"]] == [webhook["webhook_id"]]
    api.ok("webhooks/delete", webhook_id=webhook["webhook_id"])
    assert api.ok("webhooks/list")["webhooks"] == []
    assert api.error("webhooks/create", 400, url="ftp://example.com")["type"] == "invalid_input"
