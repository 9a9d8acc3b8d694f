"""A local webhook receiver over real HTTP (127.0.0.1, a thread) that checks every signature with svix, the
way a booking system would, and answers what the test scripts (e.g. 500 twice, then 200)."""

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from svix.webhooks import Webhook, WebhookVerificationError

from portal.outbound.delivery import webhook_delivery_attempt
from portal.outbound.selectors import webhook_deliveries_due


@dataclass
class ReceivedRequest:
    headers: dict
    body: bytes
    verified: bool
    answered: int

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    secret: str = ""
    # Answers for the next requests, in order; then `default_answer`.
    script: deque = field(default_factory=deque)
    default_answer: int = 200
    received: list[ReceivedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, headers: dict, body: bytes) -> int:
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        with self.lock:
            status = (self.script.popleft() if self.script else self.default_answer) if verified else 401
            self.received.append(
                ReceivedRequest(headers=headers, body=body, verified=verified, answered=status)
            )
        return status

    def events(self, event_type: str | None = None) -> list[dict]:
        with self.lock:
            requests = list(self.received)
        return [
            request.event
            for request in requests
            if request.verified and (event_type is None or request.event["type"] == event_type)
        ]


def _handler_for(receiver: WebhookReceiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status = receiver.answer({key.lower(): value for key, value in self.headers.items()}, body)
            answer = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def webhook_receiver():
    """Call it to start a receiver: `webhook_receiver(script=[500, 500])`; set `.secret` once known."""
    servers = []

    def start(*, script=(), default_answer=200) -> WebhookReceiver:
        receiver = WebhookReceiver(script=deque(script), default_answer=default_answer)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portal"
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def loopback_endpoints_allowed(settings):
    # The receivers listen on 127.0.0.1: allowed only where the deployment allows plain http to itself.
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True


@pytest.fixture
def deliver_due():
    """What the every-minute dispatcher queues, run here at a chosen moment: every attempt due at `now`.
    Returns the outcomes in order."""

    def run(now=None) -> list[str]:
        now = now or timezone.now()
        return [
            webhook_delivery_attempt(workspace_id=workspace_id, delivery_id=delivery_id, now=now)
            for workspace_id, delivery_id in webhook_deliveries_due(now=now)
        ]

    return run
