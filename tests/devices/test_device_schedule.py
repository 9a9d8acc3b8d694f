"""The per-workspace periodic sync (a Django-Q2 Schedule) and the task's handling of a deleted workspace."""

from django_q.models import Schedule

from devices.services import SYNC_TASK, workspace_sync_schedule_ensure, workspace_sync_schedule_name
from devices.tasks import sync_workspace


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


def test_task_for_deleted_workspace_removes_its_schedule(two_workspaces):
    workspace_a, _ = two_workspaces
    workspace_sync_schedule_ensure(workspace=workspace_a)
    workspace_id = workspace_a.pk
    workspace_a.delete()
    assert sync_workspace(workspace_id) is None
    assert not Schedule.objects.filter(name=workspace_sync_schedule_name(workspace_id)).exists()
