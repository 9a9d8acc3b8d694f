"""Django-Q2 entry points for Seam events: thin, they take ids and never end in an unhandled exception."""

import logging

from django.utils import timezone
from django_q.tasks import async_task

from portal.hooks.endpoints import seam_webhooks_keep_registered
from portal.hooks.inbox import seam_event_process, seam_events_process_pending
from portal.hooks.polling import seam_events_poll
from portal.hooks.selectors import workspaces_needing_catch_up
from portal.models import Workspace

logger = logging.getLogger(__name__)

CATCH_UP_TASK = "portal.hooks.tasks.catch_up_seam_events"


def process_seam_event(workspace_id: int, seam_event_pk: int) -> str | None:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    try:
        return seam_event_process(workspace=workspace, seam_event_pk=seam_event_pk)
    except Exception:  # the event stays pending: the every-minute sweep processes it again
        logger.exception("process_seam_event: workspace %s, event row %s", workspace_id, seam_event_pk)
        return None


def catch_up_seam_events(workspace_id: int, poll: bool) -> dict | None:
    """Poll Seam's events (for a workspace Seam does not deliver webhooks to), then process what waits."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    summary = {}
    try:
        if poll:
            summary["new"] = seam_events_poll(workspace=workspace)
            summary.update(seam_events_process_pending(workspace=workspace, received_before=timezone.now()))
        else:
            summary.update(seam_events_process_pending(workspace=workspace))
    except Exception:
        logger.exception("catch_up_seam_events: workspace %s", workspace_id)
        return None
    return summary


def dispatch_seam_event_work() -> int:
    """Scheduled every minute: one catch-up task per workspace that polls or has events waiting."""
    dispatched = 0
    for workspace_id, poll in workspaces_needing_catch_up():
        async_task(CATCH_UP_TASK, workspace_id, poll)
        dispatched += 1
    return dispatched


def keep_seam_webhooks_registered() -> dict:
    return seam_webhooks_keep_registered()
