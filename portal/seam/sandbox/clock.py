"""The sandbox's notion of "now": real UTC time plus an offset that tests move forward.

Moving a clock instead of sleeping lets a test walk a code through days of its lifecycle in milliseconds.
The offset only ever grows, so time never runs backwards for the state machine.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    def __init__(self, offset_seconds: float = 0.0):
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + timedelta(seconds=offset)

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset

    def advance(
        self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0
    ) -> datetime:
        """Move the clock forward and return the new now."""
        delta = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if delta < 0:
            raise ValueError("The sandbox clock only moves forward.")
        with self._lock:
            self._offset += delta
        return self.now()
