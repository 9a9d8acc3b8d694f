"""Fault injection: make chosen requests fail, slow down, or lose their answer.

phase "before": the request is not processed at all (Seam never saw it).
phase "after":  the request is processed, side effects included, and only then does the client get
                the error (or the delay): "the create reached Seam but the response was lost".
phase "late":   the client gets the error (after any latency) at once, and the sandbox processes the
                request when its clock passes now + `delay_seconds`: "Seam answered 504 and created the
                code 75 s later". Tests move the sandbox clock instead of sleeping.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from portal.seam.sandbox.api_errors import FAULT_TYPES, SeamApiError, invalid_input
from portal.seam.sandbox.params import new_id

PHASES = ("before", "after", "late")


@dataclass
class FaultRule:
    route: str = "*"  # "access_codes/create", "access_codes/*" or "*"
    api_key: str | None = None
    workspace_id: str | None = None
    status: int | None = None  # None: only add latency
    retry_after: int | None = None
    rate: float = 1.0
    times: int | None = None  # None: until cleared
    latency_ms: int = 0
    phase: str = "before"
    error_type: str | None = None
    message: str | None = None
    delay_seconds: float = 0.0  # phase "late": how long after the request the sandbox processes it
    fault_id: str = field(default_factory=new_id)
    applied: int = 0

    def validate(self) -> None:
        if self.phase not in PHASES:
            raise invalid_input("phase must be 'before', 'after' or 'late'", field="phase")
        if self.phase == "late" and self.status is None:
            raise invalid_input("A late fault needs a status: the error the client gets", field="status")
        if not isinstance(self.delay_seconds, int | float) or self.delay_seconds < 0:
            raise invalid_input("delay_seconds must be a number of seconds, 0 or more", field="delay_seconds")
        if self.status is not None and not 400 <= self.status <= 599:
            raise invalid_input("status must be an HTTP error status (400-599)", field="status")
        if not 0 <= self.rate <= 1:
            raise invalid_input("rate must be between 0 and 1", field="rate")
        if self.status is None and not self.latency_ms:
            raise invalid_input("A fault needs a status, a latency_ms, or both")
        self.route = self.route.strip("/") or "*"

    def matches(self, route: str, api_key: str | None, workspace_id: str | None) -> bool:
        return (
            fnmatch.fnmatchcase(route, self.route)
            and (self.api_key is None or self.api_key == api_key)
            and (self.workspace_id is None or self.workspace_id == workspace_id)
        )

    def error(self) -> SeamApiError:
        type = self.error_type or FAULT_TYPES.get(self.status, "sandbox_fault")
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        elif self.status == 429:
            headers["Retry-After"] = "1"
        message = self.message or f"Injected sandbox fault ({self.status} {type})"
        return SeamApiError(self.status, type, message, headers=headers)


@dataclass
class HeldRequest:
    """A request a "late" fault answered with an error; the sandbox processes it once `due` passes."""

    route: str
    api_key: str | None
    data: dict[str, Any]
    due: datetime


class FaultInjector:
    def __init__(self, rng: random.Random | None = None):
        self._rules: list[FaultRule] = []
        self._held: list[HeldRequest] = []
        self._lock = threading.Lock()
        self._rng = rng or random.Random()

    def add(self, **options) -> FaultRule:
        known = set(FaultRule.__dataclass_fields__) - {"fault_id", "applied"}
        unknown = set(options) - known
        if unknown:
            raise invalid_input(f"Unknown fault option(s): {', '.join(sorted(unknown))}")
        rule = FaultRule(**options)
        rule.validate()
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self, fault_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if fault_id is not None and rule.fault_id != fault_id]
            return before - len(self._rules)

    @property
    def rules(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, route: str, api_key: str | None, workspace_id: str | None) -> FaultRule | None:
        """The rule that applies to this request, if any, counting it against the rule's `times`."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(route, api_key, workspace_id):
                    continue
                if rule.rate < 1 and self._rng.random() >= rule.rate:
                    continue
                rule.applied += 1
                if rule.times is not None and rule.applied >= rule.times:
                    self._rules.remove(rule)
                return rule
        return None

    def hold(self, rule: FaultRule, *, route: str, api_key: str | None, data: dict, now: datetime) -> None:
        due = now + timedelta(seconds=rule.delay_seconds)
        with self._lock:
            self._held.append(HeldRequest(route, api_key, dict(data), due))

    def take_due(self, now: datetime) -> list[HeldRequest]:
        """The held requests whose time has come, oldest first; each is handed out once."""
        with self._lock:
            due = [request for request in self._held if request.due <= now]
            self._held = [request for request in self._held if request.due > now]
        return sorted(due, key=lambda request: request.due)
