"""Seam's per-device write limits (create 10/min, update 10/min, delete 20/min), on the sandbox clock."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from portal.seam.sandbox.api_errors import rate_limited

LIMITS_PER_MINUTE = {"create": 10, "update": 10, "delete": 20}
WINDOW = timedelta(minutes=1)


class DeviceRateLimiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[datetime]] = {}
        # 429s answered, per device and action: what a client that spaces its own writes never causes.
        self.refused: dict[tuple[str, str], int] = {}

    def check(self, device_id: str, action: str, now: datetime) -> None:
        """Count one `action` on the device, or raise a 429 with the seconds until a slot frees up."""
        limit = LIMITS_PER_MINUTE[action]
        hits = self._hits.setdefault((device_id, action), deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(hits) >= limit:
            retry_after = max(1, math.ceil((hits[0] + WINDOW - now).total_seconds()))
            self.refused[device_id, action] = self.refused.get((device_id, action), 0) + 1
            raise rate_limited(
                f"Too many access code {action} requests for this device "
                f"(limit {limit} per minute); retry after {retry_after} s",
                retry_after,
            )
        hits.append(now)
