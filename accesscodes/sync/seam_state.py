"""Copying what Seam says about a code onto its row, and deciding when to look again."""

import datetime as dt

from accesscodes.explanations import explain
from accesscodes.models import AccessCode
from accesscodes.services import access_code_event_record
from accesscodes.sync.seam_params import seam_datetime

JUST_IN_TIME_LEAD = dt.timedelta(minutes=60)
NATIVE_PRELOAD_LEAD = dt.timedelta(hours=72)
POLL_MIN = dt.timedelta(seconds=5)
POLL_MAX = dt.timedelta(minutes=5)


def seam_state_apply(*, access_code: AccessCode, seam_code: dict, now) -> None:
    """Copy what Seam knows onto the row and record what changed in the history (the caller saves)."""
    access_code.seam_access_code_id = seam_code.get("access_code_id") or access_code.seam_access_code_id
    status_set(access_code=access_code, status=seam_code.get("status") or access_code.status, now=now)
    pending_change = access_code.sync_state == AccessCode.SyncState.PENDING_UPDATE
    if seam_code.get("code") and seam_code["code"] != access_code.code and not pending_change:
        if access_code.code:
            access_code_event_record(
                access_code=access_code, kind="code_changed", message="Seam reports a different PIN."
            )
        access_code.code = seam_code["code"]
    for field in ("errors", "warnings"):
        _record_new_issues(access_code, field, seam_code.get(field) or [])
    if "is_scheduled_on_device" in seam_code:
        access_code.is_scheduled_on_device = bool(seam_code["is_scheduled_on_device"])
    if "is_managed" in seam_code:
        access_code.is_managed = bool(seam_code["is_managed"])
    if seam_code.get("appearance"):
        access_code.appearance = seam_code["appearance"]
    if access_code.is_offline_access_code:
        # Offline windows are rounded by the provider: show the window the lock really uses.
        access_code.starts_at = seam_datetime(seam_code.get("starts_at")) or access_code.starts_at
        access_code.ends_at = seam_datetime(seam_code.get("ends_at")) or access_code.ends_at


def status_set(*, access_code: AccessCode, status: str, now) -> None:
    if status and status != access_code.status:
        access_code_event_record(
            access_code=access_code,
            kind="status",
            message=f"Status {access_code.status} → {status}.",
            data={"from": access_code.status, "to": status},
        )
        access_code.status = status
        access_code.status_changed_at = now


def _record_new_issues(access_code: AccessCode, field: str, issues: list[dict]) -> None:
    key = "error_code" if field == "errors" else "warning_code"
    current = getattr(access_code, field)
    known = {issue.get(key) for issue in current}
    for issue in issues:
        if issue.get(key) not in known:
            access_code_event_record(
                access_code=access_code,
                kind=field[:-1],
                message=explain(issue),
                data={key: issue.get(key), "seam_message": issue.get("message", "")},
            )
    # Problems the portal found itself (e.g. a duplicate on the lock) are not Seam's to clear.
    portal_issues = [issue for issue in current if issue.get("source") == "portal"]
    setattr(access_code, field, [*issues, *portal_issues])


def next_poll_at(*, access_code: AccessCode, now) -> dt.datetime | None:
    """When to look at the code again: soon while it moves, at the scheduling milestones while it waits."""
    status = access_code.status
    starts_at, ends_at = access_code.starts_at, access_code.ends_at
    if status == AccessCode.Status.UNSET and starts_at and starts_at > now + JUST_IN_TIME_LEAD:
        lead = NATIVE_PRELOAD_LEAD if access_code.prefer_native_scheduling else JUST_IN_TIME_LEAD
        milestone = starts_at - lead if starts_at - lead > now else starts_at - JUST_IN_TIME_LEAD
        return max(milestone, now + POLL_MIN)
    if status == AccessCode.Status.SET and not _seam_errors(access_code):
        return ends_at if ends_at and ends_at > now else (now + POLL_MIN if ends_at else None)
    if status == AccessCode.Status.SET and access_code.is_offline_access_code:
        return ends_at
    since_change = now - access_code.status_changed_at
    return now + min(POLL_MAX, max(POLL_MIN, since_change / 2))


def _seam_errors(access_code: AccessCode) -> list[dict]:
    return [issue for issue in access_code.errors if issue.get("source") != "portal"]
