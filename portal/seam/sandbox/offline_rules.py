"""Manufacturer rules for offline (algorithmic) PINs, as Seam documents them for each brand.

Each function checks a request against one brand's rules and returns the window Seam would store
(after its rounding), warnings to attach, and a PIN prefix where the brand encodes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.seam.sandbox.api_errors import invalid_input
from portal.seam.sandbox.records import AccessCode
from portal.seam.sandbox.timeutil import (
    DAY,
    HOUR,
    ceil_hour,
    floor_hour,
    nearest_at_time_of_day,
    parse_time_of_day,
    seconds_of_day,
)

IGLOO_MAX_HOURLY = timedelta(hours=672)
IGLOO_DAILY_DAYS = (29, 367)
IGLOO_PER_HOUR = 3
IGLOO_PER_DAY = 3
IGLOO_ONE_TIME_PER_SLOT = 5
ORACODE_DAYS = (1, 31)


@dataclass
class OfflinePlan:
    starts_at: datetime
    ends_at: datetime
    warnings: list[tuple[str, str]] = field(default_factory=list)
    prefix: str = ""


def _require_window(brand: str, starts_at, ends_at) -> None:
    if starts_at is None or ends_at is None:
        raise invalid_input(f"{brand} offline access codes must be time-bound: provide starts_at and ends_at")


def _igloo_kind(code: AccessCode) -> str:
    if code.is_one_time_use:
        return "one_time"
    return "hourly" if code.ends_at - code.starts_at <= IGLOO_MAX_HOURLY else "daily"


def igloohome(
    starts_at, ends_at, *, one_time: bool, day_rounding: bool, offline_codes: list[AccessCode]
) -> OfflinePlan:
    if one_time:
        if starts_at is None:
            raise invalid_input("One-time-use igloohome offline access codes require starts_at")
        # algoPIN one-time codes are valid for 24 hours from their start, whatever ends_at says.
        starts_at = floor_hour(starts_at)
        plan = OfflinePlan(starts_at, starts_at + DAY)
        same_slot = [c for c in offline_codes if _igloo_kind(c) == "one_time" and c.starts_at == starts_at]
        if len(same_slot) >= IGLOO_ONE_TIME_PER_SLOT:
            raise invalid_input(
                f"igloohome allows at most {IGLOO_ONE_TIME_PER_SLOT} one-time-use offline codes per start slot"
            )
        return plan
    _require_window("igloohome", starts_at, ends_at)
    if ends_at - starts_at <= IGLOO_MAX_HOURLY:
        plan = OfflinePlan(floor_hour(starts_at), ceil_hour(ends_at))
        if plan.ends_at - plan.starts_at < HOUR:
            raise invalid_input("Hourly-bound igloohome offline access codes must last at least 1 hour")
        if plan.ends_at - plan.starts_at > IGLOO_MAX_HOURLY:
            raise invalid_input("Hourly-bound igloohome offline access codes can last at most 672 hours")
        same_hour = [c for c in offline_codes if _igloo_kind(c) == "hourly" and c.starts_at == plan.starts_at]
        if len(same_hour) >= IGLOO_PER_HOUR:
            raise invalid_input(
                f"igloohome allows at most {IGLOO_PER_HOUR} hourly-bound offline codes starting in the same hour"
            )
    else:
        plan = _igloo_daily(starts_at, ends_at, day_rounding)
        same_day = [
            c
            for c in offline_codes
            if _igloo_kind(c) == "daily" and c.starts_at.date() == plan.starts_at.date()
        ]
        if len(same_day) >= IGLOO_PER_DAY:
            raise invalid_input(
                f"igloohome allows at most {IGLOO_PER_DAY} daily-bound offline codes starting on the same day"
            )
    if plan.ends_at - plan.starts_at > DAY:
        plan.warnings.append(
            (
                "igloo_algopin_must_be_used_within_24_hours",
                "This algoPIN must be used within 24 hours of its start time or it will not activate.",
            )
        )
    return plan


def _igloo_daily(starts_at: datetime, ends_at: datetime, day_rounding: bool) -> OfflinePlan:
    if day_rounding:
        # max_time_rounding=1day: Seam snaps the period to whole days.
        starts_at = starts_at.replace(hour=0, minute=0, second=0, microsecond=0)
        ends_at = (ends_at + DAY / 2).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        gap = abs(seconds_of_day(ends_at) - seconds_of_day(starts_at))
        gap = min(gap, 86400 - gap)
        if gap > 3600:
            raise invalid_input(
                "Daily-bound igloohome offline access codes must start and end at the same time of day; "
                "the rounding needed exceeds max_time_rounding (use max_time_rounding=1day)"
            )
        starts_at = floor_hour(starts_at)
        ends_at = starts_at + round((ends_at - starts_at) / DAY) * DAY
    days = round((ends_at - starts_at) / DAY)
    low, high = IGLOO_DAILY_DAYS
    if not low <= days <= high:
        raise invalid_input(f"Daily-bound igloohome offline access codes must last {low} to {high} days")
    return OfflinePlan(starts_at, ends_at)


def dormakaba_oracode(device: dict, starts_at, ends_at, *, one_time: bool) -> OfflinePlan:
    if one_time:
        raise invalid_input("dormakaba Oracode locks do not support one-time-use offline access codes")
    _require_window("dormakaba Oracode", starts_at, ends_at)
    metadata = device["properties"].get("dormakaba_oracode_metadata") or {}
    slots = [
        slot
        for slot in metadata.get("predefined_time_slots", [])
        if not slot.get("is_master") and not slot.get("is_one_shot")
    ]
    for slot in slots:
        check_in, tz = parse_time_of_day(slot["check_in_time"])
        check_out, _ = parse_time_of_day(slot["check_out_time"])
        start = nearest_at_time_of_day(starts_at, check_in, tz)
        end = nearest_at_time_of_day(ends_at, check_out, tz)
        if abs(start - starts_at) > HOUR or abs(end - ends_at) > HOUR or end <= start:
            continue
        nights = (end.astimezone(tz).date() - start.astimezone(tz).date()).days
        low, high = ORACODE_DAYS
        if not low <= nights <= high:
            raise invalid_input(f"dormakaba Oracode offline access codes must last {low} to {high} days")
        return OfflinePlan(start, end, prefix=str(slot["prefix"]))
    described = ", ".join(
        f"{slot['name']} ({slot['check_in_time'][:5]}-{slot['check_out_time'][:5]})" for slot in slots
    )
    raise invalid_input(
        "The requested times do not fit any predefined dormakaba Oracode time slot within 1 hour. "
        f"Available slots: {described or 'none'}"
    )


def lockly(starts_at, ends_at) -> OfflinePlan:
    _require_window("Lockly", starts_at, ends_at)
    return OfflinePlan(starts_at, ends_at)
