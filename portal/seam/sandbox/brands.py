"""What each lock brand can do, as the sandbox models it.

Code lengths and constraints follow the device objects in Seam's API reference. `native_scheduling`
follows Seam's supported-providers table for access-code scheduling: brands that can hold a future
schedule get codes preloaded 72 h ahead, the rest are programmed just in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Brand:
    manufacturer: str  # Seam's lowercase `properties.manufacturer`
    device_type: str
    display_name: str  # model.manufacturer_display_name
    model: str
    account_type: str  # connected_account.account_type
    supported_code_lengths: tuple[int, ...]
    max_active_codes_supported: int
    online_codes: bool = True
    offline_codes: bool = False
    native_scheduling: bool = True
    remote_lock: bool = True
    code_constraints: tuple[dict, ...] = field(default_factory=tuple)
    # Length of the PINs the manufacturer's offline algorithm hands out.
    offline_code_length: int = 0


BRANDS: dict[str, Brand] = {
    brand.manufacturer: brand
    for brand in (
        Brand(
            manufacturer="august",
            device_type="august_lock",
            display_name="August",
            model="Wi-Fi Smart Lock",
            account_type="august",
            supported_code_lengths=(4, 5, 6, 7, 8),
            max_active_codes_supported=250,
        ),
        Brand(
            manufacturer="schlage",
            device_type="schlage_lock",
            display_name="Schlage",
            model="Encode",
            account_type="schlage",
            supported_code_lengths=(4, 5, 6, 7, 8),
            max_active_codes_supported=100,
            code_constraints=({"constraint_type": "name_length", "max_length": 9},),
        ),
        Brand(
            manufacturer="yale",
            device_type="yale_lock",
            display_name="Yale",
            model="Assure Lock 2",
            account_type="yale_access",
            supported_code_lengths=(4, 5, 6, 7, 8),
            max_active_codes_supported=250,
        ),
        Brand(
            manufacturer="kwikset",
            device_type="kwikset_lock",
            display_name="Kwikset",
            model="Halo Touchscreen",
            account_type="kwikset",
            supported_code_lengths=(4, 5, 6, 7, 8),
            max_active_codes_supported=250,
            code_constraints=({"constraint_type": "name_length", "min_length": 2, "max_length": 14},),
        ),
        Brand(
            manufacturer="igloohome",
            device_type="igloohome_lock",
            display_name="igloohome",
            model="Smart Deadbolt 02",
            account_type="igloohome",
            supported_code_lengths=(9,),
            max_active_codes_supported=199,
            online_codes=False,
            offline_codes=True,
            remote_lock=False,
            code_constraints=({"constraint_type": "cannot_specify_pin_code"},),
            offline_code_length=9,
        ),
        Brand(
            manufacturer="dormakaba_oracode",
            device_type="dormakaba_oracode_door",
            display_name="dormakaba Oracode",
            model="Oracode 660",
            account_type="dormakaba_oracode",
            supported_code_lengths=(8,),
            max_active_codes_supported=200,
            online_codes=False,
            offline_codes=True,
            native_scheduling=False,
            remote_lock=False,
            code_constraints=({"constraint_type": "cannot_specify_pin_code"},),
            offline_code_length=8,
        ),
        Brand(
            manufacturer="ultraloq",
            device_type="ultraloq_lock",
            display_name="Ultraloq",
            model="U-Bolt Pro WiFi",
            account_type="ultraloq",
            supported_code_lengths=(4, 5, 6, 7, 8),
            max_active_codes_supported=100,
            # Ultraloq activates and deactivates codes itself in device local time.
            native_scheduling=True,
        ),
        Brand(
            manufacturer="lockly",
            device_type="lockly_lock",
            display_name="Lockly",
            model="Secure Pro",
            account_type="lockly",
            supported_code_lengths=(6, 7, 8),
            max_active_codes_supported=48,
            offline_codes=True,
            native_scheduling=False,
            offline_code_length=8,
        ),
    )
}


def brand_for(device: dict) -> Brand:
    return BRANDS[device["properties"]["manufacturer"]]
