from django.db.models import Q

from accesscodes.bookings.models import Booking, CalendarFeed, CalendarFeedEntry


def calendar_feeds_due(*, now) -> list[tuple[int, int]]:
    """(workspace id, feed id) of every feed whose next import is due, across workspaces (the dispatcher
    hands each to its own task, which works inside that workspace only)."""
    return list(
        CalendarFeed.objects.dangerously_all_workspaces()
        .filter(Q(next_import_at__isnull=True) | Q(next_import_at__lte=now))
        .order_by("next_import_at", "pk")
        .values_list("workspace_id", "pk")
    )


def calendar_feed_entries(*, feed: CalendarFeed) -> dict[str, CalendarFeedEntry]:
    """The UIDs this feed has shown, each with its booking (one query)."""
    entries = CalendarFeedEntry.objects.for_workspace(feed.workspace_id).filter(feed=feed)
    return {entry.uid: entry for entry in entries.select_related("booking")}


def feed_booking(*, feed: CalendarFeed, uid: str) -> Booking | None:
    return (
        Booking.objects.for_workspace(feed.workspace_id).filter(source=feed.source, external_id=uid).first()
    )
