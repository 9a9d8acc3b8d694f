"""The workspace's timeline for GET /api/v1/events/: rows of several tables (booking events, access-code
events, ...) read as one list, newest first, with a cursor.

No SQL UNION: each source is queried on its own with the cursor's condition and the page size, and the
pages are merged here, so a page costs one query per source whatever its depth. The order is
(created_at, source, id), all descending; the cursor is the last row's triple, so rows added while a
client pages (newer, so before the cursor) never shift or repeat what it has not read yet.

A new source (unlock records, device events) is one more `EventSource` in `SOURCES`: a scoped queryset of
`values()` with the common columns, and the filters it can answer. A filter a source cannot answer (an
access-code filter on unlock records) leaves that source out of the answer."""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import F, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from rest_framework.exceptions import ValidationError

from accesscodes.bookings.models import BookingCode, BookingEvent
from accesscodes.models import AccessCodeEvent, UnlockRecord

COMMON_FILTERS = ("kind", "since")  # every source has `kind` and `created_at`
COLUMNS = ("id", "created_at", "kind", "message", "data", "booking_id", "access_code_id", "device_id")


def _no_id():
    return Value(None, output_field=IntegerField())


@dataclass(frozen=True)
class EventSource:
    name: str
    # The workspace's events of this source as `values(*COLUMNS)`.
    rows: Callable[[object], QuerySet]
    # Filter name -> condition(workspace, value) on `rows`; the filters `kind` and `since` apply to all.
    filters: Mapping[str, Callable[[object, int], Q]]


def _codes_of_booking(workspace, booking_id: int) -> QuerySet:
    return BookingCode.objects.for_workspace(workspace).filter(booking_id=booking_id).values("access_code_id")


def booking_event_rows(workspace) -> QuerySet:
    return (
        BookingEvent.objects.for_workspace(workspace)
        .annotate(access_code_id=_no_id(), device_id=_no_id())
        .values(*COLUMNS)
    )


def access_code_event_rows(workspace) -> QuerySet:
    """Each code event with its code's door and, for a booking's code, its booking."""
    link = BookingCode.objects.for_workspace(workspace).filter(access_code_id=OuterRef("access_code_id"))
    return (
        AccessCodeEvent.objects.for_workspace(workspace)
        .annotate(device_id=F("access_code__device_id"), booking_id=Subquery(link.values("booking_id")[:1]))
        .values(*COLUMNS)
    )


def unlock_rows(workspace) -> QuerySet:
    """Each lock or unlock Seam reported (kind `lock.unlocked` / `lock.locked`), at the time it happened,
    with the code used and so the booking."""
    link = BookingCode.objects.for_workspace(workspace).filter(access_code_id=OuterRef("access_code_id"))
    return (
        UnlockRecord.objects.for_workspace(workspace)
        .annotate(
            created_at=F("occurred_at"),
            kind=Concat(Value("lock."), F("action")),
            message=Concat(F("device__name"), Value(" "), F("action"), Value(" ("), F("method"), Value(")")),
            data=Value({}, output_field=JSONField()),
            booking_id=Subquery(link.values("booking_id")[:1]),
        )
        .values(*COLUMNS)
    )


SOURCES: tuple[EventSource, ...] = (
    EventSource(
        name="booking",
        rows=booking_event_rows,
        filters={"booking": lambda workspace, booking_id: Q(booking_id=booking_id)},
    ),
    EventSource(
        name="access_code",
        rows=access_code_event_rows,
        filters={
            "booking": lambda workspace, booking_id: Q(
                access_code_id__in=_codes_of_booking(workspace, booking_id)
            ),
            "access_code": lambda workspace, access_code_id: Q(access_code_id=access_code_id),
            "device": lambda workspace, device_id: Q(access_code__device_id=device_id),
        },
    ),
    EventSource(
        name="unlock",
        rows=unlock_rows,
        filters={
            "booking": lambda workspace, booking_id: Q(
                access_code_id__in=_codes_of_booking(workspace, booking_id)
            ),
            "access_code": lambda workspace, access_code_id: Q(access_code_id=access_code_id),
            "device": lambda workspace, device_id: Q(device_id=device_id),
        },
    ),
)
SOURCE_NAMES = [source.name for source in SOURCES]
RANKS = {source.name: rank for rank, source in enumerate(SOURCES)}


# -- the cursor --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last row's (created_at, source, id)."""

    created_at: dt.datetime
    source: str
    id: int

    def key(self) -> tuple:
        return (self.created_at, RANKS[self.source], self.id)

    def encode(self) -> str:
        text = json.dumps([self.created_at.isoformat(), self.source, self.id])
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> "Position":
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            created_at, source, row_id = json.loads(text)
            position = cls(dt.datetime.fromisoformat(created_at), source, int(row_id))
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
            position = None
        if position is None or position.source not in RANKS or position.created_at.tzinfo is None:
            raise ValidationError({"cursor": ["This cursor is not valid: use the `next` link of a page."]})
        return position

    def after(self, source: EventSource) -> Q:
        """The rows of `source` that come after this position in the newest-first order."""
        rank, mine = RANKS[self.source], RANKS[source.name]
        if mine < rank:
            return Q(created_at__lte=self.created_at)
        if mine > rank:
            return Q(created_at__lt=self.created_at)
        return Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, id__lt=self.id)


@dataclass(frozen=True)
class EventPage:
    rows: list[dict]
    next_position: Position | None


def events_page(
    *, workspace, filters: Mapping[str, object], limit: int, position: Position | None = None
) -> EventPage:
    """One page of the merged timeline: one query per source that can answer the filters."""
    common = Q()
    if filters.get("kind"):
        common &= Q(kind=filters["kind"])
    if filters.get("since"):
        common &= Q(created_at__gte=filters["since"])
    specific = {
        name: value for name, value in filters.items() if name not in COMMON_FILTERS and value is not None
    }
    rows = []
    for source in SOURCES:
        if not set(specific) <= set(source.filters):
            continue
        condition = common
        for name, value in specific.items():
            condition &= source.filters[name](workspace, value)
        if position is not None:
            condition &= position.after(source)
        found = source.rows(workspace).filter(condition).order_by("-created_at", "-id")[: limit + 1]
        rows += [{**row, "source": source.name} for row in found]
    rows.sort(key=lambda row: (row["created_at"], RANKS[row["source"]], row["id"]), reverse=True)
    page = rows[:limit]
    more = len(rows) > limit
    last = page[-1] if page else None
    return EventPage(
        rows=page,
        next_position=Position(last["created_at"], last["source"], last["id"]) if more else None,
    )
