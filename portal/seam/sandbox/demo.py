"""Building Seam-shaped device and connected-account objects, and the demo set every workspace gets."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from portal.seam.sandbox.api_errors import invalid_input
from portal.seam.sandbox.brands import BRANDS, Brand
from portal.seam.sandbox.params import iso, new_id

# dormakaba "user levels": the only windows an Oracode PIN can encode. Times carry the site's offset.
ORACODE_TIME_SLOTS = [
    {
        "name": "Standard Stay",
        "prefix": 1,
        "check_in_time": "15:00:00-05:00",
        "check_out_time": "11:00:00-05:00",
        "is_24_hour": False,
        "is_one_shot": False,
        "is_master": False,
        "dormakaba_oracode_user_level_id": "11111111-0000-4000-8000-000000000001",
    },
    {
        "name": "Early Check-in",
        "prefix": 2,
        "check_in_time": "12:00:00-05:00",
        "check_out_time": "11:00:00-05:00",
        "is_24_hour": False,
        "is_one_shot": False,
        "is_master": False,
        "dormakaba_oracode_user_level_id": "11111111-0000-4000-8000-000000000002",
    },
    {
        "name": "Master",
        "prefix": 9,
        "check_in_time": "00:00:00-05:00",
        "check_out_time": "00:00:00-05:00",
        "is_24_hour": True,
        "is_one_shot": False,
        "is_master": True,
        "dormakaba_oracode_user_level_id": "11111111-0000-4000-8000-000000000009",
    },
]

# (manufacturer, display name, location name, timezone, extra: online flag / ultraloq timezone)
DEMO_DEVICES: list[tuple[str, str, str, str | None, dict[str, Any]]] = [
    ("igloohome", "Unit 4B Front Door", "Maple Court Apartments", "America/New_York", {"online": False}),
    ("dormakaba_oracode", "Harbor View Room 204", "Harbor View Inn", "America/New_York", {"online": False}),
    (
        "ultraloq",
        "Garden Cottage Side Door",
        "Garden Cottage",
        "America/Los_Angeles",
        {"time_zone": "America/Los_Angeles"},
    ),
    ("ultraloq", "Garden Cottage Garage Entry", "Garden Cottage", None, {"time_zone": None}),
    ("lockly", "Loft 12 Main Entrance", "Riverside Lofts", "America/Chicago", {}),
    ("august", "Unit 2A Front Door", "Maple Court Apartments", "America/New_York", {}),
    ("schlage", "Lakehouse Back Door", "Lakehouse Retreat", "America/Denver", {}),
    ("yale", "Suite 301 Entry", "Downtown Suites", "America/Chicago", {}),
    ("kwikset", "Unit 5C Patio Door", "Maple Court Apartments", "America/New_York", {}),
]


def connected_account(brand: Brand, workspace_id: str, now: datetime) -> dict[str, Any]:
    return {
        "connected_account_id": new_id(),
        "workspace_id": workspace_id,
        "account_type": brand.account_type,
        "account_type_display_name": brand.display_name,
        "display_name": f"{brand.display_name} sandbox account",
        "user_identifier": {"email": f"{brand.manufacturer}-owner@example.com"},
        "created_at": iso(now),
        "errors": [],
        "warnings": [],
        "custom_metadata": {},
        "automatically_manage_new_devices": True,
    }


def _brand_metadata(brand: Brand, device_id: str, name: str, extra: dict[str, Any]) -> dict[str, Any]:
    key = f"{brand.manufacturer}_metadata"
    if brand.manufacturer == "dormakaba_oracode":
        return {
            key: {
                "door_id": random.randint(100, 999),
                "door_name": name,
                "site_id": 4711,
                "site_name": "Harbor View Inn",
                "predefined_time_slots": [dict(slot) for slot in ORACODE_TIME_SLOTS],
            }
        }
    if brand.manufacturer == "ultraloq":
        return {key: {"device_id": device_id[:12], "device_name": name, "time_zone": extra.get("time_zone")}}
    if brand.manufacturer == "igloohome":
        return {key: {"device_id": f"IGK{random.randint(10**8, 10**9 - 1)}", "device_name": name}}
    return {key: {"device_id": device_id[:12], "device_name": name}}


def build_device(
    brand: Brand,
    *,
    workspace_id: str,
    connected_account_id: str,
    name: str,
    now: datetime,
    location_name: str = "Sandbox Property",
    timezone: str | None = "America/New_York",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    extra = extra or {}
    device_id = new_id()
    online = extra.get("online", True)
    battery = round(random.uniform(0.35, 1.0), 2)
    warnings = []
    if brand.manufacturer == "ultraloq" and not extra.get("time_zone"):
        warnings.append(
            {
                "warning_code": "ultraloq_time_zone_unknown",
                "message": "The time zone of this Ultraloq lock is unknown; time-bound codes cannot be set.",
                "created_at": iso(now),
            }
        )
    properties: dict[str, Any] = {
        "name": name,
        "appearance": {"name": name},
        "online": online,
        "locked": True,
        "battery_level": battery,
        "battery": {"level": battery, "status": "good" if battery > 0.5 else "low"},
        "manufacturer": brand.manufacturer,
        "model": {
            "display_name": brand.model,
            "manufacturer_display_name": brand.display_name,
            "online_access_codes_supported": brand.online_codes,
            "offline_access_codes_supported": brand.offline_codes,
            "has_built_in_keypad": True,
        },
        "serial_number": device_id.replace("-", "")[:16].upper(),
        "supported_code_lengths": list(brand.supported_code_lengths),
        "max_active_codes_supported": brand.max_active_codes_supported,
        "code_constraints": [dict(constraint) for constraint in brand.code_constraints],
        "supports_offline_access_codes": brand.offline_codes,
        "online_access_codes_enabled": brand.online_codes,
        "offline_access_codes_enabled": brand.offline_codes,
        "supports_backup_access_code_pool": brand.online_codes,
        "has_native_entry_events": brand.online_codes,
        **_brand_metadata(brand, device_id, name, extra),
    }
    return {
        "device_id": device_id,
        "workspace_id": workspace_id,
        "connected_account_id": connected_account_id,
        "device_type": brand.device_type,
        "display_name": name,
        "nickname": name,
        "capabilities_supported": ["access_code", "lock"],
        "can_program_online_access_codes": brand.online_codes,
        "can_program_offline_access_codes": brand.offline_codes,
        "can_remotely_lock": brand.remote_lock,
        "can_remotely_unlock": brand.remote_lock,
        "errors": [],
        "warnings": warnings,
        "location": {"location_name": location_name, "timezone": timezone},
        "created_at": iso(now),
        "is_managed": True,
        "custom_metadata": {},
        "properties": properties,
    }


def brand_named(manufacturer: str) -> Brand:
    brand = BRANDS.get(manufacturer)
    if brand is None:
        raise invalid_input(
            f"Unknown manufacturer {manufacturer!r}; choose one of {', '.join(sorted(BRANDS))}",
            field="manufacturer",
        )
    return brand
