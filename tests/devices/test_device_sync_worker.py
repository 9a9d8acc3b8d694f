"""A real Django-Q2 worker (`manage.py qcluster`, ORM broker) runs an enqueued sync on the test database."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_q.models import OrmQ, Schedule, Task
from django_q.tasks import async_task

from devices.models import Device, SyncRun
from devices.services import SYNC_TASK

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_DEADLINE_SECONDS = 60


def worker_database_url() -> str:
    """The test database (not the one DATABASE_URL names), as a URL for the worker's settings."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(log) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "Q_WORKERS": "1", "Q_SYNC": "0"}
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,  # a file, not a pipe: a chatty worker must never block on a full pipe
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the cleanup reaches its worker children
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        # SIGTERM to the cluster process alone: it stops its own workers (signalling the whole group at
        # once leaves it waiting for children that are already gone).
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_qcluster_processes_an_enqueued_sync(sandbox_workspace):
    workspace = sandbox_workspace()
    # Only the task we enqueue should run: the workspace's periodic schedule would also sync it.
    Schedule.objects.all().delete()
    task_id = async_task(SYNC_TASK, workspace.pk)
    assert OrmQ.objects.count() == 1

    with tempfile.TemporaryFile() as log:
        worker = start_worker(log)
        try:
            deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
            while not Task.objects.filter(id=task_id).exists():
                assert worker.poll() is None, "qcluster exited early"
                assert time.monotonic() < deadline, "qcluster did not run the task in time"
                time.sleep(0.5)
        finally:
            stop_worker(worker)
        log.seek(0)
        output = log.read().decode(errors="replace")

    task = Task.objects.get(id=task_id)
    assert task.success, output
    sync_run = SyncRun.objects.for_workspace(workspace).get()
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert task.result["sync_run_id"] == sync_run.pk
    assert Device.objects.for_workspace(workspace).count() == sync_run.devices_seen > 0
