"""Tunable delays and switches, changeable at runtime through `/_sandbox/config`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from portal.seam.sandbox.api_errors import invalid_input


@dataclass
class SandboxConfig:
    # Seconds (on the sandbox clock) that programming a code onto a lock / removing it takes.
    set_delay_seconds: float = 2.0
    remove_delay_seconds: float = 2.0
    # Seam's per-device limits; tests that hammer one device can switch them off.
    rate_limits_enabled: bool = True
    # Webhook delivery: per-attempt timeout and how many attempts before giving up on an event.
    webhook_timeout_seconds: float = 2.0
    webhook_max_attempts: int = 4
    # First retry waits this long; each further retry doubles it.
    webhook_backoff_seconds: float = 0.5
    # How often the background thread runs state transitions (real seconds).
    tick_interval_seconds: float = 0.5

    def update(self, changes: dict[str, Any]) -> None:
        known = {field.name: field.type for field in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise invalid_input(f"Unknown config option: {name}", field=name)
            current = getattr(self, name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise invalid_input(f"{name} must be a boolean", field=name)
            elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise invalid_input(f"{name} must be a non-negative number", field=name)
            setattr(self, name, type(current)(value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
