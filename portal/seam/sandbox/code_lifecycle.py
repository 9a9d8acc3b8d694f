"""An access code's journey on the lock, driven by the sandbox clock.

    ongoing / just-in-time:  unset -> setting -> set            (programming takes set_delay)
    native scheduling:       unset (preloaded 72 h ahead, is_scheduled_on_device) -> set at starts_at
    time-bound end:          set -> removing (at ends_at) -> gone (after remove_delay)
    delete:                  removing -> gone

Transitions carry the logical time they happened at, so one tick after a long `clock.advance()` plays
every step in order with correct `occurred_at` timestamps instead of needing one tick per step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.seam.sandbox.params import iso
from portal.seam.sandbox.records import AccessCode

DELAY_MESSAGE = "Seam is having trouble setting this code on the device; it will keep trying."
FAILED_MESSAGE = "Seam failed to set this code on the device."


@dataclass
class Context:
    now: datetime
    set_delay: timedelta
    remove_delay: timedelta
    device_available: Callable[[], bool]  # online and no injected delay
    take_device_failure: Callable[[], bool]  # consumes one injected "next set fails"
    emit: Callable[[str, datetime, AccessCode], None]
    on_programmed: Callable[[AccessCode, bool], None]  # settles the create action attempt
    on_removed: Callable[[AccessCode], None]


def _mutation(code: str, at: datetime, message: str) -> dict:
    return {"mutation_code": code, "created_at": iso(at), "message": message}


def _candidates(code: AccessCode, ctx: Context) -> list[tuple[datetime, Callable]]:
    if code.status == "removing":
        return [(code.removing_since + ctx.remove_delay, _finish_removal)]
    found = []
    if code.ends_at is not None:
        found.append((code.ends_at, _expire))
    if not code.on_device and not code.failed:
        if code.programming_since is not None:
            found.append((code.programming_since + ctx.set_delay, _finish_programming))
        elif code.waiting:
            # Blocked on the device: retried on every tick, no due time of its own.
            found.append((ctx.now, _start_programming))
        else:
            found.append((code.program_at, _start_programming))
    elif code.on_device and code.status == "unset" and code.starts_at is not None:
        found.append((code.starts_at, _activate))
    return found


def next_due(code: AccessCode, ctx: Context) -> datetime | None:
    """The next instant this code changes by itself, or None if it waits for something external."""
    times = [at for at, step in _candidates(code, ctx) if not (step is _start_programming and code.waiting)]
    return min(times, default=None)


def advance(code: AccessCode, ctx: Context) -> tuple[bool, bool]:
    """Play every transition due by ctx.now. Returns (still exists, anything changed)."""
    changed = False
    for _ in range(20):
        due = sorted(
            ((at, step) for at, step in _candidates(code, ctx) if at <= ctx.now),
            key=lambda item: item[0],
        )
        for at, step in due:
            outcome = step(code, at, ctx)
            if outcome == "gone":
                return False, True
            if outcome:
                changed = True
                break
        else:
            break
    return True, changed


def _block(code: AccessCode, at: datetime, ctx: Context) -> bool:
    changed = not code.waiting
    code.waiting = True
    code.programming_since = None
    if code.add_warning("delay_in_setting_on_device", DELAY_MESSAGE, ctx.now):
        ctx.emit("access_code.delay_in_setting_on_device", at, code)
        changed = True
    return changed


def _start_programming(code: AccessCode, at: datetime, ctx: Context):
    if not ctx.device_available():
        if code.starts_at is None or at >= code.starts_at or not code.native_scheduling:
            code.status = "setting"
        return _block(code, at, ctx)
    started = ctx.now if code.waiting else at
    code.waiting = False
    code.programming_since = started
    if not (code.native_scheduling and code.starts_at is not None and started < code.starts_at):
        code.status = "setting"
    if not code.pending_mutations:
        code.pending_mutations = [_mutation("creating", started, "Setting the code on the device")]
    return True


def _finish_programming(code: AccessCode, at: datetime, ctx: Context):
    if not ctx.device_available():
        return _block(code, at, ctx)
    code.programming_since = None
    code.pending_mutations = []
    if code.fail_on_set or ctx.take_device_failure():
        code.failed = True
        code.fail_on_set = False
        code.add_error("failed_to_set_on_device", FAILED_MESSAGE, ctx.now)
        ctx.emit("access_code.failed_to_set_on_device", at, code)
        ctx.on_programmed(code, False)
        return True
    code.on_device = True
    code.clear_warning("delay_in_setting_on_device")
    if code.native_scheduling and code.starts_at is not None and at < code.starts_at:
        code.scheduled_on_device = True
        code.status = "unset"
        ctx.emit("access_code.scheduled_on_device", at, code)
    else:
        code.status = "set"
        ctx.emit("access_code.set_on_device", at, code)
    ctx.on_programmed(code, True)
    return True


def _activate(code: AccessCode, at: datetime, ctx: Context):
    code.status = "set"
    ctx.emit("access_code.set_on_device", at, code)
    return True


def _expire(code: AccessCode, at: datetime, ctx: Context):
    start_removal(code, at)
    return True


def start_removal(code: AccessCode, at: datetime) -> None:
    code.status = "removing"
    code.removing_since = at
    code.programming_since = None
    code.waiting = False
    code.pending_mutations = [_mutation("deleting", at, "Removing the code from the device")]


def _finish_removal(code: AccessCode, at: datetime, ctx: Context):
    if code.on_device:
        ctx.emit("access_code.removed_from_device", at, code)
    if not code.deleted_event_sent:
        code.deleted_event_sent = True
        ctx.emit("access_code.deleted", at, code)
    ctx.on_removed(code)
    return "gone"


def reprogram(code: AccessCode, now: datetime, program_at: datetime, mutation: str) -> None:
    """After an update that changes the PIN or window: the lock must be written again."""
    code.on_device = False
    code.scheduled_on_device = False
    code.failed = False
    code.waiting = False
    code.programming_since = None
    code.program_at = program_at
    code.errors = [error for error in code.errors if error.get("error_code") != "failed_to_set_on_device"]
    preloading = code.native_scheduling and code.starts_at is not None and now < code.starts_at
    code.status = "unset" if program_at > now or preloading else "setting"
    code.pending_mutations = [_mutation(mutation, now, "Updating the code on the device")]
