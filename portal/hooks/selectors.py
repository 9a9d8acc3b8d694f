"""Reads for Seam event work across workspaces (the every-minute dispatcher)."""

from collections.abc import Iterator

from django.utils import timezone

from portal.hooks.inbox import STALE_PENDING_AFTER
from portal.models import SeamEvent, SeamWebhookEndpoint, Workspace


def workspaces_needing_catch_up(*, now=None) -> Iterator[tuple[int, bool]]:
    """(workspace id, whether to poll): every workspace Seam does not deliver webhooks to polls; the others
    appear only when events of theirs wait longer than their own task should take."""
    now = now or timezone.now()
    delivered = set(
        SeamWebhookEndpoint.objects.dangerously_all_workspaces()
        .filter(receives_deliveries=True)
        .values_list("workspace_id", flat=True)
    )
    waiting = set(
        SeamEvent.objects.dangerously_all_workspaces()
        .filter(outcome=SeamEvent.Outcome.PENDING, received_at__lte=now - STALE_PENDING_AFTER)
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    for workspace_id in Workspace.objects.order_by("pk").values_list("pk", flat=True):
        poll = workspace_id not in delivered
        if poll or workspace_id in waiting:
            yield workspace_id, poll
