"""When access-code work runs: the global dispatcher of due pushes and polls, each workspace's periodic
reconcile with Seam, and a reconcile right after a device sync."""

from django.conf import settings
from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

from portal.models import Workspace

DUE_WORK_SCHEDULE = "access-codes-due-work"
DUE_WORK_TASK = "accesscodes.tasks.dispatch_due_access_code_work"
RECONCILE_TASK = "accesscodes.tasks.reconcile_workspace"


def reconcile_schedule_name(workspace_id: int) -> str:
    return f"access-codes-reconcile-workspace-{workspace_id}"


def due_work_schedule_ensure() -> Schedule:
    """Idempotent: one every-minute dispatcher for all workspaces (keyed by a unique name)."""
    schedule, _ = Schedule.objects.update_or_create(
        name=DUE_WORK_SCHEDULE,
        defaults={"func": DUE_WORK_TASK, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )
    return schedule


def reconcile_schedule_ensure(*, workspace: Workspace) -> Schedule:
    """Idempotent: this workspace's periodic comparison of its access codes with Seam's."""
    schedule, _ = Schedule.objects.update_or_create(
        name=reconcile_schedule_name(workspace.pk),
        defaults={
            "func": RECONCILE_TASK,
            "args": repr((workspace.pk,)),
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SEAM_RECONCILE_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )
    return schedule


def reconcile_schedule_remove(*, workspace_id: int) -> None:
    # Schedules are not foreign keys: deleting a workspace does not cascade to them.
    Schedule.objects.filter(name=reconcile_schedule_name(workspace_id)).delete()


def reconcile_enqueue(*, workspace_id: int) -> None:
    """Queue a reconcile once the caller's transaction commits, so the worker never runs ahead of it."""
    transaction.on_commit(lambda: async_task(RECONCILE_TASK, workspace_id))
