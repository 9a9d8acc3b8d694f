"""The per-workspace periodic sync (a Django-Q2 Schedule), the task's handling of a deleted workspace, and
the signal a successful sync sends to the apps above devices."""

import logging

import pytest
from django_q.models import Schedule

from devices.models import SyncRun
from devices.schedules import SYNC_TASK, workspace_sync_schedule_ensure, workspace_sync_schedule_name
from devices.signals import device_sync_succeeded
from devices.tasks import sync_workspace
from portal.services import workspace_create, workspace_delete


@pytest.fixture
def sync_successes():
    """The keyword arguments of every `device_sync_succeeded` sent during the test."""
    received = []

    def receiver(sender, **kwargs):
        received.append(
            {"sender": sender, **{key: value for key, value in kwargs.items() if key != "signal"}}
        )

    device_sync_succeeded.connect(receiver)
    yield received
    device_sync_succeeded.disconnect(receiver)


def test_schedule_ensure_twice_keeps_one_schedule(two_workspaces, settings):
    workspace_a, _ = two_workspaces
    settings.SEAM_SYNC_INTERVAL_MINUTES = 7
    workspace_sync_schedule_ensure(workspace=workspace_a)
    workspace_sync_schedule_ensure(workspace=workspace_a)
    schedules = Schedule.objects.filter(name=workspace_sync_schedule_name(workspace_a.pk))
    assert schedules.count() == 1
    schedule = schedules.get()
    assert (schedule.func, schedule.args, schedule.minutes) == (SYNC_TASK, repr((workspace_a.pk,)), 7)


def test_each_workspace_has_its_own_schedule(two_workspaces):
    for workspace in two_workspaces:
        workspace_sync_schedule_ensure(workspace=workspace)
    names = set(Schedule.objects.filter(func=SYNC_TASK).values_list("name", flat=True))
    assert names == {workspace_sync_schedule_name(workspace.pk) for workspace in two_workspaces}


def test_task_for_workspace_deleted_behind_the_service_removes_its_schedule(two_workspaces, caplog):
    workspace_a, _ = two_workspaces
    workspace_sync_schedule_ensure(workspace=workspace_a)
    workspace_id = workspace_a.pk
    workspace_a.delete()
    with caplog.at_level(logging.INFO, logger="devices.tasks"):
        assert sync_workspace(workspace_id) is None
    assert not Schedule.objects.filter(name=workspace_sync_schedule_name(workspace_id)).exists()
    assert f"Workspace {workspace_id} no longer exists" in caplog.text


def test_task_already_queued_for_a_deleted_workspace_ends_quietly(two_workspaces, caplog, sync_successes):
    workspace_a, _ = two_workspaces
    workspace_id = workspace_a.pk
    workspace_delete(workspace=workspace_a)
    with caplog.at_level(logging.INFO, logger="devices.tasks"):
        assert sync_workspace(workspace_id) is None
    assert [(record.levelno, record.name) for record in caplog.records] == [(logging.INFO, "devices.tasks")]
    assert f"Workspace {workspace_id} no longer exists" in caplog.text
    assert not SyncRun.objects.dangerously_all_workspaces().filter(workspace_id=workspace_id).exists()
    assert sync_successes == []


def test_successful_sync_tells_the_apps_above(sandbox_workspace, sync_successes):
    workspace = sandbox_workspace()
    summary = sync_workspace(workspace.pk)
    assert summary["status"] == SyncRun.Status.SUCCEEDED
    assert sync_successes == [
        {"sender": SyncRun, "workspace_id": workspace.pk, "sync_run_id": summary["sync_run_id"]}
    ]


def test_failed_sync_tells_nobody(db, seam_sandbox, sync_successes):
    workspace = workspace_create(
        name="Wrong Key", seam_api_key="seam_test_never_registered", seam_api_url=seam_sandbox.url
    )
    summary = sync_workspace(workspace.pk)
    assert summary["status"] == SyncRun.Status.FAILED
    assert sync_successes == []
