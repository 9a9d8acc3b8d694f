"""accesscodes' periodic work: the one global dispatcher of due pushes and polls, and a reconcile queued
when devices reports a successful sync (devices itself does not know accesscodes exists)."""

import pytest
from django_q.models import OrmQ, Schedule

from accesscodes.schedules import DUE_WORK_SCHEDULE, DUE_WORK_TASK, RECONCILE_TASK
from devices.models import SyncRun
from devices.tasks import sync_workspace
from portal.models import Workspace
from portal.services import workspace_create

pytestmark = pytest.mark.django_db


def queued_reconciles():
    return [entry.task["args"] for entry in OrmQ.objects.all() if entry.task["func"] == RECONCILE_TASK]


def test_migrate_ensures_the_due_work_schedule_without_any_workspace():
    assert not Workspace.objects.exists()
    schedule = Schedule.objects.get(name=DUE_WORK_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (DUE_WORK_TASK, Schedule.MINUTES, 1)


def test_creating_workspaces_keeps_one_due_work_schedule(two_workspaces):
    assert Schedule.objects.filter(func=DUE_WORK_TASK).count() == 1


def test_successful_sync_queues_a_reconcile_of_that_workspace(
    sandbox_workspace, django_capture_on_commit_callbacks
):
    workspace = sandbox_workspace()
    with django_capture_on_commit_callbacks(execute=True):
        summary = sync_workspace(workspace.pk)
    assert summary["status"] == SyncRun.Status.SUCCEEDED
    assert queued_reconciles() == [(workspace.pk,)]


def test_failed_sync_queues_no_reconcile(db, seam_sandbox, django_capture_on_commit_callbacks):
    workspace = workspace_create(
        name="Wrong Key", seam_api_key="seam_test_never_registered", seam_api_url=seam_sandbox.url
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = sync_workspace(workspace.pk)
    assert summary["status"] == SyncRun.Status.FAILED
    assert queued_reconciles() == []
