"""The embedded default (`./dev run`: SQLite, a web server and a Django-Q2 worker on one file) takes
concurrent writes without "database is locked".

The suite itself runs on PostgreSQL, so everything here happens in subprocesses that get
`DATABASE_URL=sqlite:///<tmp>/portal.sqlite3`: migrate, create a workspace on the session's sandbox, sync
its devices, start a real `qcluster`, then let several writers create codes at once while reconciles run
in-process and through the worker.
"""

import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from server_processes import stop

from portal.seam import SeamClient

WRITERS = 4
CODES_PER_WRITER = 12
# Enough august locks that no lock gets near Seam's 10 new codes a minute, which would defer pushes.
EXTRA_AUGUST_LOCKS = 12
# For each phase (writing, then the worker catching up): generous, as CI machines can be slow.
DEADLINE_SECONDS = 60
SLUG = "embedded"

WRITER_SCRIPT = """
from accesscodes.services import access_code_create
from devices.models import Device
from portal.models import Workspace

workspace = Workspace.objects.get(slug="{slug}")
locks = list(Device.objects.for_workspace(workspace).filter(manufacturer="august").order_by("pk"))
for number in range({codes}):
    lock = locks[({writer} + number * {writers}) % len(locks)]
    access_code_create(workspace=workspace, device=lock, name="Writer {writer} guest " + str(number))
"""

CONNECTION_SCRIPT = """
from django.db import connection

with connection.cursor() as cursor:
    pragmas = [
        cursor.execute("PRAGMA " + name).fetchone()[0] for name in ("journal_mode", "busy_timeout", "synchronous")
    ]
print("connection: {} {} busy_timeout={} synchronous={}".format(connection.transaction_mode, *pragmas))
"""

# Reconciles in this process and through the worker for as long as the writers write.
RECONCILER_SCRIPT = """
import pathlib
import time
from django_q.tasks import async_task
from accesscodes.sync.reconcile import access_codes_reconcile
from portal.models import Workspace

workspace = Workspace.objects.get(slug="{slug}")
deadline = time.monotonic() + {seconds}
while not pathlib.Path("{stop_file}").exists() and time.monotonic() < deadline:
    access_codes_reconcile(workspace=workspace)
    async_task("accesscodes.tasks.reconcile_workspace", workspace.pk)
    time.sleep(0.5)
"""


@pytest.fixture
def sqlite_portal(tmp_path):
    """Runs manage.py commands on a fresh SQLite file; stops every process it started."""
    database = tmp_path / "portal.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "Q_WORKERS": "2", "Q_SYNC": "0"}
    env.pop("TEST_DATABASE_NAME", None)
    started = []

    class Portal:
        def run(self, *args, timeout=60):
            result = self.start(*args)
            result.wait(timeout=timeout)
            return result

        def start(self, *args):
            log_path = tmp_path / f"{len(started)}-{args[0]}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, so stopping it reaches its children
                )
            process.output = lambda: log_path.read_text(errors="replace")
            started.append(process)
            return process

        def query(self, sql):
            with sqlite3.connect(database, timeout=20) as connection:
                return connection.execute(sql).fetchall()

    yield Portal()
    for process in started:
        stop(process)


def assert_clean(process, what):
    output = process.output()
    assert "database is locked" not in output, f"{what}:\n{output}"
    assert "Traceback" not in output, f"{what}:\n{output}"


def test_every_sqlite_connection_waits_for_the_write_lock_in_wal_mode(sqlite_portal):
    show = sqlite_portal.run("shell", "-c", CONNECTION_SCRIPT)
    assert show.returncode == 0, show.output()
    # A deferred transaction ("BEGIN") fails at once when it reads first and writes later; IMMEDIATE waits.
    assert "connection: IMMEDIATE wal busy_timeout=20000 synchronous=1" in show.output()


def test_worker_and_concurrent_writers_share_the_sqlite_file(sqlite_portal, seam_sandbox, tmp_path):
    api_key = f"seam_test_{uuid.uuid4().hex}"
    seam_sandbox.create_workspace(api_key=api_key, name="Embedded", demo_devices=True)
    seam_sandbox.add_devices(api_key, count=EXTRA_AUGUST_LOCKS, manufacturer="august")
    for args in (
        ["migrate", "--no-input"],
        ["create_workspace", "--name", "Embedded", "--slug", SLUG, "--seam-api-key", api_key,
         "--seam-api-url", seam_sandbox.url],
        ["sync_workspace", SLUG],
    ):  # fmt: skip
        setup = sqlite_portal.run(*args)
        assert setup.returncode == 0, setup.output()

    worker = sqlite_portal.start("qcluster")
    writers = [
        sqlite_portal.start(
            "shell",
            "-c",
            WRITER_SCRIPT.format(slug=SLUG, codes=CODES_PER_WRITER, writer=number, writers=WRITERS),
        )
        for number in range(WRITERS)
    ]
    stop_file = tmp_path / "writers-done"
    reconciler = sqlite_portal.start(
        "shell", "-c", RECONCILER_SCRIPT.format(slug=SLUG, seconds=DEADLINE_SECONDS, stop_file=stop_file)
    )
    for process in writers:
        process.wait(timeout=DEADLINE_SECONDS)
    stop_file.touch()
    reconciler.wait(timeout=DEADLINE_SECONDS)
    for process in [*writers, reconciler]:
        assert_clean(process, "a writer or the reconciler failed")
        assert process.returncode == 0, process.output()

    expected = WRITERS * CODES_PER_WRITER
    catching_up_since = time.monotonic()
    # Everything created is pushed, and every queued task (pushes, reconciles, schedules) has run.
    while (
        sqlite_portal.query("SELECT count(*) FROM accesscodes_accesscode WHERE sync_state = 'in_sync'")[0][0]
        < expected
        or sqlite_portal.query("SELECT count(*) FROM django_q_ormq")[0][0]
    ):
        assert worker.poll() is None, worker.output()
        assert time.monotonic() - catching_up_since < DEADLINE_SECONDS, (
            sqlite_portal.query("SELECT name, sync_state, last_sync_error FROM accesscodes_accesscode"),
            worker.output(),
        )
        time.sleep(0.5)
    stop(worker)

    assert_clean(worker, "the worker logged a failure")
    assert sqlite_portal.query("SELECT func, result FROM django_q_task WHERE success = 0") == []
    codes = sqlite_portal.query(
        "SELECT seam_access_code_id, sync_state, last_sync_error FROM accesscodes_accesscode"
        " WHERE name LIKE 'Writer %'"
    )
    assert len(codes) == expected
    assert {(state, error) for _, state, error in codes} == {("in_sync", "")}
    locks = [row[0] for row in sqlite_portal.query("SELECT seam_device_id FROM devices_device")]
    with SeamClient(api_key=api_key, base_url=seam_sandbox.url) as client:
        in_seam = {
            code["access_code_id"] for lock in locks for code in client.access_codes_list(device_id=lock)
        }
    assert {seam_id for seam_id, _, _ in codes} <= in_seam
    assert sqlite_portal.query("PRAGMA journal_mode") == [("wal",)]
