"""Seam's access-code rules, answered the way Seam answers them (HTTP 400 `invalid_input`, 409 for
a PIN already on the lock). Written independently of the portal's own validation on purpose: the
sandbox is the referee the portal's rules are tested against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.seam.sandbox import offline_rules
from portal.seam.sandbox.api_errors import SeamApiError, invalid_input
from portal.seam.sandbox.brands import BRANDS, Brand
from portal.seam.sandbox.codegen import constraint_violations, generate_code
from portal.seam.sandbox.params import iso
from portal.seam.sandbox.records import AccessCode

API_CODE_FORMAT = re.compile(r"^\d{4,12}$")
ROUNDINGS = {"1hour": "hour", "1h": "hour", "1day": "day", "1d": "day"}
NATIVE_PRELOAD = timedelta(hours=72)
JUST_IN_TIME_LEAD = timedelta(minutes=60)


@dataclass
class CodeRequest:
    """The create parameters that shape a code."""

    name: str | None = None
    code: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    is_offline: bool = False
    is_one_time_use: bool = False
    max_time_rounding: str = "1hour"
    allow_external_modification: bool = False
    prefer_native_scheduling: bool | None = None
    use_backup_pool: bool = False
    preferred_code_length: int | None = None
    common_code_key: str | None = None


@dataclass
class CodePlan:
    """What Seam would store for a valid request."""

    type: str
    starts_at: datetime | None
    ends_at: datetime | None
    code: str
    native_scheduling: bool
    appearance_name: str | None
    warnings: list[tuple[str, str]] = field(default_factory=list)


# -- shared checks --------------------------------------------------------------------------------


def check_window(starts_at, ends_at, now: datetime) -> None:
    if (starts_at is None) != (ends_at is None):
        raise invalid_input("Both starts_at and ends_at must be provided together")
    if starts_at is not None and ends_at <= starts_at:
        raise invalid_input("ends_at must be after starts_at", field="ends_at")
    if ends_at is not None and ends_at <= now:
        raise invalid_input("ends_at must be in the future", field="ends_at")


def check_code(code: str, device: dict) -> None:
    properties = device["properties"]
    if properties["manufacturer"] == "ultraloq" and not re.fullmatch(r"\d{4,8}", code):
        raise invalid_input("Access code must be 4-8 digit numeric PIN for Ultraloq devices", field="code")
    if not API_CODE_FORMAT.match(code):
        raise invalid_input("code must be 4 to 12 digits", field="code")
    lengths = properties.get("supported_code_lengths") or []
    if lengths and len(code) not in lengths:
        raise invalid_input(
            f"This device only supports codes of length {', '.join(map(str, lengths))}", field="code"
        )
    broken = constraint_violations(code, properties.get("code_constraints") or [])
    if broken:
        raise invalid_input(f"code violates the device's constraints: {', '.join(broken)}", field="code")


def pins(on_device: list) -> set[str]:
    return {item.code if isinstance(item, AccessCode) else item.get("code") for item in on_device} - {None}


def _window(item) -> tuple[datetime | None, datetime | None]:
    if isinstance(item, AccessCode):
        return item.starts_at, item.ends_at
    return None, None  # unmanaged codes are permanent


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    # A missing bound is open-ended: ongoing codes overlap everything.
    return (a_end is None or b_start is None or b_start < a_end) and (
        b_end is None or a_start is None or a_start < b_end
    )


def check_duplicate(code: str, starts_at, ends_at, on_device: list) -> None:
    for other in on_device:
        other_code = other.code if isinstance(other, AccessCode) else other.get("code")
        if other_code == code and _overlaps(starts_at, ends_at, *_window(other)):
            period = f" for period {iso(starts_at)}-{iso(ends_at)}" if starts_at else ""
            raise SeamApiError(
                409,
                "duplicate_access_code",
                f"Cannot set duplicate access code {code} on this device{period}: "
                "the lock already holds that PIN (duplicate_code_on_device)",
            )


def appearance_name(name: str | None, device: dict) -> str | None:
    for constraint in device["properties"].get("code_constraints") or []:
        if constraint.get("constraint_type") == "name_length" and name and constraint.get("max_length"):
            # Locks with short name fields show a truncated name; Seam keeps the full one.
            return name[: constraint["max_length"]]
    return name


# -- create ---------------------------------------------------------------------------------------


def plan_create(device: dict, request: CodeRequest, on_device: list, now: datetime) -> CodePlan:
    """Validate a create request against the device; `on_device` holds the codes already on the lock."""
    brand = BRANDS[device["properties"]["manufacturer"]]
    if request.max_time_rounding not in ROUNDINGS:
        raise invalid_input("max_time_rounding must be one of 1hour, 1h, 1day, 1d", field="max_time_rounding")
    capacity = device["properties"].get("max_active_codes_supported")
    if capacity and len(on_device) >= capacity:
        raise invalid_input(
            f"No space for another access code on this device (it holds at most {capacity} codes)"
        )
    if request.is_offline:
        return _plan_offline(device, brand, request, on_device, now)
    return _plan_online(device, brand, request, on_device, now)


def _plan_online(device: dict, brand: Brand, request: CodeRequest, on_device: list, now) -> CodePlan:
    if not device.get("can_program_online_access_codes"):
        raise invalid_input(
            "This device cannot program online access codes (can_program_online_access_codes is false); "
            "create an offline access code instead"
        )
    if request.is_one_time_use:
        raise invalid_input(
            "is_one_time_use is only supported for offline access codes", field="is_one_time_use"
        )
    check_window(request.starts_at, request.ends_at, now)
    time_bound = request.starts_at is not None
    if request.use_backup_pool and not time_bound:
        raise invalid_input(
            "Cannot use the backup pool for ongoing codes", field="use_backup_access_code_pool"
        )
    if brand.manufacturer == "ultraloq" and time_bound:
        check_ultraloq_time_zone(device)
    if request.code is not None:
        check_code(request.code, device)
        check_duplicate(request.code, request.starts_at, request.ends_at, on_device)
        code = request.code
    else:
        code = _generate_online(device, request, on_device)
    return CodePlan(
        type="time_bound" if time_bound else "ongoing",
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        code=code,
        native_scheduling=time_bound
        and brand.native_scheduling
        and request.prefer_native_scheduling is not False,
        appearance_name=appearance_name(request.name, device),
    )


def check_ultraloq_time_zone(device: dict) -> None:
    time_zone = (device["properties"].get("ultraloq_metadata") or {}).get("time_zone")
    unknown = any(w.get("warning_code") == "ultraloq_time_zone_unknown" for w in device.get("warnings", []))
    if not time_zone or unknown:
        raise invalid_input("Time zone required for time-bound access codes on Ultraloq devices")


def _generate_online(device: dict, request: CodeRequest, on_device: list) -> str:
    lengths = device["properties"].get("supported_code_lengths") or [4, 5, 6, 7, 8]
    if request.preferred_code_length is not None:
        if request.preferred_code_length not in lengths:
            raise invalid_input(
                f"preferred_code_length must be one of {', '.join(map(str, lengths))} for this device",
                field="preferred_code_length",
            )
        length = request.preferred_code_length
    else:
        length = min(lengths)
    taken = pins(on_device)
    return generate_code(length, constraints=device["properties"].get("code_constraints") or [], taken=taken)


def _plan_offline(device: dict, brand: Brand, request: CodeRequest, on_device: list, now) -> CodePlan:
    if not device.get("can_program_offline_access_codes"):
        raise invalid_input(
            "This device cannot program offline access codes (can_program_offline_access_codes is false)"
        )
    if request.code is not None:
        raise invalid_input(
            f"{brand.display_name} offline access codes are generated by the manufacturer; "
            "a custom code cannot be specified",
            field="code",
        )
    if request.use_backup_pool:
        raise invalid_input("Offline access codes cannot use the backup access code pool")
    offline_codes = [item for item in on_device if isinstance(item, AccessCode) and item.is_offline]
    if brand.manufacturer == "igloohome":
        plan = offline_rules.igloohome(
            request.starts_at,
            request.ends_at,
            one_time=request.is_one_time_use,
            day_rounding=ROUNDINGS[request.max_time_rounding] == "day",
            offline_codes=offline_codes,
        )
    elif brand.manufacturer == "dormakaba_oracode":
        plan = offline_rules.dormakaba_oracode(
            device, request.starts_at, request.ends_at, one_time=request.is_one_time_use
        )
    else:
        plan = offline_rules.lockly(request.starts_at, request.ends_at)
    check_window(plan.starts_at, plan.ends_at, now)
    taken = pins(on_device)
    code = generate_code(brand.offline_code_length or 8, taken=taken, prefix=plan.prefix)
    return CodePlan(
        type="time_bound",
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        code=code,
        native_scheduling=False,
        appearance_name=appearance_name(request.name, device),
        warnings=plan.warnings,
    )


# -- update ---------------------------------------------------------------------------------------


def check_update(
    device: dict, current: AccessCode, *, code, starts_at, ends_at, on_device: list, now: datetime
) -> None:
    """Validate the merged state an update would produce."""
    if current.is_offline:
        raise invalid_input(
            "Offline access codes cannot be modified; create a new offline access code instead"
        )
    check_window(starts_at, ends_at, now)
    if starts_at is not None and device["properties"]["manufacturer"] == "ultraloq":
        check_ultraloq_time_zone(device)
    others = [item for item in on_device if getattr(item, "access_code_id", None) != current.access_code_id]
    if code != current.code or (starts_at, ends_at) != (current.starts_at, current.ends_at):
        check_code(code, device)
        check_duplicate(code, starts_at, ends_at, others)


def program_at(code: AccessCode, not_before: datetime) -> datetime:
    """When Seam starts putting a code on the lock (72 h ahead natively, 60 min just in time)."""
    if code.starts_at is None:
        return not_before
    lead = NATIVE_PRELOAD if code.native_scheduling else JUST_IN_TIME_LEAD
    return max(not_before, code.starts_at - lead)
