"""Django-Q2 tasks: thin, take ids, never raise (failures are recorded on the delivery)."""

import datetime as dt
import logging

from django.utils import timezone
from django_q.tasks import async_task

from portal.outbound.delivery import webhook_delivery_attempt
from portal.outbound.selectors import webhook_deliveries_due, webhook_deliveries_expired
from portal.outbound.services import DELIVER_TASK

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 1000
LOG_RETENTION = dt.timedelta(days=30)


def deliver_webhook(workspace_id: int, delivery_id: int) -> str:
    return webhook_delivery_attempt(workspace_id=workspace_id, delivery_id=delivery_id)


def dispatch_due_webhook_deliveries() -> int:
    """Scheduled every minute: an attempt for each retry that is due (and each first attempt whose task was
    lost); finished deliveries older than the log's retention are dropped."""
    now = timezone.now()
    due = list(webhook_deliveries_due(now=now)[:DISPATCH_BATCH])
    for workspace_id, delivery_id in due:
        async_task(DELIVER_TASK, workspace_id, delivery_id)
    try:
        webhook_deliveries_expired(before=now - LOG_RETENTION).delete()
    except Exception:  # the log grows a little longer; the next run tries again
        logger.exception("Could not drop old webhook deliveries")
    return len(due)
