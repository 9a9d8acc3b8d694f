"""SandboxServer: the sandbox over real HTTP on 127.0.0.1, plus its Python control API.

Seam routes:     POST|GET /<resource>/<action>  with `Authorization: Bearer <api key>`
Control routes:  POST|GET /_sandbox/<operation> (no auth), and /_fake/simulate_workspace_outage
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from portal.seam.sandbox.api_errors import SeamApiError, invalid_input, unauthorized
from portal.seam.sandbox.control import OPERATIONS
from portal.seam.sandbox.core import Sandbox
from portal.seam.sandbox.params import Params, new_id
from portal.seam.sandbox.routes import ROUTES, Call

Response = tuple[int, dict[str, Any], dict[str, str]]


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _query_params(query: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        name = key.removesuffix("[]")
        params[name] = values if len(values) > 1 or key.endswith("[]") else values[0]
    return params


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, app: SandboxServer):
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that stopped waiting (its read timed out, or it was killed) is what the sandbox's
        # slow-answer faults provoke on purpose: not worth a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise keep being served by their threads after stop().
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can pool connections
    # Headers and body go out as two writes; with Nagle on, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            super().log_message(format, *args)

    def _read_params(self, query: str) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params = _query_params(query)
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise invalid_input("The request body is not valid JSON") from None
            if not isinstance(body, dict):
                raise invalid_input("The request body must be a JSON object")
            params.update(body)
        return params

    def _handle(self) -> None:
        split = urlsplit(self.path)
        route = split.path.strip("/")
        app = self.server.app
        try:
            params = self._read_params(split.query)
            if route.startswith(("_sandbox/", "_fake/")):
                status, payload, headers = app.handle_control(route.split("/", 1)[1], params)
            else:
                status, payload, headers = app.handle_api(route, self.headers.get("Authorization"), params)
        except SeamApiError as error:
            status, payload, headers = error.status, error.body(), error.headers
        if status == 302:
            self.send_response(302)
            self.send_header("Location", headers["Location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("seam-request-id", new_id())
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SandboxServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, state_file=None, *, verbose: bool = False):
        self.host = host
        self.port = port
        self.verbose = verbose
        self.sandbox = Sandbox(state_file=state_file)
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._stopping.clear()
        self.sandbox.webhooks.start()
        for name, target in (("http", self._serve), ("ticker", self._tick_forever)):
            thread = threading.Thread(target=target, name=f"seam-sandbox-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.05)

    def _tick_forever(self) -> None:
        # Transitions (and so webhooks) happen even when nobody is making requests.
        while not self._stopping.wait(self.sandbox.config.tick_interval_seconds):
            self.tick()
            self.sandbox.save_if_dirty()

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            self._httpd = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self.sandbox.webhooks.stop()
        self.sandbox.save_if_dirty()

    def __enter__(self) -> SandboxServer:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- request handling ----------------------------------------------------------------------------

    def handle_api(self, route: str, authorization: str | None, data: dict[str, Any]) -> Response:
        handler = ROUTES.get(route)
        if handler is None:
            return (
                404,
                {"ok": False, "error": {"type": "not_found", "message": f"Unknown route /{route}"}},
                {},
            )
        sandbox = self.sandbox
        api_key = _bearer(authorization)
        fault = sandbox.faults.take(route, api_key, sandbox.keys.get(api_key or ""))
        if fault and fault.phase == "late":
            sandbox.faults.hold(fault, route=route, api_key=api_key, data=data, now=sandbox.clock.now())
        if fault and fault.phase in ("before", "late"):
            time.sleep(fault.latency_ms / 1000)
            if fault.status is not None:
                raise fault.error()
        with sandbox.lock:
            self._process_held_requests()
            sandbox.tick()
            workspace = sandbox.workspace_for_key(api_key)
            try:
                if workspace is None:
                    raise unauthorized(
                        "Missing or unknown API key: send Authorization: Bearer seam_..."
                        if api_key is None
                        else "Unknown API key"
                    )
                call = Call(sandbox, workspace, Params(data), route, self.url)
                result: Response = (200, {"ok": True, **handler(call)}, {})
            except SeamApiError as error:
                result = (error.status, error.body(), error.headers)
        if fault and fault.phase == "after":
            # The request has had its effect; now the answer is delayed or lost.
            time.sleep(fault.latency_ms / 1000)
            if fault.status is not None:
                raise fault.error()
        return result

    def _process_held_requests(self) -> None:
        """Run the requests a "late" fault held back whose time has come (call with the lock held)."""
        for held in self.sandbox.faults.take_due(self.sandbox.clock.now()):
            workspace = self.sandbox.workspace_for_key(held.api_key)
            if workspace is None:
                continue
            # Nobody waits for this answer any more: a refusal is as silent as it would be in Seam.
            with contextlib.suppress(SeamApiError):
                ROUTES[held.route](Call(self.sandbox, workspace, Params(held.data), held.route, self.url))

    def handle_control(self, name: str, data: dict[str, Any]) -> Response:
        if name == "simulate_workspace_outage":
            operation = OPERATIONS["simulate_workspace_outage"]
        else:
            operation = OPERATIONS.get(name)
        if operation is None:
            return (
                404,
                {"ok": False, "error": {"type": "not_found", "message": f"Unknown control /{name}"}},
                {},
            )
        with self.sandbox.lock:
            result = operation(self.sandbox, Params(data))
        if name == "connect_webviews/authorize" and result["connect_webview"].get("custom_redirect_url"):
            return 302, {}, {"Location": result["connect_webview"]["custom_redirect_url"]}
        return 200, {"ok": True, **result}, {}

    def control(self, operation: str, /, **data: Any) -> dict[str, Any]:
        """Run a control operation in-process; raises SeamApiError like the HTTP route would answer."""
        with self.sandbox.lock:
            return OPERATIONS[operation](self.sandbox, Params(data))

    # -- Python control API --------------------------------------------------------------------------

    @property
    def clock(self):
        return self.sandbox.clock

    @property
    def faults(self):
        return self.sandbox.faults

    @property
    def config(self):
        return self.sandbox.config

    @property
    def webhook_deliveries(self) -> list[dict]:
        return list(self.sandbox.webhooks.attempts)

    def tick(self) -> None:
        with self.sandbox.lock:
            self._process_held_requests()
            self.sandbox.tick()

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self.control("config", **changes)["config"]

    def create_workspace(
        self, api_key: str, name: str = "Sandbox Workspace", demo_devices: bool = True
    ) -> str:
        return self.sandbox.create_workspace(api_key, name=name, demo_devices=demo_devices).workspace_id

    def add_devices(
        self, api_key: str, count: int = 1, manufacturer: str = "august", name_prefix: str | None = None
    ) -> list[str]:
        return self.control(
            "devices/add", api_key=api_key, count=count, manufacturer=manufacturer, name_prefix=name_prefix
        )["device_ids"]

    def update_device(self, device_id: str, **changes: Any) -> dict:
        return self.control("devices/update", device_id=device_id, **changes)["device"]

    def remove_device(self, device_id: str) -> None:
        self.control("devices/remove", device_id=device_id)

    def fail_to_set(self, *, device_id=None, access_code_id=None, count: int = 1) -> None:
        self.control(
            "access_codes/fail_to_set", device_id=device_id, access_code_id=access_code_id, count=count
        )

    def delay_setting(self, *, device_id=None, access_code_id=None, enabled: bool = True) -> None:
        self.control(
            "access_codes/delay_setting", device_id=device_id, access_code_id=access_code_id, enabled=enabled
        )

    def modify_externally(self, access_code_id: str, code: str) -> dict:
        return self.control("access_codes/modify_externally", access_code_id=access_code_id, code=code)[
            "access_code"
        ]

    def delete_externally(self, access_code_id: str) -> None:
        self.control("access_codes/delete_externally", access_code_id=access_code_id)

    def add_unmanaged(self, api_key: str, device_id: str, code: str, name: str | None = None) -> dict:
        return self.control(
            "access_codes/add_unmanaged", api_key=api_key, device_id=device_id, code=code, name=name
        )["access_code"]

    def authorize_connect_webview(self, connect_webview_id: str, provider: str | None = None) -> dict:
        return self.control(
            "connect_webviews/authorize", connect_webview_id=connect_webview_id, provider=provider
        )["connect_webview"]
