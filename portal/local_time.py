"""Showing stored UTC times in a zone without ever failing on an extreme date."""

from datetime import UTC, datetime

from django.utils import timezone


def zoned(value: datetime) -> datetime:
    """The aware value in the active zone, or in UTC when the zone would push it past year 1 or 9999 (a
    code adopted from Seam can carry any date): shown in a zone that is named, never an error page."""
    try:
        return timezone.localtime(value)
    except (OverflowError, ValueError):
        return value.astimezone(UTC)


def fits_zone(value: datetime) -> bool:
    """Whether the value has a local time in the active zone (not past year 1 or 9999 there)."""
    try:
        timezone.localtime(value)
    except (OverflowError, ValueError):
        return False
    return True
