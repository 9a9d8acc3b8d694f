"""Real server processes for tests and scenarios: gunicorn and a Django-Q2 cluster on the database this
process uses, stopped with their children, and a supervisor that kills them with SIGKILL on a schedule
and starts them again."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database this process uses (the test database in a test)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**extra: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), **extra}
    env.pop("TEST_DATABASE_NAME", None)
    return env


def gunicorn_command(port: int, *, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}"]  # fmt: skip


def qcluster_command() -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"]


def start(command: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    """Start a process in its own process group (so one signal reaches its children), appending its
    output to `log_path`: a pipe nobody reads would fill up and stall it."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen | None, *, grace: float = 15) -> None:
    """SIGTERM to its process group, SIGKILL if it has not ended `grace` seconds later."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for_web(base_url: str, server: subprocess.Popen, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            httpx.get(base_url + "/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


@dataclass
class Supervised:
    """One kind of process kept running: `kill_every` seconds it is killed with SIGKILL (its whole group,
    as when a machine's OOM killer or an operator's `kill -9` strikes) and started again."""

    name: str
    command: list[str]
    env: dict
    log_path: Path
    kill_every: float = 0
    process: subprocess.Popen | None = None
    kills: int = 0
    next_kill: float = field(default=0, init=False)
    _restarting: threading.Lock = field(default_factory=threading.Lock, init=False)

    def start(self) -> subprocess.Popen:
        self.process = start(self.command, self.env, self.log_path)
        self.next_kill = time.monotonic() + self.kill_every
        return self.process

    def poll(self) -> int | None:
        """None while it runs; a kill and its restart count as running."""
        with self._restarting:
            return self.process.poll()

    def kill_and_restart(self) -> None:
        with self._restarting:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1
            self.start()


class Supervisor:
    """Kills and restarts each supervised process on its schedule, in a thread, until `stop_killing()`."""

    def __init__(self, supervised: list[Supervised]):
        self.supervised = supervised
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    def start_killing(self) -> None:
        now = time.monotonic()
        for each in self.supervised:
            each.next_kill = now + each.kill_every
        self._thread.start()

    def stop_killing(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for each in self.supervised:
                if each.kill_every and time.monotonic() >= each.next_kill:
                    each.kill_and_restart()

    def kills(self) -> str:
        return ", ".join(f"{each.name} killed {each.kills} times" for each in self.supervised)
