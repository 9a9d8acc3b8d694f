"""Django-Q2 tasks: thin wrappers that take ids. One schedule runs the periodic booking work, another
the calendar feed imports."""

import logging

from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.bookings.ical.selectors import calendar_feeds_due
from accesscodes.bookings.ical.services import calendar_feed_claim, calendar_feed_import
from accesscodes.bookings.inbox import hook_deliveries_requeue_stuck, hook_delivery_process, hook_inbox_purge
from accesscodes.bookings.readiness import bookings_readiness_check
from accesscodes.bookings.retention import guest_data_redact_due
from accesscodes.bookings.selectors import bookings_to_replan
from accesscodes.bookings.services import booking_replan
from accesscodes.bookings.timeline import booking_event_record
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


def calendar_feed_import_due(workspace_id: int, feed_id: int) -> dict | None:
    """One feed's scheduled import, if it is still due (the dispatcher may have queued it twice)."""
    now = timezone.now()
    try:
        feed = calendar_feed_claim(workspace_id=workspace_id, feed_id=feed_id, now=now)
        if feed is None:
            return None
        return calendar_feed_import(feed=feed, now=now).as_dict()
    except Exception:
        logger.exception("calendar_feed_import_due: feed %s", feed_id)
        return None


def dispatch_calendar_feed_imports() -> int:
    """Scheduled every minute: one task per calendar feed whose poll interval has passed."""
    due = calendar_feeds_due(now=timezone.now())
    for workspace_id, feed_id in due:
        async_task("accesscodes.bookings.tasks.calendar_feed_import_due", workspace_id, feed_id)
    return len(due)


def process_booking_hook(workspace_id: int, delivery_id: int) -> str | None:
    """Queued on commit for each stored booking hook delivery."""
    return hook_delivery_process(workspace_id=workspace_id, delivery_id=delivery_id)


def booking_hook_inbox_upkeep() -> dict:
    """Scheduled: forget deliveries past the retention period; queue again any whose task was lost."""
    return {"purged": hook_inbox_purge(), "requeued": hook_deliveries_requeue_stuck()}


def replan_bookings(workspace_id: int, unit_ids: list[int], reason: str) -> dict:
    """Queued on commit when units' doors or code policy changed: each of their bookings still to come or
    under way is planned again in its own transaction. A booking that fails is logged and its failure
    recorded on its timeline; the others go on."""
    now = timezone.now()
    counts = {"updated": 0, "unchanged": 0, "failed": 0}
    for booking in bookings_to_replan(workspace_id=workspace_id, unit_ids=unit_ids, now=now):
        try:
            counts[booking_replan(booking=booking, reason=reason, now=now).result] += 1
        except Exception as error:
            logger.exception("replan_bookings: booking %s", booking.pk)
            counts["failed"] += 1
            _replan_failure_record(booking, f"{reason} Planning this booking again failed: {error}")
    return counts


def _replan_failure_record(booking, message: str) -> None:
    try:
        booking_event_record(booking=booking, kind="replan_failed", message=message)
    except Exception:  # e.g. the database is gone too: the log line above is the record, the batch goes on
        logger.exception("replan_bookings: could not record the failure of booking %s", booking.pk)
