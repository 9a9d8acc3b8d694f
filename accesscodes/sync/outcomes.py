"""How one step of Seam work ends for a code: in sync, deferred, failed, gone, or crashed."""

import datetime as dt
import logging

from accesscodes.models import AccessCode
from accesscodes.services import access_code_event_record, access_code_mark_removed
from accesscodes.sync.seam_state import next_poll_at
from accesscodes.sync.write_back import LIFECYCLE_FIELDS, PENDING_STATES, SEAM_FIELDS, access_code_write_back

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
RETRY_BACKOFF_CAP = dt.timedelta(hours=1)


def mark_in_sync(*, access_code: AccessCode, now, poll_in: dt.timedelta | None = None) -> None:
    access_code.sync_state = AccessCode.SyncState.IN_SYNC
    access_code.sync_attempts = 0
    access_code.last_sync_error = ""
    access_code.next_attempt_at = None
    access_code.next_poll_at = now + poll_in if poll_in else next_poll_at(access_code=access_code, now=now)
    access_code_write_back(access_code=access_code, fields=[*SEAM_FIELDS, *LIFECYCLE_FIELDS])


def success_record(
    *, access_code: AccessCode, now, done: str, then: str = "", failed_attempts: int, kind: str = "sent"
) -> None:
    """Record Seam work that got through ("<done>.<then>"); when earlier attempts failed, say how late."""
    data = {}
    if failed_attempts and access_code.sync_requested_at:
        delay = max(dt.timedelta(0), now - access_code.sync_requested_at)
        attempts = "1 earlier attempt" if failed_attempts == 1 else f"{failed_attempts} earlier attempts"
        done = f"{done} {duration_text(delay)} after it was requested; {attempts} failed"
        data = {"delay_seconds": int(delay.total_seconds()), "failed_attempts": failed_attempts}
    message = f"{done}.{' ' + then if then else ''}"
    access_code_event_record(access_code=access_code, kind=kind, message=message, data=data)


def duration_text(delay: dt.timedelta) -> str:
    seconds = int(delay.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
        f"{seconds} s" if seconds else "",
    ]
    return " ".join(part for part in parts if part) or "0 s"


def defer(*, access_code: AccessCode, now, wait: dt.timedelta, message: str, failed: bool = True) -> str:
    """Try again after `wait`. `failed=False` for a wait that is no failure (the portal's own share of
    Seam's rate limit): it does not count towards giving up, however many codes queue for one lock."""
    if failed:
        access_code.sync_attempts += 1
    if access_code.sync_attempts >= MAX_ATTEMPTS:
        return fail(
            access_code=access_code, message=f"Gave up after {MAX_ATTEMPTS} attempts. Last problem: {message}"
        )
    access_code.last_sync_error = message
    access_code.next_attempt_at = now + wait
    access_code_write_back(
        access_code=access_code, fields=["sync_attempts", "last_sync_error", "next_attempt_at"]
    )
    logger.info("access code %s deferred %ss: %s", access_code.pk, int(wait.total_seconds()), message)
    return "deferred"


def fail(*, access_code: AccessCode, message: str, data: dict | None = None) -> str:
    access_code.sync_state = AccessCode.SyncState.FAILED
    access_code.last_sync_error = message
    access_code.next_attempt_at = None
    access_code_write_back(
        access_code=access_code, fields=["sync_state", "last_sync_error", "next_attempt_at"]
    )
    access_code_event_record(access_code=access_code, kind="failed", message=message, data=data or {})
    return "failed"


def backoff(*, access_code: AccessCode) -> dt.timedelta:
    return min(RETRY_BACKOFF_CAP, dt.timedelta(seconds=15 * 2**access_code.sync_attempts))


def crash_record(*, workspace, access_code_id: int, error: Exception, now) -> str:
    """An unexpected error (a bug, a lost database connection, "database is locked") while working on one
    code: record it on that code and try again later, so the rest of the batch goes on."""
    access_code = AccessCode.objects.for_workspace(workspace).filter(pk=access_code_id).first()
    if access_code is None:
        return "error"
    message = (
        f"The portal could not finish this step ({type(error).__name__}: {error}); it tries again later."
    )
    if access_code.sync_state in PENDING_STATES:
        access_code.next_attempt_at = now + backoff(access_code=access_code)
        access_code.sync_attempts += 1
    else:
        access_code.next_poll_at = now + backoff(access_code=access_code)
    access_code.last_sync_error = message
    access_code.save(
        update_fields=["next_attempt_at", "next_poll_at", "sync_attempts", "last_sync_error", "updated_at"]
    )
    access_code_event_record(
        access_code=access_code, kind="sync_error", message=message, data={"error": type(error).__name__}
    )
    return "error"


def gone_handle(*, access_code: AccessCode, now) -> str:
    """Seam answers 404 once a code is removed: normal after a delete or after ends_at, not a failure."""
    if (
        access_code.status == AccessCode.Status.REMOVING
        or access_code.sync_state == AccessCode.SyncState.PENDING_DELETE
    ):
        access_code_mark_removed(access_code=access_code, message="Removed from the lock.")
        return "removed"
    if access_code.ends_at and now >= access_code.ends_at:
        access_code_mark_removed(
            access_code=access_code,
            message="Expired: Seam removed it at the end of its window.",
            kind="expired",
        )
        return "expired"
    access_code_mark_removed(
        access_code=access_code,
        message="Deleted outside the portal: Seam no longer has this code.",
        kind="deleted_externally",
    )
    return "deleted_externally"
