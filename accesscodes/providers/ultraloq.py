"""Ultraloq: 4-8 digit numeric PINs; time-bound codes need the lock's time zone.

Source: Seam "Creating Ultraloq Access Codes", and Seam's "Understanding Code
Constraints" (Timezone Configuration, Ultraloq):
- codes are numeric, 4-8 digits; error text "Access code must be 4-8 digit numeric PIN for Ultraloq
  devices" - used verbatim as the start of our message;
- time-bound codes need the device time zone (`properties.ultraloq_metadata.time_zone`) and no
  `ultraloq_time_zone_unknown` device warning; error text "Time zone required for time-bound access
  codes on Ultraloq devices" - used verbatim as the start of our message; permanent codes work
  without a zone;
- Seam converts the UTC window to the lock's local time (worked example: 2024-01-20T19:00Z ->
  2024-01-22T02:00Z in America/New_York is 2024-01-20 14:00 -> 2024-01-21 21:00 EST), which is what
  `device_local_window` reproduces with the zone this provider trusts;
- a code disabled in the Ultraloq app carries the `ultraloq_access_code_disabled` warning and can
  only be re-enabled in that app (described, not validated: it is not a create/update rule).

The zone is `DeviceFacts.timezone`, else `properties.ultraloq_metadata.time_zone`; it is not trusted
while the device carries the unknown-zone warning, nor when it is not an IANA name Python knows.
"""

from __future__ import annotations

from .base import NON_FIELD, Check, CodeDraft, DeviceFacts, Errors, Provider, digits_problem
from .windows import load_zone

TIMEZONE_UNKNOWN_WARNING = "ultraloq_time_zone_unknown"


def _reported_zone(device: DeviceFacts) -> str | None:
    metadata = device.properties.get("ultraloq_metadata") or {}
    return device.timezone or metadata.get("time_zone") or None


class UltraloqProvider(Provider):
    key = "ultraloq"
    brand = "Ultraloq"
    code_length = (4, 8)

    def timezone_name(self, device: DeviceFacts) -> str | None:
        name = _reported_zone(device)
        if TIMEZONE_UNKNOWN_WARNING in device.warning_codes or load_zone(name) is None:
            return None
        return name

    def code_format_error(self, draft: CodeDraft, code: str) -> str | None:
        problem = digits_problem(code, *self.code_length)
        if problem is None:
            return None
        return f"Access code must be 4-8 digit numeric PIN for Ultraloq devices; this one {problem}."

    def _zone_problem(self, device: DeviceFacts) -> str | None:
        if TIMEZONE_UNKNOWN_WARNING in device.warning_codes:
            return f"The lock reports the {TIMEZONE_UNKNOWN_WARNING} warning."
        name = _reported_zone(device)
        if name is None:
            return "The lock reports no time zone."
        if load_zone(name) is None:
            return f"The lock's time zone {name!r} is not a known IANA time zone."
        return None

    def brand_rules(self, check: Check, errors: Errors) -> None:
        draft = check.draft
        if draft.starts_at is None and draft.ends_at is None:
            return  # permanent codes need no zone
        problem = self._zone_problem(check.device)
        if problem:
            errors.add(
                NON_FIELD,
                f"Time zone required for time-bound access codes on Ultraloq devices. {problem} Configure "
                "the lock's time zone first (Seam: /devices/report_provider_metadata), or leave starts_at "
                "and ends_at empty for a permanent code.",
            )

    def brand_description(self, device: DeviceFacts) -> list[str]:
        zone = self.timezone_name(device)
        if zone:
            zone_text = f"Time-bound codes run on the lock's local time ({zone}); Seam converts the times."
        else:
            zone_text = (
                "Time-bound codes need the lock's time zone, which is not configured: only permanent codes "
                "can be created until it is."
            )
        return [
            zone_text,
            "A code disabled in the Ultraloq app can only be re-enabled in that app.",
        ]
