"""One service owns a workspace's lifecycle: whatever creates or deletes a workspace through it (the admin,
the commands) gives it, or takes away, the periodic Seam work the apps above the portal keep for it."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from accesscodes.schedules import RECONCILE_TASK, reconcile_schedule_name
from devices.schedules import SYNC_TASK, workspace_sync_schedule_name
from portal.models import Workspace
from portal.services import workspace_create, workspace_delete

pytestmark = pytest.mark.django_db


def workspace_schedules(workspace_id):
    """{name: (func, args)} of the workspace's own schedules."""
    names = [workspace_sync_schedule_name(workspace_id), reconcile_schedule_name(workspace_id)]
    return {
        schedule.name: (schedule.func, schedule.args) for schedule in Schedule.objects.filter(name__in=names)
    }


def expected_schedules(workspace_id):
    return {
        workspace_sync_schedule_name(workspace_id): (SYNC_TASK, repr((workspace_id,))),
        reconcile_schedule_name(workspace_id): (RECONCILE_TASK, repr((workspace_id,))),
    }


def test_created_workspace_gets_its_sync_and_reconcile_schedules(alice):
    workspace = workspace_create(name="Harbour Flats", seam_api_key="seam_test_harbour_000", owner=alice)
    assert workspace_schedules(workspace.pk) == expected_schedules(workspace.pk)


def test_deleted_workspace_loses_its_schedules_and_only_its_own(two_workspaces):
    workspace_a, workspace_b = two_workspaces
    workspace_id = workspace_a.pk
    workspace_delete(workspace=workspace_a)
    assert not Workspace.objects.filter(pk=workspace_id).exists()
    assert workspace_schedules(workspace_id) == {}
    assert workspace_schedules(workspace_b.pk) == expected_schedules(workspace_b.pk)


def test_refused_workspace_leaves_no_schedule():
    schedules_before = set(Schedule.objects.values_list("name", flat=True))
    with pytest.raises(Exception, match="IANA"):
        workspace_create(name="Nowhere", seam_api_key="seam_test_nowhere_00", timezone="Mars/Olympus")
    assert set(Schedule.objects.values_list("name", flat=True)) == schedules_before


def test_migrate_gives_schedules_to_a_workspace_created_without_the_service():
    """Workspaces added in the admin before it called the service have no schedules; `migrate` adds them."""
    workspace = Workspace.objects.create(name="Legacy", slug="legacy", seam_api_key="seam_test_legacy_000")
    assert workspace_schedules(workspace.pk) == {}
    call_command("migrate", verbosity=0, interactive=False)
    assert workspace_schedules(workspace.pk) == expected_schedules(workspace.pk)


def test_deleting_a_workspace_with_locks_and_codes_deletes_them_too(two_workspaces, make_device):
    # A code keeps its lock from being deleted on its own, but not from going with the whole workspace.
    from accesscodes.models import AccessCode
    from accesscodes.services import access_code_create
    from devices.models import Device

    workspace_a, workspace_b = two_workspaces
    for workspace in two_workspaces:
        access_code_create(workspace=workspace, device=make_device(workspace), name="Guest", code="4821")
    workspace_delete(workspace=workspace_a)
    assert not AccessCode.objects.dangerously_all_workspaces().filter(workspace_id=workspace_a.pk).exists()
    assert not Device.objects.dangerously_all_workspaces().filter(workspace_id=workspace_a.pk).exists()
    assert AccessCode.objects.for_workspace(workspace_b).count() == 1
