"""Time helpers shared by the rule modules: UTC normalisation, occupancy windows, zones, wording.

All arithmetic happens in UTC: subtracting two aware datetimes that share a ZoneInfo compares wall
clocks, which is wrong across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Seam preloads a natively scheduled code 72 h before starts_at ("Creating Access Codes"), so a future
# code may sit on the lock that long before its window opens. Two codes collide if these occupancy
# windows overlap.
NATIVE_PRELOAD = timedelta(hours=72)

FAR_PAST = datetime.min.replace(tzinfo=UTC)
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)

Interval = tuple[datetime, datetime]


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; a naive value is read as UTC (the interface promises aware UTC anyway)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def occupancy(starts_at: datetime | None, ends_at: datetime | None) -> Interval:
    """When a code occupies the lock: from its possible preload until its end (forever if ongoing)."""
    start = FAR_PAST if starts_at is None else starts_at - NATIVE_PRELOAD
    end = FAR_FUTURE if ends_at is None else ends_at
    return start, end


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def peak_overlap(intervals: Iterable[Interval], within: Interval) -> int:
    """Most intervals open at the same instant inside `within` (half-open intervals)."""
    events: list[tuple[datetime, int]] = []
    for start, end in intervals:
        start, end = max(start, within[0]), min(end, within[1])
        if start < end:
            events.append((start, 1))
            events.append((end, -1))
    # At equal instants the -1 sorts first: one code ending as another starts is not a clash.
    events.sort()
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def load_zone(name: str | None) -> tzinfo | None:
    """ZoneInfo for an IANA name, or None when missing or unknown."""
    if not name or not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_label(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def span_text(span: timedelta) -> str:
    """'28 days 1 hour', '45 minutes': the largest two units, for messages."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [_plural(days, "day")] if days else []
    if hours:
        parts.append(_plural(hours, "hour"))
    if minutes and not days:
        parts.append(_plural(minutes, "minute"))
    return " ".join(parts) or "0 minutes"


def hours_text(span: timedelta) -> str:
    """'673 hours (28 days 1 hour)', or '45 minutes' below an hour."""
    if span < HOUR:
        return span_text(span)
    whole_hours = int(span.total_seconds() // 3600)
    text = _plural(whole_hours, "hour")
    if span - timedelta(hours=whole_hours):
        text = f"{text} {span_text(span - timedelta(hours=whole_hours))}"
    if span >= DAY:
        text = f"{text} ({span_text(span)})"
    return text


def relative_text(moment: datetime, now: datetime) -> str:
    """'in 5 minutes' / '10 minutes ago', for start-time messages."""
    if moment >= now:
        return f"in {span_text(moment - now)}"
    return f"{span_text(now - moment)} ago"
