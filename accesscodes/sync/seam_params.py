"""What the portal sends Seam for a code, and how it reads Seam's timestamps back."""

import datetime as dt
import json

from django.utils.dateparse import parse_datetime

from accesscodes.models import AccessCode
from portal.seam.encoding import encode_body

# Seam's own example for an igloohome offline one-time-use code sends only starts_at: the PIN is valid for
# 24 hours from it. The portal stores that window; it sends it as Seam's example does.
ONE_TIME_USE_OFFLINE_VALIDITY = dt.timedelta(hours=24)


def seam_datetime(value) -> dt.datetime | None:
    """A timestamp from Seam as an aware datetime; None for anything that is not a valid timestamp."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None


def same_instant(*, left, right) -> bool:
    return seam_datetime(left) == seam_datetime(right)


def create_params(*, access_code: AccessCode) -> dict:
    params = {
        "device_id": access_code.device.seam_device_id,
        "name": access_code.name,
        "code": access_code.code or None,
        "starts_at": access_code.starts_at,
        "ends_at": None if _ends_at_implied(access_code) else access_code.ends_at,
        "is_offline_access_code": access_code.is_offline_access_code or None,
        "is_one_time_use": access_code.is_one_time_use or None,
        "max_time_rounding": access_code.max_time_rounding if access_code.is_offline_access_code else None,
        "allow_external_modification": access_code.allow_external_modification,
        "prefer_native_scheduling": access_code.prefer_native_scheduling,
        "use_backup_access_code_pool": access_code.use_backup_access_code_pool or None,
        "common_code_key": access_code.common_code_key or None,
    }
    return {key: value for key, value in params.items() if value is not None}


def _ends_at_implied(access_code: AccessCode) -> bool:
    return (
        access_code.is_offline_access_code
        and access_code.is_one_time_use
        and access_code.starts_at is not None
        and access_code.ends_at == access_code.starts_at + ONE_TIME_USE_OFFLINE_VALIDITY
    )


def update_params(*, access_code: AccessCode) -> dict:
    params = {
        "name": access_code.name,
        "code": access_code.code or None,
        "allow_external_modification": access_code.allow_external_modification,
        "prefer_native_scheduling": access_code.prefer_native_scheduling,
        "type": access_code.type,
    }
    if access_code.starts_at:
        params.update(starts_at=access_code.starts_at, ends_at=access_code.ends_at)
    return {key: value for key, value in params.items() if value is not None}


def json_safe(params: dict) -> dict:
    return json.loads(encode_body(params))
