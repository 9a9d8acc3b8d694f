"""Entry points: do the next piece of Seam work for one code, or for every code that is due."""

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.sync.lease import lease_claim, lease_release
from accesscodes.sync.outcomes import RETRY_BACKOFF_CAP, backoff, crash_record, defer, fail
from accesscodes.sync.poll import poll
from accesscodes.sync.push import push
from accesscodes.sync.rate_budget import write_reservations_prune
from accesscodes.sync.write_back import PENDING_STATES, access_code_write_back
from portal.seam import SeamError, SeamRateLimited, SeamUnavailable, seam_client_for_workspace

logger = logging.getLogger(__name__)


def access_code_converge(*, workspace, access_code_id: int, client=None, now=None) -> str:
    """Do the next piece of Seam work for one code. Returns what happened (for logs and tests); an
    unexpected error is recorded on the code and answered with "error", never raised."""
    now = now or timezone.now()
    if not lease_claim(workspace=workspace, access_code_id=access_code_id, now=now):
        logger.info(
            "access code %s is busy: another worker holds its lease and does its work", access_code_id
        )
        return "busy"
    try:
        access_code = (
            AccessCode.objects.for_workspace(workspace).select_related("device").get(pk=access_code_id)
        )
        if client is not None:
            return _step(client, access_code, now)
        with seam_client_for_workspace(workspace) as own_client:
            return _step(own_client, access_code, now)
    except Exception as error:
        logger.exception("access code %s: unexpected error in its Seam work", access_code_id)
        return _crash_record_or_log(workspace, access_code_id, error, now)
    finally:
        lease_release(workspace=workspace, access_code_id=access_code_id)


def _crash_record_or_log(workspace, access_code_id: int, error: Exception, now) -> str:
    try:
        return crash_record(workspace=workspace, access_code_id=access_code_id, error=error, now=now)
    except Exception as second:  # e.g. the database is still locked: the next run tries again anyway
        logger.warning("access code %s: could not record the error either: %r", access_code_id, second)
        return "error"


def _due(now) -> Q:
    """Codes in use with a push or a poll due: every column this reads is in `access_code_active_state`."""
    pending_due = Q(sync_state__in=PENDING_STATES) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    poll_due = Q(sync_state=AccessCode.SyncState.IN_SYNC, next_poll_at__lte=now)
    return Q(removed_at__isnull=True) & (pending_due | poll_due)


def access_codes_due(*, workspace, now):
    return (
        AccessCode.objects.for_workspace(workspace)
        .filter(_due(now))
        .order_by("next_attempt_at", "next_poll_at", "pk")
    )


def workspaces_with_due_work(*, now):
    """The ids of the workspaces that have a push or a poll due: one query over every workspace."""
    return (
        AccessCode.objects.dangerously_all_workspaces()
        .filter(_due(now))
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()
    )


def access_codes_process_due(*, workspace, now=None, limit: int = 500) -> dict[str, int]:
    """Each code is worked on on its own: one code's failure is recorded on it and the batch goes on."""
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
    write_reservations_prune(workspace=workspace, now=now)
    return outcomes


def _step(client, access_code: AccessCode, now) -> str:
    try:
        if access_code.sync_state in PENDING_STATES:
            return push(client=client, access_code=access_code, now=now)
        if (
            access_code.sync_state == AccessCode.SyncState.IN_SYNC
            and access_code.next_poll_at
            and access_code.next_poll_at <= now
        ):
            return poll(client=client, access_code=access_code, now=now)
        return "idle"
    except SeamRateLimited as error:
        wait = (
            dt.timedelta(seconds=error.retry_after) if error.retry_after else backoff(access_code=access_code)
        )
        return defer(
            access_code=access_code,
            now=now,
            wait=wait,
            message=f"Seam asked to slow down (429); retrying in {wait}.",
        )
    except SeamUnavailable as error:
        if access_code.sync_state == AccessCode.SyncState.IN_SYNC:
            access_code.next_poll_at = now + backoff(access_code=access_code)
            access_code_write_back(access_code=access_code, fields=["next_poll_at"])
            return "poll_deferred"
        note = (
            " Seam may have received it; the portal checks before sending it again."
            if error.outcome_unknown
            else ""
        )
        return defer(
            access_code=access_code,
            now=now,
            wait=backoff(access_code=access_code),
            message=f"Seam is unavailable ({error.message}).{note}",
        )
    except SeamError as error:
        if access_code.sync_state == AccessCode.SyncState.IN_SYNC:
            # The code is fine; reading it failed (e.g. a revoked key). Say so and look again later.
            access_code.last_sync_error = f"Could not read the code's status from Seam: {error.message}"
            access_code.next_poll_at = now + RETRY_BACKOFF_CAP
            access_code_write_back(access_code=access_code, fields=["last_sync_error", "next_poll_at"])
            return "poll_failed"
        return fail(
            access_code=access_code,
            message=f"Seam refused the request: {error.message}",
            data={"type": error.type, "validation_errors": error.validation_errors},
        )
