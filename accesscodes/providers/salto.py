"""Salto (Salto KS locks): the PIN cannot be chosen.

Source: Seam "Salto KS Locks" guide, Access Code Limitations
(https://docs.seam.co/latest/device-guides/salto-locks): "Salto Locks does not allow a user to
configure custom PIN codes ... their system will automatically generate a 6-10 digit PIN code";
Seam "Backup access codes": Salto does not support the backup pool. Each code also takes a Salto KS
site user slot (`salto_ks_subscription_limit_exceeded`), which the portal cannot see: not validated.
"""

from __future__ import annotations

from . import device_constraints as dc
from .base import CodeDraft, DeviceFacts, Provider


class SaltoProvider(Provider):
    key = "salto"
    brand = "Salto"
    implied_constraints = frozenset({dc.CANNOT_SPECIFY_PIN})
    supports_backup_pool = False

    def custom_code_refusal(self, device: DeviceFacts, draft: CodeDraft) -> str | None:
        return "Salto locks generate their own 6-10 digit PINs: leave the code empty."

    def brand_description(self, device: DeviceFacts) -> list[str]:
        return ["Salto generates a 6-10 digit PIN for each code; each code also uses a Salto KS site user."]
