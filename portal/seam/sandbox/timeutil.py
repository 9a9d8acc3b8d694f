"""Small datetime helpers shared by the offline-code rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def ceil_hour(value: datetime) -> datetime:
    floored = floor_hour(value)
    return floored if floored == value else floored + HOUR


def seconds_of_day(value: datetime) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def parse_time_of_day(text: str) -> tuple[time, timezone]:
    """ "15:00:00-05:00" -> (15:00, UTC-5). dormakaba slot times carry the site's fixed offset."""
    parsed = datetime.fromisoformat(f"2000-01-01T{text}")
    offset = parsed.utcoffset() or timedelta(0)
    return parsed.time().replace(tzinfo=None), timezone(offset)


def nearest_at_time_of_day(value: datetime, at: time, tz: timezone) -> datetime:
    """The instant closest to `value` whose local time of day (in `tz`) is `at`."""
    local = value.astimezone(tz)
    candidates = [datetime.combine(local.date() + timedelta(days=shift), at, tz) for shift in (-1, 0, 1)]
    return min(candidates, key=lambda candidate: abs(candidate - value))
