"""Django-Q2 entry points: thin wrappers that take ids and call services."""

import logging

from django_q.tasks import async_task

from devices.services import device_sync, workspace_sync_schedule_remove
from portal.models import Workspace

logger = logging.getLogger(__name__)

RECONCILE_TASK = "accesscodes.tasks.reconcile_workspace"


def sync_workspace(workspace_id: int) -> dict | None:
    """Scheduled and "Sync now" Seam sync. Returns a summary for Django-Q's result log; the SyncRun row is
    the record people read."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        logger.info("Workspace %s no longer exists: removing its sync schedule", workspace_id)
        workspace_sync_schedule_remove(workspace_id=workspace_id)
        return None
    sync_run = device_sync(workspace=workspace)
    if sync_run.status == sync_run.Status.SUCCEEDED:
        # Fresh devices: compare their access codes with Seam's now rather than at the next reconcile.
        async_task(RECONCILE_TASK, workspace.pk)
    return {
        "sync_run_id": sync_run.pk,
        "status": sync_run.status,
        "devices_seen": sync_run.devices_seen,
        "error_message": sync_run.error_message,
    }
