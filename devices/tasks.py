"""Django-Q2 entry points: thin wrappers that take ids and call services."""

import logging

from devices.models import SyncRun
from devices.schedules import workspace_sync_schedule_remove
from devices.services import device_sync
from devices.signals import device_sync_succeeded
from portal.models import Workspace

logger = logging.getLogger(__name__)


def sync_workspace(workspace_id: int) -> dict | None:
    """Scheduled and "Sync now" Seam sync. Returns a summary for Django-Q's result log; the SyncRun row is
    the record people read."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        # Queued or scheduled before the workspace was deleted: nothing to sync, and nothing to retry.
        logger.info(
            "Workspace %s no longer exists: skipping its sync and removing its schedule", workspace_id
        )
        workspace_sync_schedule_remove(workspace_id=workspace_id)
        return None
    sync_run = device_sync(workspace=workspace)
    if sync_run.status == SyncRun.Status.SUCCEEDED:
        device_sync_succeeded.send(sender=SyncRun, workspace_id=workspace.pk, sync_run_id=sync_run.pk)
    return {
        "sync_run_id": sync_run.pk,
        "status": sync_run.status,
        "devices_seen": sync_run.devices_seen,
        "error_message": sync_run.error_message,
    }
