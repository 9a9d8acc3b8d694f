"""dormakaba Oracode: offline codes that must fit one of the lock's predefined time slots.

Sources:
- Seam "Managing Offline Access Codes": dormakaba Oracode hourly- or daily-bound offline codes last 1
  to 31 days, and must follow the lock's time slots ("user levels").
- Seam's guides "Creating dormakaba Oracode Offline Access Codes" and "Programming
  Offline Access Codes on Dormakaba Oracode Locks"
  (https://docs.seam.co/latest/device-and-system-integration-guides/dormakaba-oracode-locks/):
  slots live in `properties.dormakaba_oracode_metadata.predefined_time_slots[]`; Seam rounds a
  booking to a slot when start and end are each within 1 hour of its check-in/check-out times, else
  creation fails ("No time slots found"); max 31 consecutive days; no update, no delete; master and
  one-time (one-shot) codes are not supported; permanent online codes rotate every 30 days
  ("Online Access Code Requirements and Behaviors"), so the PIN is never chosen.
- Slot times use Seam's time-of-day format, e.g. "15:30:00-08:00[America/Los_Angeles]",
  "07:00:00[America/Los_Angeles]" or "15:30:00[PST8PDT]"; all parse here. The zone is the bracketed
  IANA name, else the offset, else the lock's `iana_timezone`, else the device timezone, else UTC.

Readings made here:
- The guide's "1 to 31 days" minimum is read as one slot cycle: a one-night stay on a 4 PM -> 10 AM
  slot (18 h) is the example Seam's guide gives, so a window shorter than 24 h is accepted when it
  fits a slot. The 31-day maximum is checked on the window after rounding to the slot, in elapsed
  time (31 x 24 h).
- The 1-hour slot tolerance applies whatever max_time_rounding says: the guide states it as the rule
  for slot matching, and 1 hour never exceeds the smallest rounding allowance.
- Slots flagged `is_master` or `is_one_shot` are ignored, as Seam does not support those codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo

from . import device_constraints as dc
from .base import NON_FIELD, Check, CodeDraft, DeviceFacts, Errors, Provider
from .windows import HOUR, load_zone, span_text, zone_label

MAX_SPAN = timedelta(days=31)
SLOT_TOLERANCE = HOUR

_TIME_OF_DAY = re.compile(
    r"^\s*(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?\s*"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?\s*(?:\[(?P<zone>[^\]]+)\])?\s*$"
)


@dataclass(frozen=True)
class TimeSlot:
    name: str
    check_in: time
    check_out: time
    zone: tzinfo

    @property
    def label(self) -> str:
        return f"{self.name} ({self.check_in:%H:%M} → {self.check_out:%H:%M})"


def _offset_zone(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_time_of_day(text: object, fallback: tzinfo) -> tuple[time, tzinfo] | None:
    """('15:30:00-08:00[America/Los_Angeles]') -> (15:30, zone); None when unreadable."""
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if not match:
        return None
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    zone = load_zone(match["zone"]) or (_offset_zone(match["offset"]) if match["offset"] else fallback)
    return time(hour, minute, second), zone


def usable_slots(device: DeviceFacts, fallback: tzinfo) -> list[TimeSlot]:
    metadata = device.properties.get("dormakaba_oracode_metadata") or {}
    slots = []
    for raw in metadata.get("predefined_time_slots") or ():
        if not isinstance(raw, dict) or raw.get("is_master") or raw.get("is_one_shot"):
            continue
        check_in = parse_time_of_day(raw.get("check_in_time"), fallback)
        check_out = parse_time_of_day(raw.get("check_out_time"), fallback)
        if check_in and check_out:
            name = str(raw.get("name") or f"user level {raw.get('prefix', '?')}")
            slots.append(TimeSlot(name, check_in[0], check_out[0], check_in[1]))
    return slots


def snap(moment: datetime, tod: time, zone: tzinfo) -> datetime | None:
    """The nearest instant with wall-clock time `tod` in `zone`, if within the slot tolerance."""
    local_day = moment.astimezone(zone).date()
    candidates = [
        datetime.combine(local_day + timedelta(days=shift), tod, tzinfo=zone).astimezone(UTC)
        for shift in (-1, 0, 1)
    ]
    best = min(candidates, key=lambda c: abs(c - moment))
    return best if abs(best - moment) <= SLOT_TOLERANCE else None


def fit_slot(
    slots: list[TimeSlot], starts: datetime, ends: datetime
) -> tuple[TimeSlot, datetime, datetime] | None:
    """The slot needing the least rounding, with the rounded window; None when none fits."""
    fits = []
    for slot in slots:
        new_start = snap(starts, slot.check_in, slot.zone)
        new_end = snap(ends, slot.check_out, slot.zone)
        if new_start is not None and new_end is not None and new_end > new_start:
            shift = abs(new_start - starts) + abs(new_end - ends)
            fits.append((shift, slot, new_start, new_end))
    if not fits:
        return None
    _, slot, new_start, new_end = min(fits, key=lambda f: f[0])
    return slot, new_start, new_end


class DormakabaOracodeProvider(Provider):
    key = "dormakaba_oracode"
    brand = "dormakaba Oracode"
    implied_constraints = frozenset({dc.CANNOT_SPECIFY_PIN})

    def timezone_name(self, device: DeviceFacts) -> str | None:
        metadata = device.properties.get("dormakaba_oracode_metadata") or {}
        return metadata.get("iana_timezone") or device.timezone or None

    def _fallback_zone(self, device: DeviceFacts) -> tzinfo:
        return load_zone(self.timezone_name(device)) or UTC

    def custom_code_refusal(self, device: DeviceFacts, draft: CodeDraft) -> str | None:
        return (
            "dormakaba Oracode generates its PINs (offline codes come from the lock's user levels, "
            "permanent codes rotate every 30 days): leave the code empty."
        )

    def modification_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            return (
                "dormakaba Oracode offline codes cannot be changed once created. Create a new code for "
                "the new dates and share that one; this one stays valid until its end time."
            )
        return None

    def deletion_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            return (
                "dormakaba Oracode offline codes cannot be deleted: they stay valid until their end time. "
                "Let it expire; invalidating it earlier needs a factory reset of the lock."
            )
        return None

    def brand_rules(self, check: Check, errors: Errors) -> None:
        if not check.draft.is_offline_access_code or check.window is None:
            return
        starts, ends = check.window
        if ends <= starts:
            return
        slots = usable_slots(check.device, self._fallback_zone(check.device))
        fit = fit_slot(slots, starts, ends) if slots else None
        if not slots:
            errors.add(
                NON_FIELD,
                "This dormakaba Oracode lock reports no usable time slots (user levels), so no offline "
                "code can be created for it. Ask the dormakaba installer to configure time slots.",
            )
        elif fit is None:
            zone = slots[0].zone
            errors.add(
                NON_FIELD,
                "dormakaba Oracode codes must match one of the lock's time slots within 1 hour: start within "
                "an hour of a slot's check-in time and end within an hour of its check-out time. This code "
                f"runs {starts.astimezone(zone):%H:%M} → {ends.astimezone(zone):%H:%M} ({zone_label(zone)}); "
                "the lock's slots are: " + "; ".join(slot.label for slot in slots) + ".",
            )
        span = (fit[2] - fit[1]) if fit else (ends - starts)
        if span > MAX_SPAN:
            errors.add(
                "ends_at",
                f"dormakaba Oracode offline codes last at most 31 days; this one lasts {span_text(span)}.",
            )

    def brand_description(self, device: DeviceFacts) -> list[str]:
        fallback = self._fallback_zone(device)
        slots = usable_slots(device, fallback)
        if slots:
            slot_text = (
                "Offline codes must match one of the lock's time slots within 1 hour (times in "
                f"{zone_label(slots[0].zone)}): " + "; ".join(s.label for s in slots) + "."
            )
        else:
            slot_text = "This lock reports no usable time slots yet, so offline codes cannot be created."
        return [
            "Permanent dormakaba Oracode codes get a new PIN every 30 days.",
            "Offline codes last at most 31 days and need a start and an end.",
            slot_text,
            "Offline codes cannot be changed or deleted once created; master and one-time-use codes are "
            "not supported.",
        ]
