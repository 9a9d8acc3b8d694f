"""When device syncs run: each workspace's periodic sync (a Django-Q2 Schedule) and "sync now"."""

from django.conf import settings
from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

from portal.models import Workspace
from portal.schedules import schedule_every_minutes, schedule_remove

SYNC_TASK = "devices.tasks.sync_workspace"


def workspace_sync_schedule_name(workspace_id: int) -> str:
    return f"seam-sync-workspace-{workspace_id}"


def workspace_sync_schedule_ensure(*, workspace: Workspace) -> Schedule:
    """One periodic Seam sync per workspace; calling it again changes nothing (keyed by a unique name)."""
    return schedule_every_minutes(
        name=workspace_sync_schedule_name(workspace.pk),
        func=SYNC_TASK,
        minutes=settings.SEAM_SYNC_INTERVAL_MINUTES,
        args=(workspace.pk,),
    )


def workspace_sync_schedule_remove(*, workspace_id: int) -> None:
    schedule_remove(name=workspace_sync_schedule_name(workspace_id))


def device_sync_enqueue(*, workspace: Workspace) -> None:
    """Queue a sync once the caller's transaction commits, so the worker never runs ahead of it."""
    workspace_id = workspace.pk
    transaction.on_commit(lambda: async_task(SYNC_TASK, workspace_id))
