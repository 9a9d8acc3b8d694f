"""Converging the portal's access codes with Seam: push pending changes, poll status, notice removal.

Every step can run twice, or twice at once: a short lease on the row lets one worker at a time work on a
code, `create_attempted_at` is committed before a create is sent, and a retry after an uncertain create
first looks for the code in Seam (by its PIN, or by name and window when the provider picks the PIN).
"""

import datetime as dt
import json
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accesscodes.explanations import explain
from accesscodes.models import AccessCode, SeamWriteReservation
from accesscodes.services import access_code_event_record, access_code_mark_removed
from devices.models import Device
from portal.seam import SeamError, SeamNotFound, SeamRateLimited, SeamUnavailable, seam_client_for_workspace
from portal.seam.encoding import encode_body

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 10
RETRY_BACKOFF_CAP = dt.timedelta(hours=1)
# Seam's documented per-device limits, per minute.
WRITES_PER_MINUTE = {"create": 10, "update": 10, "delete": 20}
RATE_WINDOW = dt.timedelta(minutes=1)
JUST_IN_TIME_LEAD = dt.timedelta(minutes=60)
NATIVE_PRELOAD_LEAD = dt.timedelta(hours=72)
POLL_MIN = dt.timedelta(seconds=5)
POLL_MAX = dt.timedelta(minutes=5)
# What Seam reported: written back even when a person changed the code during the Seam call.
SEAM_FIELDS = (
    "seam_access_code_id", "status", "status_changed_at", "errors", "warnings", "is_managed", "appearance",
    "create_attempted_at", "create_request",
)  # fmt: skip
# What the lifecycle decides, and PINs/windows Seam assigns: never written over a person's change.
LIFECYCLE_FIELDS = (
    "code", "starts_at", "ends_at", "sync_state", "sync_attempts", "last_sync_error", "next_attempt_at",
    "next_poll_at",
)  # fmt: skip
PENDING_STATES = (
    AccessCode.SyncState.PENDING_CREATE,
    AccessCode.SyncState.PENDING_UPDATE,
    AccessCode.SyncState.PENDING_DELETE,
)


# -- entry points ------------------------------------------------------------------------------------


def access_code_converge(*, workspace, access_code_id: int, client=None, now=None) -> str:
    """Do the next piece of Seam work for one code. Returns what happened (for logs and tests)."""
    now = now or timezone.now()
    if not _lease_claim(workspace=workspace, access_code_id=access_code_id, now=now):
        return "busy"
    try:
        access_code = (
            AccessCode.objects.for_workspace(workspace).select_related("device").get(pk=access_code_id)
        )
        if client is not None:
            return _step(client, access_code, now)
        with seam_client_for_workspace(workspace) as own_client:
            return _step(own_client, access_code, now)
    finally:
        AccessCode.objects.for_workspace(workspace).filter(pk=access_code_id).update(sync_lease_until=None)


def access_codes_due(*, workspace, now):
    pending_due = Q(sync_state__in=PENDING_STATES) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    poll_due = Q(sync_state=AccessCode.SyncState.IN_SYNC, next_poll_at__lte=now)
    return (
        AccessCode.objects.for_workspace(workspace)
        .filter(removed_at__isnull=True)
        .filter(pending_due | poll_due)
        .order_by("next_attempt_at", "next_poll_at", "pk")
    )


def access_codes_process_due(*, workspace, now=None, limit: int = 500) -> dict[str, int]:
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    due_ids = list(access_codes_due(workspace=workspace, now=now).values_list("pk", flat=True)[:limit])
    if not due_ids:
        return outcomes
    with seam_client_for_workspace(workspace) as client:
        for access_code_id in due_ids:
            outcome = access_code_converge(
                workspace=workspace, access_code_id=access_code_id, client=client, now=now
            )
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    SeamWriteReservation.objects.for_workspace(workspace).filter(
        reserved_at__lt=now - dt.timedelta(hours=1)
    ).delete()
    return outcomes


# -- one step ----------------------------------------------------------------------------------------


def _step(client, access_code: AccessCode, now) -> str:
    try:
        match access_code.sync_state:
            case AccessCode.SyncState.PENDING_CREATE | AccessCode.SyncState.PENDING_UPDATE:
                if access_code.seam_access_code_id:
                    return _push_update(client, access_code, now)
                return _push_create(client, access_code, now)
            case AccessCode.SyncState.PENDING_DELETE:
                return _push_delete(client, access_code, now)
            case AccessCode.SyncState.IN_SYNC if access_code.next_poll_at and access_code.next_poll_at <= now:
                return _poll(client, access_code, now)
        return "idle"
    except SeamRateLimited as error:
        wait = dt.timedelta(seconds=error.retry_after) if error.retry_after else _backoff(access_code)
        return _defer(access_code, now, wait, f"Seam asked to slow down (429); retrying in {wait}.")
    except SeamUnavailable as error:
        if access_code.sync_state == AccessCode.SyncState.IN_SYNC:
            access_code.next_poll_at = now + _backoff(access_code)
            access_code_write_back(access_code, ["next_poll_at"])
            return "poll_deferred"
        note = (
            " Seam may have received it; the portal checks before sending it again."
            if error.outcome_unknown
            else ""
        )
        return _defer(
            access_code, now, _backoff(access_code), f"Seam is unavailable ({error.message}).{note}"
        )
    except SeamError as error:
        if access_code.sync_state == AccessCode.SyncState.IN_SYNC:
            # The code is fine; reading it failed (e.g. a revoked key). Say so and look again later.
            access_code.last_sync_error = f"Could not read the code's status from Seam: {error.message}"
            access_code.next_poll_at = now + RETRY_BACKOFF_CAP
            access_code_write_back(access_code, ["last_sync_error", "next_poll_at"])
            return "poll_failed"
        return _fail(access_code, f"Seam refused the request: {error.message}", error)


def _push_create(client, access_code: AccessCode, now) -> str:
    if access_code.create_attempted_at is not None:
        found = _find_earlier_create(client, access_code)
        if found is not None:
            access_code_apply_seam_state(access_code, found, now)
            access_code_event_record(
                access_code=access_code,
                kind="linked",
                message="Found in Seam from an earlier attempt; not created twice.",
            )
            if access_code.sync_state == AccessCode.SyncState.PENDING_UPDATE:
                access_code_write_back(access_code, list(SEAM_FIELDS))
                _push_update(client, access_code, now)  # the change made since that attempt
            else:
                _mark_in_sync(access_code, now)
            return "linked"
    wait = _reserve_write(access_code, "create", now)
    if wait:
        return _defer(access_code, now, wait, "Waiting for Seam's per-device limit of 10 new codes a minute.")
    params = _create_params(access_code)
    access_code.create_attempted_at = now
    access_code.create_request = _json_safe(params)
    access_code_write_back(access_code, ["create_attempted_at", "create_request"])
    seam_code = client.access_codes_create(**params)
    access_code_apply_seam_state(access_code, seam_code, now)
    _mark_in_sync(access_code, now)
    access_code_event_record(access_code=access_code, kind="sent", message="Created in Seam.")
    return "created"


def _push_update(client, access_code: AccessCode, now) -> str:
    wait = _reserve_write(access_code, "update", now)
    if wait:
        return _defer(access_code, now, wait, "Waiting for Seam's per-device limit of 10 updates a minute.")
    try:
        client.access_codes_update(
            access_code_id=access_code.seam_access_code_id, **_update_params(access_code)
        )
    except SeamNotFound:
        return access_code_handle_gone(access_code, now)
    _mark_in_sync(access_code, now, poll_in=POLL_MIN)
    access_code_event_record(access_code=access_code, kind="sent", message="Change sent to Seam.")
    return "updated"


def _push_delete(client, access_code: AccessCode, now) -> str:
    if not access_code.seam_access_code_id:
        found = _find_earlier_create(client, access_code) if access_code.create_attempted_at else None
        if found is None:
            access_code_mark_removed(access_code=access_code, message="Deleted; it never reached Seam.")
            return "removed"
        access_code.seam_access_code_id = found["access_code_id"]
        access_code_write_back(access_code, ["seam_access_code_id"])
    wait = _reserve_write(access_code, "delete", now)
    if wait:
        return _defer(access_code, now, wait, "Waiting for Seam's per-device limit of 20 deletions a minute.")
    try:
        client.access_codes_delete(access_code_id=access_code.seam_access_code_id)
    except SeamNotFound:
        access_code_mark_removed(access_code=access_code, message="Deleted (Seam had already removed it).")
        return "removed"
    _set_status(access_code, AccessCode.Status.REMOVING, now)
    _mark_in_sync(access_code, now, poll_in=POLL_MIN)
    access_code_event_record(
        access_code=access_code, kind="sent", message="Deletion sent to Seam; removing from the lock."
    )
    return "deleting"


def _poll(client, access_code: AccessCode, now) -> str:
    try:
        seam_code = client.access_codes_get(access_code_id=access_code.seam_access_code_id)
    except SeamNotFound:
        return access_code_handle_gone(access_code, now)
    access_code_apply_seam_state(access_code, seam_code, now)
    access_code.last_sync_error = ""
    access_code.next_poll_at = next_poll_at(access_code, now)
    access_code_write_back(access_code, [*SEAM_FIELDS, *LIFECYCLE_FIELDS])
    return "polled"


# -- state helpers -----------------------------------------------------------------------------------


def access_code_handle_gone(access_code: AccessCode, now) -> str:
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


def access_code_write_back(access_code: AccessCode, fields) -> None:
    """Save what a worker learned. If a person changed the code since the worker loaded it, only Seam's
    facts are written: their change stays, and with it the pending work it queued."""
    with transaction.atomic():
        stored_version = (
            AccessCode.objects.for_workspace(access_code.workspace_id)
            .select_for_update()
            .filter(pk=access_code.pk)
            .values_list("edit_version", flat=True)
            .first()
        )
        if stored_version != access_code.edit_version:
            fields = [field for field in fields if field in SEAM_FIELDS]
        access_code.save(update_fields=[*fields, "updated_at"])


def _mark_in_sync(access_code: AccessCode, now, *, poll_in: dt.timedelta | None = None) -> None:
    access_code.sync_state = AccessCode.SyncState.IN_SYNC
    access_code.sync_attempts = 0
    access_code.last_sync_error = ""
    access_code.next_attempt_at = None
    access_code.next_poll_at = now + poll_in if poll_in else next_poll_at(access_code, now)
    access_code_write_back(access_code, [*SEAM_FIELDS, *LIFECYCLE_FIELDS])


def _defer(access_code: AccessCode, now, wait: dt.timedelta, message: str) -> str:
    access_code.sync_attempts += 1
    if access_code.sync_attempts >= MAX_ATTEMPTS:
        return _fail(access_code, f"Gave up after {MAX_ATTEMPTS} attempts. Last problem: {message}")
    access_code.last_sync_error = message
    access_code.next_attempt_at = now + wait
    access_code_write_back(access_code, ["sync_attempts", "last_sync_error", "next_attempt_at"])
    logger.info("access code %s deferred %ss: %s", access_code.pk, int(wait.total_seconds()), message)
    return "deferred"


def _fail(access_code: AccessCode, message: str, error: SeamError | None = None) -> str:
    access_code.sync_state = AccessCode.SyncState.FAILED
    access_code.last_sync_error = message
    access_code.next_attempt_at = None
    access_code_write_back(access_code, ["sync_state", "last_sync_error", "next_attempt_at"])
    data = {"type": error.type, "validation_errors": error.validation_errors} if error else {}
    access_code_event_record(access_code=access_code, kind="failed", message=message, data=data)
    return "failed"


def _backoff(access_code: AccessCode) -> dt.timedelta:
    return min(RETRY_BACKOFF_CAP, dt.timedelta(seconds=15 * 2**access_code.sync_attempts))


def _set_status(access_code: AccessCode, status: str, now) -> None:
    if status and status != access_code.status:
        access_code_event_record(
            access_code=access_code,
            kind="status",
            message=f"Status {access_code.status} → {status}.",
            data={"from": access_code.status, "to": status},
        )
        access_code.status = status
        access_code.status_changed_at = now


def access_code_apply_seam_state(access_code: AccessCode, seam_code: dict, now) -> None:
    """Copy what Seam knows onto the row and record what changed in the history."""
    access_code.seam_access_code_id = seam_code.get("access_code_id") or access_code.seam_access_code_id
    _set_status(access_code, seam_code.get("status") or access_code.status, now)
    pending_change = access_code.sync_state == AccessCode.SyncState.PENDING_UPDATE
    if seam_code.get("code") and seam_code["code"] != access_code.code and not pending_change:
        if access_code.code:
            access_code_event_record(
                access_code=access_code, kind="code_changed", message="Seam reports a different PIN."
            )
        access_code.code = seam_code["code"]
    for field in ("errors", "warnings"):
        _record_new_issues(access_code, field, seam_code.get(field) or [])
    if "is_managed" in seam_code:
        access_code.is_managed = bool(seam_code["is_managed"])
    if seam_code.get("appearance"):
        access_code.appearance = seam_code["appearance"]
    if access_code.is_offline_access_code:
        # Offline windows are rounded by the provider: show the window the lock really uses.
        access_code.starts_at = _parse(seam_code.get("starts_at")) or access_code.starts_at
        access_code.ends_at = _parse(seam_code.get("ends_at")) or access_code.ends_at


def _record_new_issues(access_code: AccessCode, field: str, issues: list[dict]) -> None:
    key = "error_code" if field == "errors" else "warning_code"
    known = {issue.get(key) for issue in getattr(access_code, field)}
    for issue in issues:
        if issue.get(key) not in known:
            access_code_event_record(
                access_code=access_code,
                kind=field[:-1],
                message=explain(issue),
                data={key: issue.get(key), "seam_message": issue.get("message", "")},
            )
    setattr(access_code, field, issues)


def next_poll_at(access_code: AccessCode, now) -> dt.datetime | None:
    """When to look at the code again: soon while it moves, at the scheduling milestones while it waits."""
    status = access_code.status
    starts_at, ends_at = access_code.starts_at, access_code.ends_at
    if status == AccessCode.Status.UNSET and starts_at and starts_at > now + JUST_IN_TIME_LEAD:
        lead = NATIVE_PRELOAD_LEAD if access_code.prefer_native_scheduling else JUST_IN_TIME_LEAD
        milestone = starts_at - lead if starts_at - lead > now else starts_at - JUST_IN_TIME_LEAD
        return max(milestone, now + POLL_MIN)
    if status == AccessCode.Status.SET and not access_code.errors:
        return ends_at if ends_at and ends_at > now else (now + POLL_MIN if ends_at else None)
    if status == AccessCode.Status.SET and access_code.is_offline_access_code:
        return ends_at
    since_change = now - access_code.status_changed_at
    return now + min(POLL_MAX, max(POLL_MIN, since_change / 2))


# -- Seam requests -----------------------------------------------------------------------------------


def _create_params(access_code: AccessCode) -> dict:
    params = {
        "device_id": access_code.device.seam_device_id,
        "name": access_code.name,
        "code": access_code.code or None,
        "starts_at": access_code.starts_at,
        "ends_at": access_code.ends_at,
        "is_offline_access_code": access_code.is_offline_access_code or None,
        "is_one_time_use": access_code.is_one_time_use or None,
        "max_time_rounding": access_code.max_time_rounding if access_code.is_offline_access_code else None,
        "allow_external_modification": access_code.allow_external_modification,
        "prefer_native_scheduling": access_code.prefer_native_scheduling,
        "use_backup_access_code_pool": access_code.use_backup_access_code_pool or None,
        "common_code_key": access_code.common_code_key or None,
    }
    return {key: value for key, value in params.items() if value is not None}


def _update_params(access_code: AccessCode) -> dict:
    params = {
        "name": access_code.name,
        "code": access_code.code or None,
        "allow_external_modification": access_code.allow_external_modification,
        "prefer_native_scheduling": access_code.prefer_native_scheduling,
        "type": access_code.type,
    }
    if access_code.starts_at:
        params.update(starts_at=access_code.starts_at, ends_at=access_code.ends_at)
    return {key: value for key, value in params.items() if value is not None}


def _find_earlier_create(client, access_code: AccessCode) -> dict | None:
    """The code an earlier, unanswered create may have made: matched by PIN when the portal chose it,
    otherwise by name and window, and never one that another portal code already owns."""
    request = access_code.create_request or {}
    owned = set(
        AccessCode.objects.for_workspace(access_code.workspace_id)
        .filter(device_id=access_code.device_id)
        .exclude(seam_access_code_id="")
        .values_list("seam_access_code_id", flat=True)
    )
    for seam_code in client.access_codes_list(device_id=access_code.device.seam_device_id):
        if seam_code.get("access_code_id") in owned:
            continue
        if request.get("code"):
            if seam_code.get("code") == request["code"]:
                return seam_code
        elif seam_code.get("name") == request.get("name") and _same_instant(
            seam_code.get("starts_at"), request.get("starts_at")
        ):
            return seam_code
    return None


def _reserve_write(access_code: AccessCode, action: str, now) -> dt.timedelta | None:
    """Take one of the device's write slots for this minute, or say how long to wait for one."""
    with transaction.atomic():
        Device.objects.for_workspace(access_code.workspace_id).select_for_update().filter(
            pk=access_code.device_id
        ).first()
        recent = list(
            SeamWriteReservation.objects.for_workspace(access_code.workspace_id)
            .filter(device_id=access_code.device_id, action=action, reserved_at__gt=now - RATE_WINDOW)
            .order_by("reserved_at")
            .values_list("reserved_at", flat=True)
        )
        if len(recent) >= WRITES_PER_MINUTE[action]:
            return recent[0] + RATE_WINDOW - now
        SeamWriteReservation.objects.create(
            workspace_id=access_code.workspace_id,
            device_id=access_code.device_id,
            action=action,
            reserved_at=now,
        )
    return None


def _lease_claim(*, workspace, access_code_id: int, now) -> bool:
    return (
        AccessCode.objects.for_workspace(workspace)
        .filter(pk=access_code_id)
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_until=now + LEASE)
        == 1
    )


def _json_safe(params: dict) -> dict:
    return json.loads(encode_body(params))


def _parse(value):
    return parse_datetime(value) if isinstance(value, str) else value


def _same_instant(left, right) -> bool:
    return _parse(left) == _parse(right)
