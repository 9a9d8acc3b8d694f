"""Django-Q2 tasks: thin wrappers that take ids. One schedule runs the periodic booking work."""

import logging

from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.bookings.readiness import bookings_readiness_check
from accesscodes.bookings.retention import guest_data_redact_due
from portal.models import Workspace

logger = logging.getLogger(__name__)


def booking_work_for_workspace(workspace_id: int) -> dict | None:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        logger.info("Workspace %s no longer exists: no booking work", workspace_id)
        return None
    now = timezone.now()
    readiness = bookings_readiness_check(workspace=workspace, now=now)
    redacted = guest_data_redact_due(workspace=workspace, now=now)
    return {"readiness": readiness, "redacted": redacted}


def dispatch_booking_work() -> int:
    """Scheduled: one task per workspace (readiness, alerts, guest data retention)."""
    workspace_ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in workspace_ids:
        async_task("accesscodes.bookings.tasks.booking_work_for_workspace", workspace_id)
    return len(workspace_ids)
