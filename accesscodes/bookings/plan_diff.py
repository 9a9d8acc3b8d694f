"""What to do to a booking's existing codes so the locks hold exactly the plan. Pure, like the planner.

Online codes are created, updated in place (the PIN stays) or deleted. Offline codes cannot be changed
or revoked through Seam: a different window means a new offline code, and the old one is left on the
lock with a note that it stays valid until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from accesscodes.bookings.planner import Kind, Plan, PlannedCode


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    KEEP = "keep"
    LEAVE_OFFLINE = "leave_offline"  # cannot be revoked: stays valid until its end


@dataclass(frozen=True)
class ExistingCode:
    """One of the booking's codes as it is now (not removed)."""

    code_id: object
    door_key: object
    part: int
    is_offline_access_code: bool
    name: str
    code: str | None
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Step:
    action: Action
    reason: str
    planned: PlannedCode | None = None
    existing: ExistingCode | None = None
    changes: tuple[str, ...] = ()  # the fields an UPDATE changes


def plan_diff(*, plan: Plan | None, existing: tuple[ExistingCode, ...]) -> tuple[Step, ...]:
    """Steps from `existing` to `plan`; `plan` None means the booking should have no codes (cancelled,
    tentative). Doors are matched by door and part, so a stay that moves keeps its codes."""
    wanted = {
        (code.door_key, code.part): code
        for code in (plan.codes if plan is not None else ())
        if code.kind is not Kind.NONE
    }
    steps: list[Step] = []
    for current in existing:
        target = wanted.pop((current.door_key, current.part), None)
        steps.extend(_steps_for(current, target))
    steps.extend(
        Step(Action.CREATE, "A new code for this door.", planned=target) for target in wanted.values()
    )
    return tuple(steps)


def _steps_for(current: ExistingCode, target: PlannedCode | None) -> list[Step]:
    if target is None:
        return [_removal(current, "The booking no longer needs a code on this door.")]
    if current.is_offline_access_code != target.is_offline_access_code:
        return [
            _removal(current, "The door needs another kind of code."),
            Step(Action.CREATE, "The door needs another kind of code.", planned=target),
        ]
    changes = _changes(current, target)
    if not changes:
        return [Step(Action.KEEP, "Already as planned.", planned=target, existing=current)]
    if current.is_offline_access_code:
        return [
            _removal(current, "Offline codes cannot be changed: a new one replaces it."),
            Step(Action.CREATE, "Offline codes cannot be changed: a new one replaces it.", planned=target),
        ]
    return [
        Step(
            Action.UPDATE,
            f"Changed: {', '.join(changes)}.",
            planned=target,
            existing=current,
            changes=changes,
        )
    ]


def _changes(current: ExistingCode, target: PlannedCode) -> tuple[str, ...]:
    changes = []
    if (current.starts_at, current.ends_at) != (target.starts_at, target.ends_at):
        changes.append("window")
    # A PIN the provider picks is whatever the lock holds; only a PIN the portal chose can differ.
    if target.code is not None and current.code != target.code:
        changes.append("code")
    if current.name != target.name:
        changes.append("name")
    return tuple(changes)


def _removal(current: ExistingCode, reason: str) -> Step:
    if current.is_offline_access_code:
        until = f" until {current.ends_at:%Y-%m-%d %H:%M} UTC" if current.ends_at else ""
        return Step(
            Action.LEAVE_OFFLINE,
            f"{reason} The offline code stays valid{until}: revoke it on the lock if needed.",
            existing=current,
        )
    return Step(Action.DELETE, reason, existing=current)
