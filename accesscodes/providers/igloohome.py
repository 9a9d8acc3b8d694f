"""igloohome: offline algoPIN codes, with the constraint tables of Seam's igloohome guides.

Sources:
- Seam "Managing Offline Access Codes": hourly-bound 1-672 h (28 days), daily-bound 29-367 days
  with the same time of day at start and end, max_time_rounding 1day lets Seam round to whole days,
  one-time-use codes need starts_at and last 24 h from it (Seam's example sends no ends_at).
- Seam "Creating igloohome Offline Access Codes": 199 PINs per lock (online + offline), no custom
  code, no update, no deletion through the API (needs Bluetooth range), 24 h activation window for
  codes longer than 24 h, at most 3 hourly-bound codes per hour, 3 daily-bound per day, 5 one-time
  per start date slot.
- online (bridge) codes of 4-6 digits: Seam's code-constraint notes and igloohome's support pages
  ("Custom PIN via Bluetooth (4-6 digits long)", https://support.igloohome.co/support/solutions/35000138348).

Readings made here (the guides do not spell them out):
- Classification is by duration, which is all Seam's create call carries: up to 672 h is hourly-bound;
  longer is daily-bound. 672 h (28 days) and 29 days do not overlap - they leave a gap: a window that
  rounds to 28 whole days but is over 672 h (e.g. 673 h) is neither, and is refused naming both
  ranges. (RemoteLOCK's igloohome notes agree: past 28 days start and end times may not differ.)
- A daily-bound window must be a whole number of days (same UTC time of day at both ends; elapsed
  time, so a DST change in the lock's zone does not make a 29-day code 29 days +/- 1 h). Seam rounds
  to the nearest day; the rounding needed must fit max_time_rounding (1hour by default, 1day allows
  any). The day count is checked after rounding (28.5 days rounds to 29).
- Hourly-bound codes are rounded by Seam to the hour (minutes dropped); that is always under an hour,
  so max_time_rounding never blocks them. The 1 h minimum is on the requested window.
- "Per hour" = starting in the same clock hour; "per day" / "per start date slot" = starting on the
  same calendar date. "Start date slot" for one-time codes is read as the date (the stricter reading:
  an hour-level slot would allow more codes). Hours and dates are taken in the lock's zone when the
  device reports one, else in UTC.
- The 199-PIN limit counts every other code still occupying the lock (offline codes cannot be deleted,
  so they count until they expire).
- A one-time code may carry ends_at only if it is exactly starts_at + 24 h (Seam's response has none);
  one sent with a start only gets that end (`implied_ends_at`), so the portal shows the real window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .base import NON_FIELD, Check, CodeDraft, DeviceFacts, Errors, Provider, rounding_allowance
from .windows import DAY, HOUR, hours_text, load_zone, span_text, zone_label

HOURLY_MAX = timedelta(hours=672)
HOURLY_MIN = HOUR
DAILY_MIN_DAYS = 29
DAILY_MAX_DAYS = 367
ONE_TIME_VALIDITY = timedelta(hours=24)
MAX_PINS = 199
MAX_HOURLY_PER_HOUR = 3
MAX_DAILY_PER_DAY = 3
MAX_ONE_TIME_PER_DATE = 5

HOURLY, DAILY, ONE_TIME = "hourly", "daily", "one_time"


def offline_kind(
    starts_at: datetime | None, ends_at: datetime | None, *, offline: bool, one_time: bool
) -> str | None:
    """hourly / daily / one_time for an igloohome offline code, None when not classifiable."""
    if not offline:
        return None
    if one_time:
        return ONE_TIME
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        return None
    return HOURLY if ends_at - starts_at <= HOURLY_MAX else DAILY


def whole_days(span: timedelta) -> tuple[int, timedelta]:
    """Nearest whole number of days (halves round up) and how far the span is from it."""
    days = (span + DAY / 2) // DAY
    return days, abs(span - days * DAY)


class IgloohomeProvider(Provider):
    key = "igloohome"
    brand = "igloohome"
    code_length = (4, 6)  # online (bridge) codes; offline PINs are generated
    code_noun = "igloohome online (bridge) codes"
    supports_one_time_use = True
    rounds_offline_windows = True

    def custom_code_refusal(self, device: DeviceFacts, draft: CodeDraft) -> str | None:
        if draft.is_offline_access_code:
            return "igloohome generates offline codes (algoPINs) itself: leave the code empty."
        return super().custom_code_refusal(device, draft)

    def implied_ends_at(self, draft: CodeDraft) -> datetime | None:
        if draft.is_offline_access_code and draft.is_one_time_use and draft.starts_at is not None:
            return draft.starts_at + ONE_TIME_VALIDITY
        return None

    def modification_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            return (
                "igloohome offline codes (algoPINs) cannot be changed once created. Create a new code "
                "with the new details and share that one; to stop this one working, let it expire or "
                "delete it at the lock with the igloohome app (within Bluetooth range)."
            )
        return None

    def deletion_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            return (
                "igloohome offline codes (algoPINs) cannot be deleted through the Seam API: deleting one "
                "needs a phone within Bluetooth range of the lock. Let it expire, or revoke it on the lock "
                "with the igloohome app."
            )
        return None

    # ----- rules ---------------------------------------------------------------------------------

    def brand_rules(self, check: Check, errors: Errors) -> None:
        self._check_pin_total(check, errors)
        draft = check.draft
        kind = offline_kind(
            draft.starts_at,
            draft.ends_at,
            offline=draft.is_offline_access_code,
            one_time=draft.is_one_time_use,
        )
        if kind == ONE_TIME and draft.starts_at is not None:
            self._check_one_time(check, errors)
        elif kind == HOURLY:
            self._check_hourly(check, errors)
        elif kind == DAILY:
            self._check_daily(check, errors)

    def _zone(self, device: DeviceFacts):
        return load_zone(self.timezone_name(device)) or UTC

    def _check_pin_total(self, check: Check, errors: Errors) -> None:
        if len(check.others) + 1 > MAX_PINS:
            errors.add(
                NON_FIELD,
                f"igloohome locks hold at most {MAX_PINS} PINs in total, online and offline; this lock "
                f"already has {len(check.others)}. Let some expire or delete online codes first.",
            )

    def _same_start_count(self, check: Check, kind: str, slot) -> int:
        mine = slot(check.draft.starts_at)
        return sum(
            1
            for other in check.others
            if other.starts_at is not None
            and offline_kind(
                other.starts_at,
                other.ends_at,
                offline=other.is_offline_access_code,
                one_time=other.is_one_time_use,
            )
            == kind
            and slot(other.starts_at) == mine
        )

    def _check_one_time(self, check: Check, errors: Errors) -> None:
        starts, ends = check.draft.starts_at, check.draft.ends_at
        if ends is not None and ends != starts + ONE_TIME_VALIDITY:
            errors.add(
                "ends_at",
                "igloohome one-time-use codes are valid for exactly 24 hours from starts_at; leave "
                "ends_at empty or set it to starts_at + 24 hours.",
            )
        zone = self._zone(check.device)
        taken = self._same_start_count(check, ONE_TIME, lambda t: t.astimezone(zone).date())
        if taken >= MAX_ONE_TIME_PER_DATE:
            errors.add(
                "starts_at",
                f"igloohome allows at most {MAX_ONE_TIME_PER_DATE} one-time-use codes per start date; "
                f"{taken} already start on {starts.astimezone(zone):%Y-%m-%d} ({zone_label(zone)}). "
                "Choose another start date.",
            )

    def _check_hourly(self, check: Check, errors: Errors) -> None:
        starts, ends = check.window
        if ends - starts < HOURLY_MIN:
            errors.add(
                "ends_at",
                "igloohome hourly-bound offline codes last 1 to 672 hours (28 days); "
                f"this one lasts {span_text(ends - starts)}.",
            )
        zone = self._zone(check.device)
        taken = self._same_start_count(
            check, HOURLY, lambda t: t.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        )
        if taken >= MAX_HOURLY_PER_HOUR:
            errors.add(
                "starts_at",
                f"igloohome allows at most {MAX_HOURLY_PER_HOUR} hourly-bound offline codes starting in "
                f"the same hour; {taken} already start at {starts.astimezone(zone):%Y-%m-%d %H:00} "
                f"({zone_label(zone)}). Choose another start hour.",
            )

    def _check_daily(self, check: Check, errors: Errors) -> None:
        starts, ends = check.window
        span = ends - starts
        days, off_by = whole_days(span)
        if days < DAILY_MIN_DAYS:
            errors.add(
                "ends_at",
                "igloohome offline codes last 1 to 672 hours (28 days) when hourly-bound, or 29 to 367 "
                f"days when daily-bound; this one lasts {hours_text(span)}, between the two ranges.",
            )
            return
        if days > DAILY_MAX_DAYS:
            errors.add(
                "ends_at",
                f"igloohome daily-bound offline codes last 29 to 367 days; this one lasts {span_text(span)}.",
            )
            return
        allowance = rounding_allowance(check.draft)
        if allowance is not None and off_by > allowance:
            errors.add(
                "ends_at",
                "igloohome daily-bound offline codes (longer than 28 days) must start and end at the same "
                f"time of day; this one is {span_text(off_by)} off a whole number of days, more than "
                f"max_time_rounding {check.draft.max_time_rounding} lets Seam round. Make the end time "
                "match the start time, or set max_time_rounding to 1day.",
            )
        zone = self._zone(check.device)
        taken = self._same_start_count(check, DAILY, lambda t: t.astimezone(zone).date())
        if taken >= MAX_DAILY_PER_DAY:
            errors.add(
                "starts_at",
                f"igloohome allows at most {MAX_DAILY_PER_DAY} daily-bound offline codes starting on the "
                f"same day; {taken} already start on {starts.astimezone(zone):%Y-%m-%d} "
                f"({zone_label(zone)}). Choose another start day.",
            )

    # ----- describe_rules ------------------------------------------------------------------------

    def brand_description(self, device: DeviceFacts) -> list[str]:
        return [
            "igloohome offline codes (algoPINs) are generated by igloohome: you cannot choose the PIN.",
            "Hourly-bound offline codes last 1 to 672 hours (28 days); at most 3 may start in the same hour.",
            "Daily-bound offline codes last 29 to 367 days and must start and end at the same time of day "
            "(or set max time rounding to 1 day); at most 3 may start on the same day. Durations between "
            "672 hours and 29 days are not possible.",
            "One-time-use offline codes need a start time, are valid for 24 hours from it and expire after "
            "one use; at most 5 may start on the same date.",
            f"A lock holds at most {MAX_PINS} PINs in total, online and offline.",
            "An offline code lasting more than 24 hours must be used for the first time within 24 hours "
            "of its start.",
            "Offline codes cannot be changed, and cannot be deleted through Seam: revoking one needs the "
            "igloohome app within Bluetooth range of the lock.",
        ]
