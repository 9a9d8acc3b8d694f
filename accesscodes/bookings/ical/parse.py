"""Calendar feed text -> plain event facts. Pure: no database, no network, no clock.

Dates stay dates (an all-day stay: `booking_upsert` turns them into the property's check-in and check-out
times in its zone, and DTEND is already the exclusive end, i.e. the check-out day). Timed events keep their
instant; a floating time (no zone) is read in the calendar's X-WR-TIMEZONE, or left naive for the
property's zone when the calendar names none.
"""

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar

PHONE_LAST_DIGITS = re.compile(r"Phone Number \(Last 4 Digits\)\s*:\s*(\d{4})\b", re.IGNORECASE)


class InvalidFeed(ValueError):
    """The text is not an iCalendar calendar at all (an HTML error page, an empty body, garbage)."""


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    start: date | datetime
    end: date | datetime
    summary: str
    phone_last_digits: str
    is_block: bool
    is_cancelled: bool
    last_modified: datetime | None

    @property
    def is_all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class BrokenEvent:
    """An event that cannot become a booking, and why (its UID when it has one, so it is not "missing")."""

    uid: str
    reason: str


@dataclass(frozen=True)
class ParsedFeed:
    events: tuple[FeedEvent, ...]
    broken: tuple[BrokenEvent, ...]

    @property
    def size(self) -> int:
        return len(self.events) + len(self.broken)


def parse_feed(content: bytes | str, *, block_patterns: Iterable[str]) -> ParsedFeed:
    try:
        calendar = Calendar.from_ical(content)
    except ValueError as error:
        raise InvalidFeed(f"Not an iCalendar file: {_short(error)}") from error
    if calendar.name != "VCALENDAR":
        raise InvalidFeed(f"Not an iCalendar file: it holds a {calendar.name}, not a VCALENDAR.")
    floating_zone = _calendar_zone(calendar)
    patterns = [pattern.strip().casefold() for pattern in block_patterns if pattern.strip()]
    events, broken, uids = [], [], set()
    for component in calendar.events:
        uid = str(component.get("UID", "")).strip()
        if uid in uids:
            continue  # a recurrence override shares its UID; a booking is one stay, the first one counts
        try:
            event = _event(component, uid=uid, floating_zone=floating_zone, patterns=patterns)
        # icalendar reports a broken property as a ValueError; a naive end after an aware start, TypeError.
        except (ValueError, TypeError) as error:
            broken.append(BrokenEvent(uid=uid, reason=_short(error)))
        else:
            events.append(event)
        if uid:
            uids.add(uid)
    return ParsedFeed(events=tuple(events), broken=tuple(broken))


def is_block(summary: str, patterns: Iterable[str]) -> bool:
    """Whether the summary names a blocked period: it contains one of the patterns, any case."""
    folded = summary.casefold()
    return any(pattern in folded for pattern in patterns)


def phone_last_digits(description: str) -> str:
    match = PHONE_LAST_DIGITS.search(description)
    return match.group(1) if match else ""


def _event(component, *, uid: str, floating_zone, patterns) -> FeedEvent:
    if not uid:
        raise ValueError("The event has no UID, so it cannot be followed from one fetch to the next.")
    start, end = component.start, component.end
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise ValueError("The event mixes a date and a date-time for its start and end.")
    if floating_zone is not None:
        start, end = _in_zone(start, floating_zone), _in_zone(end, floating_zone)
    if end <= start:
        raise ValueError(f"The event ends ({end}) before it starts ({start}).")
    summary = str(component.get("SUMMARY", "")).strip()
    last_modified = component.get("LAST-MODIFIED")
    return FeedEvent(
        uid=uid,
        start=start,
        end=end,
        summary=summary,
        phone_last_digits=phone_last_digits(str(component.get("DESCRIPTION", ""))),
        is_block=is_block(summary, patterns),
        is_cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        last_modified=last_modified.dt if last_modified is not None else None,
    )


def _calendar_zone(calendar) -> zoneinfo.ZoneInfo | None:
    """The calendar's X-WR-TIMEZONE (Google's, Apple's) when it names a known zone."""
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # an unknown name: floating times fall back to the property's zone


def _in_zone(value, zone):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
