"""Kwikset: 4-8 digit PINs, names of 2-14 characters, time-bound codes start >= 15 min ahead.

Source: Seam "Kwikset Locks" guide, Brand-Specific Access Code Constraints
(https://docs.seam.co/latest/device-guides/kwikset-locks, and the older "Get started with Kwikset
Wi-Fi Locks"): name 2-14 characters, PIN 4-8 digits, a time-bound code needs starts_at and ends_at
(the generic rule), and starts_at "must be greater than the current time. For best results, set
starts_at at least 15 minutes ahead".

Choices: the 15 minutes are enforced (not just "in the future"), on create only - an update that
keeps starts_at does not re-trigger it. The newer guide says Seam truncates names over 14 characters
on the lock; the portal refuses them instead, so what staff type is what the lock shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .base import Check, DeviceFacts, Errors, Provider
from .windows import relative_text

START_LEAD = timedelta(minutes=15)


class KwiksetProvider(Provider):
    key = "kwikset"
    brand = "Kwikset"
    code_length = (4, 8)
    name_length = (2, 14)

    def brand_rules(self, check: Check, errors: Errors) -> None:
        starts = check.draft.starts_at
        if check.is_update or starts is None:
            return
        if starts < check.now + START_LEAD:
            errors.add(
                "starts_at",
                "Kwikset time-bound codes must start at least 15 minutes from now; "
                f"this one starts {relative_text(starts, check.now)}.",
            )

    def earliest_start(self, device: DeviceFacts, now: datetime) -> datetime:
        return now + START_LEAD + timedelta(minutes=1)  # the minute covers the time Seam takes to receive it

    def brand_description(self, device: DeviceFacts) -> list[str]:
        return ["Kwikset time-bound codes must start at least 15 minutes from now."]
