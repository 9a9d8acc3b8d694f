"""Finding the code an unanswered create made in Seam, and linking it to the row that sent it.

Seam can process a create long after it answered with a timeout or a 5xx. Until the portal sees that
code, sending another create risks two codes on the lock (offline PINs cannot even be deleted), so the
portal keeps looking for a grace period first. Only codes Seam lists for the row's own lock count: a
listing that ignores `device_id` must not hand one lock's code to another.
"""

import datetime as dt

from django.db import transaction

from accesscodes.models import AccessCode
from accesscodes.services import access_code_event_record, access_code_mark_removed
from accesscodes.sync.outcomes import mark_in_sync, success_record
from accesscodes.sync.seam_params import same_instant, seam_datetime
from accesscodes.sync.seam_state import seam_state_apply
from accesscodes.sync.write_back import SEAM_FIELDS, access_code_write_back

# Seam has been seen to process a create 75 s after answering it with an error.
UNANSWERED_CREATE_GRACE = dt.timedelta(minutes=5)
# A code Seam made this long after the request is not that request's result.
LATE_ARRIVAL_LIMIT = dt.timedelta(days=1)
CLOCK_SKEW = dt.timedelta(minutes=5)


def codes_on_device(seam_codes: list[dict], *, device) -> list[dict]:
    return [seam_code for seam_code in seam_codes if seam_code.get("device_id") == device.seam_device_id]


def made_by_create_request(*, access_code: AccessCode, seam_code: dict) -> bool:
    """Whether this Seam code is what the row's create request asked for: the same PIN when the portal
    chose it, otherwise the same name and start."""
    request = access_code.create_request or {}
    if not request:
        return False
    if request.get("code"):
        return seam_code.get("code") == request["code"]
    return seam_code.get("name") == request.get("name") and same_instant(
        left=seam_code.get("starts_at"), right=request.get("starts_at")
    )


def made_by_unanswered_create(*, access_code: AccessCode, seam_code: dict) -> bool:
    """Whether this code is the late result of the row's unanswered create: what it asked for, made by
    Seam after it was sent (and not days later, when it is someone else's code that happens to match)."""
    if access_code.create_unanswered_at is None:
        return False
    created_at = seam_datetime(seam_code.get("created_at"))
    if created_at is not None and not (
        access_code.create_unanswered_at - CLOCK_SKEW
        <= created_at
        <= access_code.create_unanswered_at + LATE_ARRIVAL_LIMIT
    ):
        return False
    return made_by_create_request(access_code=access_code, seam_code=seam_code)


def unanswered_create_grace_until(*, access_code: AccessCode) -> dt.datetime | None:
    if access_code.create_unanswered_at is None:
        return None
    return access_code.create_unanswered_at + UNANSWERED_CREATE_GRACE


def earlier_create_find(*, client, access_code: AccessCode) -> dict | None:
    """The code an earlier, unanswered create may have made, never one that a row which created it owns."""
    device = access_code.device
    listing = codes_on_device(client.access_codes_list(device_id=device.seam_device_id), device=device)
    created_elsewhere = set(
        AccessCode.objects.for_workspace(access_code.workspace_id)
        .filter(seam_access_code_id__in=[seam_code["access_code_id"] for seam_code in listing])
        .exclude(pk=access_code.pk)
        .filter(create_attempted_at__isnull=False)
        .values_list("seam_access_code_id", flat=True)
    )
    for seam_code in listing:
        if seam_code["access_code_id"] in created_elsewhere:
            continue
        if made_by_create_request(access_code=access_code, seam_code=seam_code):
            return seam_code
    return None


def earlier_create_link(*, access_code: AccessCode, seam_code: dict, now) -> bool:
    """Give the row the Seam code its earlier create made. False when another row created that code and
    keeps it; a row that only showed it (found by a sync) gives it up, visibly."""
    failed_attempts = access_code.sync_attempts
    with transaction.atomic():
        holder = (
            AccessCode.objects.for_workspace(access_code.workspace_id)
            .select_for_update()
            .filter(seam_access_code_id=seam_code["access_code_id"])
            .exclude(pk=access_code.pk)
            .first()
        )
        if holder is not None and holder.create_attempted_at is not None:
            access_code_event_record(
                access_code=access_code,
                kind="ownership_conflict",
                message=f"A Seam code matching this one belongs to “{holder.name}”, which created it; not linked.",
                data={"seam_access_code_id": seam_code["access_code_id"], "holder_id": holder.pk},
            )
            return False
        if holder is not None:
            _give_up_found_code(holder, creator=access_code)
        seam_state_apply(access_code=access_code, seam_code=seam_code, now=now)
        if access_code.sync_state == AccessCode.SyncState.PENDING_CREATE:
            mark_in_sync(access_code=access_code, now=now)
        else:
            access_code.next_attempt_at = now  # the change or deletion queued since still has to be sent
            access_code_write_back(access_code=access_code, fields=[*SEAM_FIELDS, "next_attempt_at"])
        success_record(
            access_code=access_code,
            now=now,
            kind="linked",
            done="Found in Seam from an earlier attempt",
            then="Not created twice.",
            failed_attempts=failed_attempts,
        )
    return True


def _give_up_found_code(holder: AccessCode, *, creator: AccessCode) -> None:
    seam_id = holder.seam_access_code_id
    holder.seam_access_code_id = ""
    access_code_mark_removed(
        access_code=holder,
        kind="ownership_conflict",
        message=(
            f"This row showed Seam code {seam_id}, which “{creator.name}” created; that code shows it now, "
            "so this row is closed."
        ),
    )
