"""Importing a calendar feed into bookings.

Each event becomes a booking (source "ical:<feed id>", external id = the UID), all of a calendar's in one
`bookings_upsert_batch`; blocks never do. The outage guard: a failed fetch, an HTTP error, an invalid file or a calendar without a
valid event changes no booking at all; a booking is cancelled only once it has been missing from 3
successful fetches in a row, and never while the guest is in the stay (an alert instead, as for an empty
calendar during a stay). A stay that is
over is left alone: exports drop past stays, and a past booking has no code left to change. Each event's
failure is recorded on its entry and the other events are still imported.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django_q.tasks import async_task

from accesscodes.bookings.alerts import alert_open, alerts_resolve
from accesscodes.bookings.batch import bookings_upsert_batch
from accesscodes.bookings.ical.fetch import FeedFetchError, feed_fetch
from accesscodes.bookings.ical.parse import FeedEvent, InvalidFeed, ParsedFeed, parse_feed
from accesscodes.bookings.ical.selectors import calendar_feed_entries, feed_booking
from accesscodes.bookings.ical.url_safety import validate_feed_url
from accesscodes.bookings.models import Alert, Booking, CalendarFeed, CalendarFeedEntry
from accesscodes.bookings.planner import stay_moment
from accesscodes.bookings.selectors import property_zone
from accesscodes.bookings.services import BookingOutcome, BookingUpsert, booking_cancel
from accesscodes.bookings.timeline import booking_event_record

logger = logging.getLogger(__name__)

MISSES_BEFORE_CANCEL = 3
# Changing any of these changes what an import makes of the same calendar: the next one reads it whole.
IMPORT_INPUTS = frozenset({"url", "block_patterns", "unit"})


@dataclass
class FeedImportResult:
    outcome: str  # imported / not_modified / failed
    error: str = ""
    counts: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "error": self.error, **self.counts}


def calendar_feed_save(*, feed: CalendarFeed, changed_fields=()) -> CalendarFeed:
    """Validate and save a feed. A new feed, or a change to what the import reads, forgets the
    conditional-fetch state (a 304 would skip the calendar) and makes the feed due now."""
    if feed.pk is None or IMPORT_INPUTS & set(changed_fields):
        feed.etag = feed.last_modified = ""
        feed.next_import_at = None
    feed.full_clean()
    feed.save()
    return feed


def calendar_feed_claim(*, workspace_id: int, feed_id: int, now) -> CalendarFeed | None:
    """The feed, if its import is due and no other worker holds it; its next import is moved on first,
    so a dispatcher that runs again meanwhile does not import it twice."""
    with transaction.atomic():
        feed = (
            CalendarFeed.objects.for_workspace(workspace_id)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(Q(next_import_at__isnull=True) | Q(next_import_at__lte=now), pk=feed_id)
            .select_related("unit__property", "workspace")
            .first()
        )
        if feed is None:
            return None
        feed.next_import_at = now + dt.timedelta(minutes=feed.poll_interval_minutes)
        feed.save(update_fields=["next_import_at"])
    return feed


def calendar_feed_import(*, feed: CalendarFeed, now) -> FeedImportResult:
    """Fetch the feed and bring its bookings in line with it; the feed's health records the outcome."""
    try:
        validate_feed_url(feed.url)
        fetched = feed_fetch(url=feed.url, etag=feed.etag, last_modified=feed.last_modified)
        parsed = (
            parse_feed(fetched.content, block_patterns=feed.block_pattern_list)
            if fetched.content is not None
            else None
        )
    except ValidationError as error:
        return _failed(feed, " ".join(error.messages), now)
    except (FeedFetchError, InvalidFeed) as error:
        return _failed(feed, str(error), now)
    result = FeedImportResult(outcome="imported" if parsed is not None else "not_modified")
    entries = calendar_feed_entries(feed=feed)
    if parsed is None:
        # Not modified: the calendar is the one read last time, so what was missing is missing again.
        seen = {uid for uid, entry in entries.items() if entry.missed_fetches == 0}
        if feed.events_seen:
            _count_misses(feed, entries=entries, seen=seen, now=now, counts=result.counts)
        _succeeded(feed, now, etag=fetched.etag, last_modified=fetched.last_modified)
        return result
    seen = _import_events(feed, parsed, entries=entries, now=now, counts=result.counts)
    if parsed.events:
        _count_misses(feed, entries=entries, seen=seen, now=now, counts=result.counts)
    else:  # an empty calendar (or one whose every event is broken) looks like an outage: nothing is gone
        _alert_stays_in_progress(feed, entries=entries, now=now, counts=result.counts)
    _succeeded(
        feed, now, etag=fetched.etag, last_modified=fetched.last_modified, events_seen=len(parsed.events)
    )
    return result


# -- events ------------------------------------------------------------------------------------------


def _import_events(feed, parsed: ParsedFeed, *, entries, now, counts) -> set[str]:
    """Import every event: cancellations one by one, the other events' bookings in one batch; write each
    UID's entry (one query). Returns the UIDs the calendar holds."""
    rows = {}
    for broken in parsed.broken:
        counts["failed"] += 1
        if broken.uid:
            existing = entries.get(broken.uid)
            rows[broken.uid] = (existing.booking_id if existing else None, broken.reason)
    upserts = []
    for event in parsed.events:
        if event.is_block:
            counts["blocks"] += 1
            continue
        existing = entries.get(event.uid)
        if _is_over(event, feed, now):
            counts["past"] += 1
            if existing is not None:
                rows[event.uid] = (existing.booking_id, "")
            continue
        if event.is_cancelled:
            rows[event.uid] = _cancel_event(feed, event, existing=existing, now=now, counts=counts)
        else:
            upserts.append(event)
    outcomes = bookings_upsert_batch(
        workspace=feed.workspace, items=[_booking_upsert(feed, event) for event in upserts], now=now
    )
    for event, outcome in zip(upserts, outcomes, strict=True):
        existing = entries.get(event.uid)
        rows[event.uid] = _recorded(feed, outcome, existing=existing, counts=counts)
    CalendarFeedEntry.objects.bulk_create(
        [
            CalendarFeedEntry(
                workspace_id=feed.workspace_id,
                feed=feed,
                uid=uid,
                booking_id=booking_id,
                last_seen_at=now,
                missed_fetches=0,
                last_error=error,
            )
            for uid, (booking_id, error) in rows.items()
        ],
        update_conflicts=True,
        unique_fields=["feed", "uid"],
        update_fields=["booking", "last_seen_at", "missed_fetches", "last_error"],
    )
    return set(rows)


def _booking_upsert(feed, event: FeedEvent) -> BookingUpsert:
    return BookingUpsert(
        source=feed.source,
        external_id=event.uid,
        unit=feed.unit,
        check_in=event.start,
        check_out=event.end,
        guest_name=event.summary[:200],
        guest_phone=event.phone_last_digits,
        source_updated_at=event.last_modified,
    )


def _cancel_event(feed, event: FeedEvent, *, existing, now, counts) -> tuple[int | None, str]:
    """(booking id, error): one event's failure is its own, recorded on its entry."""
    booking = feed_booking(feed=feed, uid=event.uid)
    if booking is None:
        counts["skipped"] += 1
        return None, ""
    try:
        outcome = booking_cancel(booking=booking, source_updated_at=event.last_modified, now=now)
    except ValidationError as error:
        outcome = BookingOutcome(booking=None, result="failed", error=error)
    except Exception as error:  # one event must not stop the others
        logger.exception("Calendar feed %s: event %s could not be imported", feed.pk, event.uid)
        outcome = BookingOutcome(booking=None, result="failed", error=error)
    return _recorded(feed, outcome, existing=existing, counts=counts)


def _recorded(feed, outcome: BookingOutcome, *, existing, counts) -> tuple[int | None, str]:
    """Count the event's outcome; (booking id, error) for its entry (an unexpected error is already logged)."""
    counts[outcome.result] += 1
    if outcome.result == "failed":
        return (existing.booking_id if existing else None), _error_message(outcome.error)
    # feed.events_seen is still the previous fetch's: after an empty one, its alerts may be open.
    if existing is not None and (existing.missed_fetches or not feed.events_seen):
        alerts_resolve(booking=outcome.booking, kinds=[Alert.Kind.MISSING_FROM_FEED])
    return outcome.booking.pk, ""


def _error_message(error: Exception) -> str:
    if not isinstance(error, ValidationError):
        return f"Unexpected error ({type(error).__name__}); the server log has the details."
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _is_over(event: FeedEvent, feed, now) -> bool:
    property = feed.unit.property
    check_out = stay_moment(event.end, default_time=property.check_out_time, zone=property_zone(property))
    return check_out <= now


# -- the outage guard --------------------------------------------------------------------------------


def _count_misses(feed, *, entries, seen: set[str], now, counts) -> None:
    missing = [
        entry
        for uid, entry in entries.items()
        if uid not in seen and entry.booking is not None and entry.booking.status != Booking.Status.CANCELLED
    ]
    if not missing:
        return
    CalendarFeedEntry.objects.for_workspace(feed.workspace_id).filter(
        pk__in=[entry.pk for entry in missing]
    ).update(missed_fetches=F("missed_fetches") + 1)
    for entry in missing:
        misses = entry.missed_fetches + 1
        counts["missing"] += 1
        if misses < MISSES_BEFORE_CANCEL or entry.booking.check_out <= now:
            continue
        try:
            _gone_from_feed(feed, entry.booking, misses=misses, now=now, counts=counts)
        except Exception:  # one booking must not stop the others
            logger.exception("Calendar feed %s: booking %s gone from the feed", feed.pk, entry.booking_id)
            counts["failed"] += 1


def _alert_stays_in_progress(feed, *, entries, now, counts) -> None:
    for entry in entries.values():
        booking = entry.booking
        if (
            booking is None
            or booking.status != Booking.Status.CONFIRMED
            or not booking.check_in <= now < booking.check_out
        ):
            continue
        alert_open(
            booking=booking,
            device_id=None,
            kind=Alert.Kind.MISSING_FROM_FEED,
            message=f"The calendar feed “{feed.name}” came back without any event while the guest of "
            f"{booking} is in the stay: nothing was cancelled (an empty calendar is treated as an outage). "
            "Check the booking system.",
        )
        counts["alerted"] += 1


@transaction.atomic
def _gone_from_feed(feed, booking: Booking, *, misses: int, now, counts) -> None:
    gone = f"missing from the calendar feed “{feed.name}” in {misses} successful fetches in a row"
    if booking.check_in <= now:
        alert_open(
            booking=booking,
            device_id=None,
            kind=Alert.Kind.MISSING_FROM_FEED,
            message=f"Booking {booking} is {gone}, but the guest is in the stay: not cancelled. "
            "Check the booking system and cancel it here if it really is cancelled.",
        )
        counts["alerted"] += 1
        return
    booking_event_record(booking=booking, kind="missing_from_feed", message=f"Booking {gone}: cancelling.")
    booking_cancel(booking=booking, now=now)
    counts["cancelled"] += 1


# -- health ------------------------------------------------------------------------------------------


def _succeeded(feed, now, *, etag: str, last_modified: str, events_seen: int | None = None) -> None:
    changes = {"last_success_at": now, "etag": etag, "last_modified": last_modified}
    if events_seen is not None:
        changes["events_seen"] = events_seen
    _health_update(feed, changes)


def _failed(feed, message: str, now) -> FeedImportResult:
    logger.info("Calendar feed %s: import failed: %s", feed.pk, message)
    _health_update(feed, {"last_error_at": now, "last_error": message})
    return FeedImportResult(outcome="failed", error=message)


def _health_update(feed, changes: dict) -> None:
    # An update of these columns alone: an admin editing the feed meanwhile keeps their change.
    CalendarFeed.objects.for_workspace(feed.workspace_id).filter(pk=feed.pk).update(**changes)
    for name, value in changes.items():
        setattr(feed, name, value)


def calendar_feed_import_enqueue(*, feed: CalendarFeed) -> None:
    """Import now (on demand): the feed is made due and its import queued once the caller commits; it
    goes through the same claim as the schedule, so the two never import it at once."""
    CalendarFeed.objects.for_workspace(feed.workspace_id).filter(pk=feed.pk).update(next_import_at=None)
    workspace_id, feed_id = feed.workspace_id, feed.pk
    transaction.on_commit(
        lambda: async_task("accesscodes.bookings.tasks.calendar_feed_import_due", workspace_id, feed_id)
    )
