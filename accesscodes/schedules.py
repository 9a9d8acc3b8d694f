"""When access-code work runs: the global dispatcher of due pushes and polls, each workspace's periodic
reconcile with Seam, and a reconcile right after a device sync."""

from django.conf import settings
from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

from portal.models import Workspace
from portal.schedules import schedule_every_minutes, schedule_remove

DUE_WORK_SCHEDULE = "access-codes-due-work"
DUE_WORK_TASK = "accesscodes.tasks.dispatch_due_access_code_work"
RECONCILE_TASK = "accesscodes.tasks.reconcile_workspace"


def reconcile_schedule_name(workspace_id: int) -> str:
    return f"access-codes-reconcile-workspace-{workspace_id}"


def due_work_schedule_ensure() -> Schedule:
    """Idempotent: one every-minute dispatcher for all workspaces (keyed by a unique name)."""
    return schedule_every_minutes(name=DUE_WORK_SCHEDULE, func=DUE_WORK_TASK, minutes=1)


def reconcile_schedule_ensure(*, workspace: Workspace) -> Schedule:
    """Idempotent: this workspace's periodic comparison of its access codes with Seam's."""
    return schedule_every_minutes(
        name=reconcile_schedule_name(workspace.pk),
        func=RECONCILE_TASK,
        minutes=settings.SEAM_RECONCILE_INTERVAL_MINUTES,
        args=(workspace.pk,),
    )


def reconcile_schedule_remove(*, workspace_id: int) -> None:
    schedule_remove(name=reconcile_schedule_name(workspace_id))


def reconcile_enqueue(*, workspace_id: int) -> None:
    """Queue a reconcile once the caller's transaction commits, so the worker never runs ahead of it."""
    transaction.on_commit(lambda: async_task(RECONCILE_TASK, workspace_id))
