"""The polling fallback: a workspace that Seam cannot reach with webhooks reads `events/list` every minute.

The cursor is Seam's `created_at` of the newest event read (when Seam recorded it, which is what `since`
selects on: an event that happened long ago but was recorded late is still found). Each poll reads again
a short overlap before the cursor, so an event recorded in the same instant as the last one read is not
missed; the events' unique ids make the overlap harmless."""

import datetime as dt
import logging

from django.utils import timezone

from portal.hooks.inbox import seam_event_problems, seam_event_store
from portal.models import Heartbeat, SeamEvent, SeamEventCursor
from portal.seam import SeamError, seam_client_for_workspace
from portal.seam_events import seam_timestamp
from portal.services import heartbeat_beat

logger = logging.getLogger(__name__)

POLL_OVERLAP = dt.timedelta(minutes=2)
# A workspace's first poll starts this far back, not at the beginning of its history.
FIRST_POLL_LOOKBACK = dt.timedelta(minutes=10)
POLL_PAGE_LIMIT = 500
# More than this many full pages in one poll: the rest waits for the next minute.
POLL_MAX_PAGES = 20


def seam_events_poll(*, workspace, client=None, now=None) -> int:
    """Read the workspace's new Seam events into the inbox; returns how many were new. The caller processes
    them (seam_events_process_pending). A Seam failure is recorded on the cursor (and the cursor kept),
    never raised."""
    now = now or timezone.now()
    cursor, _ = SeamEventCursor.objects.get_or_create(workspace=workspace)
    if client is None:
        with seam_client_for_workspace(workspace) as own_client:
            return _poll(own_client, workspace, cursor, now)
    return _poll(client, workspace, cursor, now)


def _poll(client, workspace, cursor: SeamEventCursor, now) -> int:
    since = cursor.since - POLL_OVERLAP if cursor.since else now - FIRST_POLL_LOOKBACK
    newest = cursor.since
    stored = 0
    try:
        for _ in range(POLL_MAX_PAGES):
            events = client.events_list(since=since.isoformat(), limit=POLL_PAGE_LIMIT)
            created = [seam_timestamp(event.get("created_at")) for event in events if isinstance(event, dict)]
            page_newest = max((value for value in created if value), default=None)
            stored += _store_all(workspace, events)
            if page_newest and (newest is None or page_newest > newest):
                newest = page_newest
            if len(events) < POLL_PAGE_LIMIT or page_newest is None or page_newest <= since:
                break
            since = page_newest
    except SeamError as error:
        logger.warning("Polling Seam events of workspace %s failed: %r", workspace.pk, error)
        cursor.last_error = error.message
    else:
        cursor.last_error = ""
        heartbeat_beat(name=Heartbeat.Name.SEAM, now=now)
    cursor.since = newest
    cursor.polled_at = now
    cursor.save(update_fields=["since", "polled_at", "last_error"])
    return stored


def _store_all(workspace, events: list) -> int:
    stored = 0
    for event in events:
        if seam_event_problems(event):
            logger.warning("Workspace %s: Seam listed an event without an id or type; skipped", workspace.pk)
            continue
        if (
            seam_event_store(workspace=workspace, event=event, via=SeamEvent.Via.POLL, enqueue=False)
            is not None
        ):
            stored += 1
    return stored
