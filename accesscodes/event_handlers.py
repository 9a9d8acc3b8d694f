"""What Seam's access-code and lock events do to the portal's codes (registered in ready()).

Seam's events arrive late, twice, and out of order. An event that moves a code forward in its lifecycle
(scheduled on the lock, set, being removed, deleted) is applied as it is; any other (one that would move
the code backwards, a failure, a delay, a change made outside the portal) is confirmed by reading the code
from Seam (`access_codes/get`, the same step as the sync's poll), so the code ends where Seam says it is
whatever order the events came in. Each code remembers when the newest event it reflects happened: a
lifecycle event older than that arrived after what replaced it and is not applied (reading the code back
and a deletion are right whenever they come)."""

from django.utils import timezone

from accesscodes.models import AccessCode, UnlockRecord
from accesscodes.signals import unlock_recorded
from accesscodes.sync.lease import lease_claim, lease_release
from accesscodes.sync.outcomes import gone_handle
from accesscodes.sync.poll import poll
from accesscodes.sync.seam_state import next_poll_at, status_set
from accesscodes.sync.write_back import SEAM_FIELDS, access_code_write_back
from devices.models import Device
from portal.seam import SeamRateLimited, SeamUnavailable, seam_client_for_workspace
from portal.seam_events import EventIgnored, EventRetryLater, seam_timestamp

Status = AccessCode.Status

# How far along its lifecycle a code is; a natively scheduled code waits on the lock, as far as "setting".
PROGRESS = {
    (Status.UNSET, False): 0,
    (Status.UNSET, True): 1,
    (Status.SETTING, False): 1,
    (Status.SETTING, True): 1,
    (Status.SET, False): 2,
    (Status.SET, True): 2,
    (Status.REMOVING, False): 3,
    (Status.REMOVING, True): 3,
}
# The lifecycle events and the (status, is_scheduled_on_device) each one reports.
LIFECYCLE_EVENTS = {
    "access_code.scheduled_on_device": (Status.UNSET, True),
    "access_code.set_on_device": (Status.SET, None),
    "access_code.removed_from_device": (Status.REMOVING, None),
}
DELETED = "access_code.deleted"
# The portal learns of its own codes when it creates them; the reconcile follows codes it did not make.
NOTHING_TO_LEARN = ("access_code.created", "access_code.unmanaged")


class UnknownDevice(Exception):
    pass


def access_code_event_apply(*, workspace, event: dict) -> str:
    event_type = event["event_type"]
    if event_type.startswith(NOTHING_TO_LEARN):
        raise EventIgnored(f"{event_type}: nothing for the portal to change.")
    seam_access_code_id = event.get("access_code_id") or ""
    access_code = _access_code(workspace, seam_access_code_id)
    now = timezone.now()
    if not lease_claim(workspace=workspace, access_code_id=access_code.pk, now=now):
        raise EventRetryLater(f"another worker is busy with the code “{access_code.name}”.")
    try:
        access_code.refresh_from_db()
        if access_code.removed_at:
            raise EventIgnored(f"The code “{access_code.name}” is already removed.")
        occurred_at = seam_timestamp(event.get("occurred_at")) or now
        result = _apply(workspace, access_code, event_type, occurred_at, now)
        if access_code.seam_event_at is None or occurred_at > access_code.seam_event_at:
            # Its own update: the steps above saved the row their own way (write-back, removal).
            AccessCode.objects.for_workspace(workspace).filter(pk=access_code.pk).update(
                seam_event_at=occurred_at
            )
        return result
    finally:
        lease_release(workspace=workspace, access_code_id=access_code.pk)


def _access_code(workspace, seam_access_code_id: str) -> AccessCode:
    access_code = (
        AccessCode.objects.for_workspace(workspace)
        .filter(seam_access_code_id=seam_access_code_id)
        .exclude(seam_access_code_id="")
        .first()
    )
    if access_code is None:
        raise EventIgnored(f"No code of this workspace has the Seam id {seam_access_code_id or '(none)'}.")
    return access_code


def _apply(workspace, access_code: AccessCode, event_type: str, occurred_at, now) -> str:
    if event_type == DELETED:  # final whenever it comes: Seam never brings a deleted code back
        return f"“{access_code.name}”: {gone_handle(access_code=access_code, now=now)}."
    reported = LIFECYCLE_EVENTS.get(event_type)
    if reported is not None:
        if access_code.seam_event_at and occurred_at < access_code.seam_event_at:
            raise EventIgnored(f"“{access_code.name}”: a newer event than this {event_type} was applied.")
        status, scheduled = reported
        scheduled = access_code.is_scheduled_on_device if scheduled is None else scheduled
        current = (access_code.status, access_code.is_scheduled_on_device)
        if (status, scheduled) == current:
            raise EventIgnored(f"The code “{access_code.name}” is already {status}.")
        if PROGRESS.get((status, scheduled), 0) > PROGRESS.get(current, 0):
            _advance(access_code, status=status, scheduled=scheduled, now=now)
            return f"“{access_code.name}” is {status} ({event_type})."
    # Backwards, or not a plain lifecycle step: Seam's own record of the code decides.
    try:
        with seam_client_for_workspace(workspace) as client:
            outcome = poll(client=client, access_code=access_code, now=now)
    except (SeamUnavailable, SeamRateLimited) as error:  # the moment's fault: the sweep tries again
        raise EventRetryLater(f"Seam could not confirm the code's state ({error.message}).") from error
    return f"“{access_code.name}” read back from Seam after {event_type}: {outcome}, {access_code.status}."


def _advance(access_code: AccessCode, *, status: str, scheduled: bool, now) -> None:
    status_set(access_code=access_code, status=status, now=now)
    access_code.is_scheduled_on_device = scheduled
    fields = list(SEAM_FIELDS)
    if access_code.sync_state == AccessCode.SyncState.IN_SYNC:
        access_code.next_poll_at = next_poll_at(access_code=access_code, now=now)
        fields.append("next_poll_at")
    access_code_write_back(access_code=access_code, fields=fields)


def lock_event_record(*, workspace, event: dict) -> str:
    """lock.unlocked / lock.locked → an UnlockRecord, linked to the code Seam names (brands that report
    it: August, Kwikset, Salto KS, Schlage, Tedee, TTLock, Yale)."""
    seam_device_id = event.get("device_id") or ""
    device = Device.objects.for_workspace(workspace).filter(seam_device_id=seam_device_id).first()
    if device is None:
        raise UnknownDevice(
            f"Device {seam_device_id or '(none)'} is not in this workspace yet: process this event again "
            "after the next device sync."
        )
    seam_access_code_id = event.get("access_code_id") or ""
    access_code = (
        AccessCode.objects.for_workspace(workspace).filter(seam_access_code_id=seam_access_code_id).first()
        if seam_access_code_id
        else None
    )
    action = (
        UnlockRecord.Action.UNLOCKED if event["event_type"] == "lock.unlocked" else UnlockRecord.Action.LOCKED
    )
    occurred_at = (
        seam_timestamp(event.get("occurred_at")) or seam_timestamp(event.get("created_at")) or timezone.now()
    )
    record, created = UnlockRecord.objects.get_or_create(
        workspace=workspace,
        seam_event_id=event["event_id"],
        defaults={
            "device": device,
            "access_code": access_code,
            "action": action,
            "occurred_at": occurred_at,
            "method": str(event.get("method") or "")[:40],
            "raw": event,
        },
    )
    if created and action == UnlockRecord.Action.UNLOCKED:
        unlock_recorded.send(sender=UnlockRecord, unlock_record=record)
    code = f" with the code “{access_code.name}”" if access_code else ""
    return f"{device.name} {action}{code}."
