"""Sending a code's pending change to Seam: create, update or delete."""

from accesscodes.models import AccessCode
from accesscodes.services import access_code_mark_removed
from accesscodes.sync.earlier_create import (
    earlier_create_find,
    earlier_create_link,
    unanswered_create_grace_until,
)
from accesscodes.sync.outcomes import backoff, defer, gone_handle, mark_in_sync, success_record
from accesscodes.sync.rate_budget import WRITES_PER_MINUTE, write_reserve
from accesscodes.sync.seam_params import create_params, json_safe, same_instant, update_params
from accesscodes.sync.seam_state import POLL_MIN, seam_state_apply, status_set
from accesscodes.sync.write_back import access_code_write_back
from portal.seam import SeamConflict, SeamError, SeamNotFound, SeamUnavailable


def push(*, client, access_code: AccessCode, now) -> str:
    if access_code.sync_state == AccessCode.SyncState.PENDING_DELETE:
        return _push_delete(client, access_code, now)
    if access_code.seam_access_code_id:
        return _push_update(client, access_code, now)
    return _push_create(client, access_code, now)


def _push_create(client, access_code: AccessCode, now) -> str:
    attempted = access_code.create_attempted_at is not None
    # An offline PIN cannot be taken back from the lock once Seam made it, and the guest may already have
    # it: even before a first create, one Seam holds for this very code (a database restored from an
    # older backup) is looked for, as after an attempt, and linked.
    if not attempted and access_code.is_offline_access_code:
        access_code.create_request = json_safe(create_params(access_code=access_code))
    if attempted or access_code.is_offline_access_code:
        found = earlier_create_find(client=client, access_code=access_code)
        if found is not None and earlier_create_link(access_code=access_code, seam_code=found, now=now):
            if access_code.sync_state == AccessCode.SyncState.PENDING_UPDATE:
                _push_update(client, access_code, now)  # the change made since that attempt
            return "linked"
    if attempted:
        waiting = _wait_for_unanswered_create(access_code, now, "sending another create")
        if waiting:
            return waiting
    waiting = _wait_for_write_slot(access_code, "create", now)
    if waiting:
        return waiting
    params = create_params(access_code=access_code)
    failed_attempts = access_code.sync_attempts
    unanswered_before = access_code.create_unanswered_at
    access_code.create_attempted_at = access_code.create_unanswered_at = now
    access_code.create_request = json_safe(params)
    access_code_write_back(
        access_code=access_code, fields=["create_attempted_at", "create_unanswered_at", "create_request"]
    )
    try:
        seam_code = client.access_codes_create(**params)
    except SeamError as error:
        if not (isinstance(error, SeamUnavailable) and error.outcome_unknown):
            # Seam answered: this request made no code, so only an earlier unanswered one might.
            access_code.create_unanswered_at = unanswered_before
            access_code_write_back(access_code=access_code, fields=["create_unanswered_at"])
        if isinstance(error, SeamConflict) and _link_code_already_on_lock(client, access_code, now):
            return "linked"
        raise
    access_code.create_unanswered_at = unanswered_before
    seam_state_apply(access_code=access_code, seam_code=seam_code, now=now)
    mark_in_sync(access_code=access_code, now=now)
    success_record(access_code=access_code, now=now, done="Created in Seam", failed_attempts=failed_attempts)
    return "created"


def _link_code_already_on_lock(client, access_code: AccessCode, now) -> bool:
    """Seam refuses a PIN the lock already holds for an overlapping time. When that code is this very
    one, made before the portal lost track of it (its database restored from a backup older than the
    code), it is linked, not refused: same lock, same PIN, same name, and nobody else in the portal made
    it. A window that differs is then sent as a change."""
    found = earlier_create_find(client=client, access_code=access_code)
    if found is None or found.get("name") != access_code.name:
        return False
    if not earlier_create_link(access_code=access_code, seam_code=found, now=now):
        return False
    same_window = same_instant(left=found.get("starts_at"), right=access_code.starts_at) and same_instant(
        left=found.get("ends_at"), right=access_code.ends_at
    )
    if not same_window:
        _push_update(client, access_code, now)
    return True


WRITES_NAMED = {"create": "new codes", "update": "updates", "delete": "deletions"}


def _wait_for_write_slot(access_code: AccessCode, action: str, now) -> str | None:
    """Take one of the lock's write slots for this minute, or defer until one frees up (no failure: it
    does not count towards giving up)."""
    wait = write_reserve(access_code=access_code, action=action, now=now)
    if not wait:
        return None
    return defer(
        access_code=access_code,
        now=now,
        wait=wait,
        failed=False,
        message=(
            f"Waiting for Seam's per-device limit of {WRITES_PER_MINUTE[action]} {WRITES_NAMED[action]} "
            "a minute."
        ),
    )


def _wait_for_unanswered_create(access_code: AccessCode, now, instead_of: str) -> str | None:
    grace_until = unanswered_create_grace_until(access_code=access_code)
    if grace_until is None or now >= grace_until:
        return None
    return defer(
        access_code=access_code,
        now=now,
        wait=min(backoff(access_code=access_code), grace_until - now),
        message=(
            "Seam has not answered an earlier create and may still be processing it; the portal keeps "
            f"looking for that code before {instead_of}."
        ),
    )


def _push_update(client, access_code: AccessCode, now) -> str:
    waiting = _wait_for_write_slot(access_code, "update", now)
    if waiting:
        return waiting
    failed_attempts = access_code.sync_attempts
    try:
        client.access_codes_update(
            access_code_id=access_code.seam_access_code_id, **update_params(access_code=access_code)
        )
    except SeamNotFound:
        return gone_handle(access_code=access_code, now=now)
    mark_in_sync(access_code=access_code, now=now, poll_in=POLL_MIN)
    success_record(
        access_code=access_code, now=now, done="Change sent to Seam", failed_attempts=failed_attempts
    )
    return "updated"


def _push_delete(client, access_code: AccessCode, now) -> str:
    if not access_code.seam_access_code_id:
        found = (
            earlier_create_find(client=client, access_code=access_code)
            if access_code.create_attempted_at
            else None
        )
        if found is None:
            waiting = _wait_for_unanswered_create(access_code, now, "closing this code")
            if waiting:
                return waiting
            access_code_mark_removed(access_code=access_code, message="Deleted; it never reached Seam.")
            return "removed"
        if not earlier_create_link(access_code=access_code, seam_code=found, now=now):
            access_code_mark_removed(access_code=access_code, message="Deleted; it never reached Seam.")
            return "removed"
    waiting = _wait_for_write_slot(access_code, "delete", now)
    if waiting:
        return waiting
    failed_attempts = access_code.sync_attempts
    try:
        client.access_codes_delete(access_code_id=access_code.seam_access_code_id)
    except SeamNotFound:
        access_code_mark_removed(access_code=access_code, message="Deleted (Seam had already removed it).")
        return "removed"
    status_set(access_code=access_code, status=AccessCode.Status.REMOVING, now=now)
    mark_in_sync(access_code=access_code, now=now, poll_in=POLL_MIN)
    success_record(
        access_code=access_code,
        now=now,
        done="Deletion sent to Seam",
        then="Removing it from the lock.",
        failed_attempts=failed_attempts,
    )
    return "deleting"
