"""A real Django-Q2 worker (`manage.py qcluster`, ORM broker) runs an enqueued sync on the test database."""

import time

import pytest
from django_q.models import OrmQ, Schedule, Task
from django_q.tasks import async_task

from devices.models import Device, SyncRun
from devices.schedules import SYNC_TASK

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_DEADLINE_SECONDS = 60


def test_qcluster_processes_an_enqueued_sync(sandbox_workspace, django_q_worker):
    workspace = sandbox_workspace()
    # Only the task we enqueue should run: the workspace's periodic schedule would also sync it.
    Schedule.objects.all().delete()
    task_id = async_task(SYNC_TASK, workspace.pk)
    assert OrmQ.objects.count() == 1

    worker = django_q_worker()
    deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
    while not Task.objects.filter(id=task_id).exists():
        assert worker.poll() is None, f"qcluster exited early: {worker.output()}"
        assert time.monotonic() < deadline, f"qcluster did not run the task in time: {worker.output()}"
        time.sleep(0.5)

    task = Task.objects.get(id=task_id)
    assert task.success, worker.output()
    sync_run = SyncRun.objects.for_workspace(workspace).get()
    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert task.result["sync_run_id"] == sync_run.pk
    assert Device.objects.for_workspace(workspace).count() == sync_run.devices_seen > 0
