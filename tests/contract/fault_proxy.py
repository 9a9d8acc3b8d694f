"""A fault-injecting HTTP proxy for tests: sits on 127.0.0.1 in front of a Seam server and makes a share of
the requests it forwards fail the ways Seam fails.

    with FaultProxy(upstream_url, seed=7, rate=0.23) as proxy:
        ...  # point the portal's workspace at proxy.url

Faults (only on routes that start with `routes`):
- `unavailable`: 503 before forwarding; the server never sees the request.
- `rate_limited`: 429 with Retry-After before forwarding; only on writes, like Seam's per-device limits.
- `lost_502`: forwarded and processed, then the client gets a 502 instead of the answer.
- `lost_timeout`: forwarded and processed, then the answer is held past the client's read timeout and the
  connection closed, so the client times out.

Repeatable: whether a request fails depends only on the seed, the route, the body and how many times that
same request was seen before, never on the order in which different requests interleave. Bounded: the same
request fails at most `max_in_a_row` times running, at most `max_faults` faults in all (and at most
`max_timeouts` of the slow kind), so a client that keeps retrying always gets through.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

WRITES = frozenset({"access_codes/create", "access_codes/update", "access_codes/delete"})
MAX_BODY = 1_000_000

# kind -> relative weight among the faults a request may get.
DEFAULT_WEIGHTS = {"unavailable": 3, "rate_limited": 2, "lost_502": 4, "lost_timeout": 1}


@dataclass
class FaultProxy:
    upstream: str
    seed: int = 0
    rate: float = 0.23
    routes: str = "access_codes/"  # faults apply to routes starting with this
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    retry_after: int = 1
    hold_seconds: float = 2.5  # longer than the client's read timeout
    max_in_a_row: int = 2
    max_faults: int = 400
    max_timeouts: int = 4

    def __post_init__(self) -> None:
        self.upstream = self.upstream.rstrip("/")
        self.requests: Counter[str] = Counter()  # route -> requests seen
        self.faults: Counter[tuple[str, str]] = Counter()  # (route, kind) -> faults injected
        self._seen: Counter[tuple[str, str]] = Counter()
        self._running: Counter[tuple[str, str]] = Counter()  # faults in a row per request
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=self.upstream, timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def fault_count(self, kind: str | None = None) -> int:
        return sum(count for (_, each), count in self.faults.items() if kind in (None, each))

    def choose(self, route: str, body: bytes) -> str | None:
        """The fault for this request, or None to forward it untouched."""
        key = (route, hashlib.sha256(body).hexdigest())
        with self._lock:
            self.requests[route] += 1
            occurrence = self._seen[key]
            self._seen[key] += 1
            if not route.startswith(self.routes) or self.fault_count() >= self.max_faults:
                return None
            if self._running[key] >= self.max_in_a_row:
                self._running[key] = 0
                return None
            draw = random.Random(f"{self.seed}|{route}|{key[1]}|{occurrence}")
            if draw.random() >= self.rate:
                self._running[key] = 0
                return None
            kinds = {
                kind: weight
                for kind, weight in self.weights.items()
                if (kind != "rate_limited" or route in WRITES)
                and (kind != "lost_timeout" or self.fault_count("lost_timeout") < self.max_timeouts)
            }
            kind = draw.choices(list(kinds), weights=list(kinds.values()))[0]
            self._running[key] += 1
            self.faults[(route, kind)] += 1
            return kind

    def forward(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self._http.request(method, path, content=body, headers=headers)


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._proxy("GET")

        def do_POST(self) -> None:
            self._proxy("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _proxy(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, _error("payload_too_large", "Request body too large for the test proxy"))
                return
            body = self.rfile.read(length)
            route = self.path.split("?", 1)[0].strip("/")
            fault = proxy.choose(route, body)
            if fault == "unavailable":
                self._answer(503, _error("service_unavailable", "Injected fault: Seam is unavailable"))
                return
            if fault == "rate_limited":
                headers = {"Retry-After": str(proxy.retry_after)}
                self._answer(429, _error("rate_limited", "Injected fault: slow down"), headers)
                return
            forwarded = {
                name: value
                for name, value in self.headers.items()
                if name.lower() in ("authorization", "content-type", "accept")
            }
            response = proxy.forward(method, self.path, body, forwarded)
            if fault == "lost_502":
                self._answer(502, _error("bad_gateway", "Injected fault: the answer was lost"))
            elif fault == "lost_timeout":
                time.sleep(proxy.hold_seconds)
                self.close_connection = True
            else:
                content_type = response.headers.get("content-type", "application/json")
                self._send(response.status_code, response.content, {"Content-Type": content_type})

        def _answer(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
            self._send(status, payload, {"Content-Type": "application/json", **(headers or {})})

        def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            with contextlib.suppress(OSError):  # the client may have given up already
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

    return Handler


def _error(type: str, message: str) -> bytes:
    return json.dumps({"ok": False, "error": {"type": type, "message": message}}).encode()
