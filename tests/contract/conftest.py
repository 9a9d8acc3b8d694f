"""Session fixtures for the wire-protocol contract tests.

The same tests run against Seam's published fake (`@seamapi/fake-seam-connect`, launched with Node) and
the project's own sandbox (`portal.seam.sandbox`). Each server is described by a `SeamServer`, so tests
never branch on transport details, only (with a comment) on documented behavioural differences.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from portal.seam import SeamClient

HERE = Path(__file__).resolve().parent
FAKE_PACKAGE = HERE / "node_modules" / "@seamapi" / "fake-seam-connect"
LAUNCHER = HERE / "launch_fake.mjs"
STARTUP_TIMEOUT = 60.0
EXTRA_DEVICES = 600  # enough for two pages at Seam's default limit of 500
SANDBOX_API_KEY = "seam_contract_sandbox_key_0001"


@dataclass
class SeamServer:
    name: str  # "fake" or "sandbox"
    url: str
    api_key: str
    device_count: int  # every device visible to api_key
    lock_ids: list[str]  # devices that accept online access codes
    start_outage: Callable[[str], None]  # make `route` answer 503
    end_outage: Callable[[], None]
    _next_lock: Iterator[str] = field(init=False, repr=False)

    def __post_init__(self):
        self._next_lock = itertools.cycle(self.lock_ids)

    def fresh_lock_id(self) -> str:
        """A different lock per call, so tests stay clear of per-device rate limits and each other's codes."""
        return next(self._next_lock)

    def client(self, **options) -> SeamClient:
        defaults = {"connect_timeout": 5.0, "read_timeout": 30.0, "max_retries": 2, "backoff_base": 0.01}
        return SeamClient(api_key=self.api_key, base_url=self.url, **{**defaults, **options})


def _control(url: str, route: str, body: dict) -> None:
    """Call a test-only control route of a server (not part of Seam's API, so not via SeamClient)."""
    httpx.post(f"{url}/{route}", json=body, timeout=10).raise_for_status()


def _lock_ids(url: str, api_key: str) -> tuple[int, list[str]]:
    with SeamClient(api_key=api_key, base_url=url, max_retries=0) as client:
        devices = client.devices_list()
    locks = [d["device_id"] for d in devices if d.get("can_program_online_access_codes")]
    return len(devices), locks


# -- Seam's fake ------------------------------------------------------------------------------------


def _read_first_line(stream, timeout: float) -> str | None:
    """The launcher's JSON line, then keep draining stdout so the fake can never block on a full pipe."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        lines.put(stream.readline())
        for _ in stream:
            pass

    threading.Thread(target=pump, daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return None


@contextlib.contextmanager
def running_fake(extra_devices: int) -> Iterator[dict]:
    """Run launch_fake.mjs until the block ends and yield the JSON line it prints."""
    if not FAKE_PACKAGE.is_dir():
        pytest.fail(
            f"Seam's fake is not installed in {HERE / 'node_modules'}. Install it with:\n"
            f"    cd {HERE} && npm ci --omit=optional\n"
            "(CI runs this before pytest; the contract tests need Node >= 18.)",
            pytrace=False,
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` (>= 18) is not on PATH; the contract tests launch Seam's fake with it.")

    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            [node, str(LAUNCHER), "--extra-devices", str(extra_devices)],
            cwd=HERE,
            stdin=subprocess.PIPE,  # closing it tells the launcher to exit
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            line = _read_first_line(process.stdout, STARTUP_TIMEOUT)
            if not line:
                process.kill()
                stderr.seek(0)
                pytest.fail(f"Seam's fake did not start within {STARTUP_TIMEOUT}s:\n{stderr.read()[-4000:]}")
            yield json.loads(line)
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def fake_seam_process():
    with running_fake(EXTRA_DEVICES) as info:
        yield info


@pytest.fixture
def private_fake_seam():
    """A fake of its own with 20 extra locks, for a test that must see only its own codes: the fake's
    `access_codes/list` ignores `device_id` and answers with every code it holds."""
    with running_fake(20) as info:
        yield info


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def fake_server(fake_seam_process) -> SeamServer:
    info = fake_seam_process
    url, api_key, workspace_id = info["url"], info["api_key"], info["workspace_id"]
    _count, locks = _lock_ids(url, api_key)

    def start_outage(route: str) -> None:
        # The fake matches the request path exactly, per workspace; there is no wildcard.
        _control(
            url, "_fake/simulate_workspace_outage", {"workspace_id": workspace_id, "routes": [f"/{route}"]}
        )

    def end_outage() -> None:
        # No recovery route over HTTP: an empty route list ends the outage.
        _control(url, "_fake/simulate_workspace_outage", {"workspace_id": workspace_id, "routes": []})

    return SeamServer(
        name="fake",
        url=url,
        api_key=api_key,
        device_count=info["device_count"],
        lock_ids=[lock for lock in locks if lock.startswith("contract_")],
        start_outage=start_outage,
        end_outage=end_outage,
    )


# -- the project's sandbox ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server():
    try:
        from portal.seam.sandbox import SandboxServer
    except ImportError as exc:
        pytest.fail(f"portal.seam.sandbox.SandboxServer is not importable: {exc}", pytrace=False)

    server = SandboxServer(host="127.0.0.1", port=0).start()
    try:
        server.create_workspace(api_key=SANDBOX_API_KEY, name="Contract tests", demo_devices=True)
        baseline, _ = _lock_ids(server.url, SANDBOX_API_KEY)
        added = server.add_devices(api_key=SANDBOX_API_KEY, count=EXTRA_DEVICES, manufacturer="august")
        count, locks = _lock_ids(server.url, SANDBOX_API_KEY)
        assert count == baseline + EXTRA_DEVICES, "sandbox add_devices did not add the requested devices"
        # Plain online August locks only: the demo devices include brands with offline-only or no-PIN rules.
        added_ids = set(added)
        august_locks = [lock for lock in locks if lock in added_ids]

        def start_outage(route: str) -> None:
            # A fault rule scoped to this key; like the fake's outage it answers 503 before processing.
            fault = {"route": route, "status": 503, "api_key": SANDBOX_API_KEY}
            _control(server.url, "_sandbox/faults/set", fault)

        def end_outage() -> None:
            _control(server.url, "_sandbox/faults/clear", {})

        yield SeamServer(
            name="sandbox",
            url=server.url,
            api_key=SANDBOX_API_KEY,
            device_count=count,
            lock_ids=august_locks,
            start_outage=start_outage,
            end_outage=end_outage,
        )
    finally:
        server.stop()


@pytest.fixture(params=["fake", "sandbox"])
def seam_server(request) -> SeamServer:
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture
def seam(seam_server):
    with seam_server.client() as client:
        yield client
