"""A real HTTP server on 127.0.0.1 that answers with scripted replies, for exercising the Seam client
over actual sockets (retries, timeouts, dropped connections) without mocking any of our code."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: dict | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (read-timeout tests)
    drop: bool = False  # close the socket without answering, after reading the request


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScriptedServer

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        received = Received(self.path, dict(self.headers.items()), json.loads(raw or b"{}"))
        self.server.received.append(received)
        reply = self.server.next_reply(received)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body or {}).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep pytest output quiet
        pass


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.responder: Callable[[Received], Reply] = lambda _request: Reply(404, {"ok": False})
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        """Answer requests with these replies in order; the last one repeats."""
        queue = list(replies)

        def responder(_request: Received) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.responder = responder

    def next_reply(self, request: Received) -> Reply:
        with self._lock:
            return self.responder(request)


def ok(**resources) -> Reply:
    return Reply(200, {"ok": True, **resources})


def seam_error(status: int, type_: str, message: str = "boom", **extra) -> Reply:
    return Reply(status, {"ok": False, "error": {"type": type_, "message": message, **extra}})
