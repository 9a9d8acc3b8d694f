"""Provider rules engine for access codes: pure Python, the single source of truth for what Seam accepts.

Every path that creates or changes a code (admin, browser form, services) reaches this through the
model's clean(). Rules stack in three layers:

1. generic rules (base.Provider) - every lock;
2. device-reported rules (device_constraints) - supported_code_lengths, code_constraints,
   max_active_codes_supported - every lock that reports them;
3. brand rules - one module per manufacturer, registered in PROVIDERS below. A brand may narrow a
   generic rule (Ultraloq codes 4-8 digits) or add its own.

Adding a brand = one module with a Provider subclass + one line in PROVIDERS.

Callers pass `others` = the device's other codes still occupying it (active or pending, not
removed), excluding the code being updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .base import Check, CodeDraft, DeviceFacts, FormOptions, OtherCode, Provider
from .dormakaba_oracode import DormakabaOracodeProvider
from .igloohome import IgloohomeProvider
from .kwikset import KwiksetProvider
from .lockly import LocklyProvider
from .nuki import NukiProvider
from .salto import SaltoProvider
from .tedee import TedeeProvider
from .ultraloq import UltraloqProvider
from .windows import as_utc, load_zone

GENERIC = Provider()

# Seam's lowercase manufacturer key -> the provider whose rules apply on top of the generic ones.
PROVIDERS: dict[str, Provider] = {
    "igloohome": IgloohomeProvider(),
    "dormakaba_oracode": DormakabaOracodeProvider(),
    "ultraloq": UltraloqProvider(),
    "lockly": LocklyProvider(),
    "kwikset": KwiksetProvider(),
    "nuki": NukiProvider(),
    "tedee": TedeeProvider(),
    "salto": SaltoProvider(),
}


def provider_for(manufacturer: str | None) -> Provider:
    """The brand's provider, or the generic one for august, schlage, yale and anything unknown."""
    return PROVIDERS.get((manufacturer or "").strip().lower(), GENERIC)


def validate_access_code(
    *,
    device: DeviceFacts,
    draft: CodeDraft,
    others: Sequence[OtherCode],
    previous: CodeDraft | None = None,
    now: datetime,
) -> dict[str, list[str]]:
    """field -> messages (field "__all__" for whole-code problems); empty when Seam should accept it."""
    check = Check.build(device=device, draft=draft, others=others or (), previous=previous, now=now)
    return provider_for(device.manufacturer).validate(check)


def earliest_start(*, device: DeviceFacts, now: datetime) -> datetime | None:
    """The earliest start this lock's rules allow a new time-bound code (None: any)."""
    return provider_for(device.manufacturer).earliest_start(device, as_utc(now))


def implied_ends_at(*, device: DeviceFacts, draft: CodeDraft) -> datetime | None:
    """The end this lock gives a code with the draft's start when none is sent (igloohome one-time-use
    codes: 24 hours); None when a time-bound code on it needs an explicit end."""
    return provider_for(device.manufacturer).implied_ends_at(draft)


def modification_block_reason(*, device: DeviceFacts, code: CodeDraft) -> str | None:
    """Why this existing code cannot be changed through Seam, and what to do instead."""
    return provider_for(device.manufacturer).modification_block_reason(device, code)


def deletion_block_reason(*, device: DeviceFacts, code: CodeDraft) -> str | None:
    """Why this existing code cannot be deleted through Seam, and what to do instead."""
    return provider_for(device.manufacturer).deletion_block_reason(device, code)


def describe_rules(device: DeviceFacts) -> list[str]:
    """Sentences listing the rules for this lock, for the create form."""
    return provider_for(device.manufacturer).describe(device)


def form_options(device: DeviceFacts) -> FormOptions:
    """Which of the code form's choices this lock supports."""
    return provider_for(device.manufacturer).form_options(device)


def lock_zone_name(device: DeviceFacts) -> str | None:
    """The IANA zone the lock keeps time in, when it reports one the portal can trust and load."""
    name = provider_for(device.manufacturer).timezone_name(device)
    return name if load_zone(name) is not None else None


def device_local_window(
    device: DeviceFacts, starts_at: datetime | None, ends_at: datetime | None
) -> tuple[datetime, datetime] | None:
    """The window on the lock's own clock; None when the lock has no (trusted) zone or no window."""
    zone = load_zone(provider_for(device.manufacturer).timezone_name(device))
    if zone is None or starts_at is None or ends_at is None:
        return None
    return as_utc(starts_at).astimezone(zone), as_utc(ends_at).astimezone(zone)


__all__ = [
    "GENERIC",
    "PROVIDERS",
    "CodeDraft",
    "DeviceFacts",
    "FormOptions",
    "OtherCode",
    "Provider",
    "deletion_block_reason",
    "describe_rules",
    "device_local_window",
    "form_options",
    "implied_ends_at",
    "lock_zone_name",
    "modification_block_reason",
    "provider_for",
    "validate_access_code",
]
