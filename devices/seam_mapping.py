"""Seam's JSON (device and connected-account dicts) → our model fields.

Pure functions, no database: the sync calls them once per row, so they stay cheap and never raise on a
missing or oddly typed value (Seam adds fields over time and providers fill different ones).
"""

import hashlib
import marshal
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Any

import orjson

# Our column widths; Seam does not promise short strings.
NAME_MAX = 200
SHORT_MAX = 100

# A device's fingerprint covers Seam's JSON and how this module maps it: salted with this file's source, a
# changed mapping rewrites every device once on the next sync instead of leaving rows of the old mapping.
_MAPPING_SOURCE_DIGEST = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=16).digest()


@cache
def _iana_timezones() -> frozenset[str]:
    # available_timezones() scans the tz database on disk: read it once per process.
    return frozenset(zoneinfo.available_timezones())


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any, max_length: int) -> str:
    return value[:max_length] if isinstance(value, str) else ""


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _battery_level(value: Any) -> float | None:
    # bool is an int subclass; a `true` battery level is junk, not 100 %.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(max(float(value), 0.0), 1.0)


def _positive_int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def device_timezone(seam_device: dict) -> str:
    """The lock's own IANA zone: Ultraloq keeps it in its metadata (Seam needs it for time-bound codes),
    everything else reports `location.timezone`. Anything that is not an IANA name is dropped, so code
    scheduling never trips over a zone it cannot load."""
    properties = _dict(seam_device.get("properties"))
    candidates = (
        _dict(properties.get("ultraloq_metadata")).get("time_zone"),
        _dict(seam_device.get("location")).get("timezone"),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate in _iana_timezones():
            return candidate
    return ""


def device_fields(seam_device: dict) -> dict[str, Any]:
    """The Device columns read from one Seam device, keyed by field name; JSON-serialisable values.

    The sync adds the rest: `connected_account_id` (our key for Seam's account id), `content_hash`,
    `workspace_id`, `last_changed_at` and `removed_at` (cleared: a device Seam lists is not removed)."""
    properties = _dict(seam_device.get("properties"))
    device_id = seam_device["device_id"]
    return {
        "seam_device_id": device_id,
        "name": (
            _text(seam_device.get("display_name"), NAME_MAX)
            or _text(properties.get("name"), NAME_MAX)
            or device_id
        ),
        "device_type": _text(seam_device.get("device_type"), SHORT_MAX),
        "manufacturer": _text(properties.get("manufacturer"), SHORT_MAX),
        "model": _text(_dict(properties.get("model")).get("display_name"), NAME_MAX),
        "online": properties.get("online") is True,
        "locked": _bool_or_none(properties.get("locked")),
        "battery_level": _battery_level(properties.get("battery_level")),
        "can_program_online_access_codes": seam_device.get("can_program_online_access_codes") is True,
        "can_program_offline_access_codes": seam_device.get("can_program_offline_access_codes") is True,
        "capabilities_supported": _list(seam_device.get("capabilities_supported")),
        "supported_code_lengths": _list(properties.get("supported_code_lengths")),
        "max_active_codes_supported": _positive_int_or_none(properties.get("max_active_codes_supported")),
        "code_constraints": _list(properties.get("code_constraints")),
        "timezone": device_timezone(seam_device),
        "properties": properties,
        "errors": _list(seam_device.get("errors")),
        "warnings": _list(seam_device.get("warnings")),
    }


def device_content_hash(seam_device: dict, *, connected_account_pk: int | None) -> str:
    """Fingerprint of the Device row `device_fields` builds from `seam_device` (plus its account's key).

    Taken from Seam's JSON rather than from the mapped row, so an unchanged device costs neither the mapping
    nor a write. Equal JSON values give equal bytes (1, 1.0 and true stay distinct); orjson is the fastest
    way to bytes here, and marshal takes what it refuses (integers beyond 64 bits). A Seam that reorders
    keys costs one needless rewrite per device, never a missed change."""
    try:
        encoded = orjson.dumps([connected_account_pk, seam_device])
    except orjson.JSONEncodeError:
        encoded = marshal.dumps((connected_account_pk, seam_device), 2)
    return hashlib.sha256(_MAPPING_SOURCE_DIGEST + encoded).hexdigest()[:32]


def connected_account_fields(seam_account: dict) -> dict[str, Any]:
    user_identifier = _dict(seam_account.get("user_identifier"))
    display_name = (
        _text(seam_account.get("display_name"), NAME_MAX)
        or _text(user_identifier.get("email"), NAME_MAX)
        or _text(user_identifier.get("username"), NAME_MAX)
    )
    return {
        "seam_connected_account_id": seam_account["connected_account_id"],
        "account_type": _text(seam_account.get("account_type"), SHORT_MAX),
        "display_name": display_name,
        "errors": _list(seam_account.get("errors")),
        "warnings": _list(seam_account.get("warnings")),
    }
