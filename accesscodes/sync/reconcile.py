"""Compare Seam's codes with the portal's, lock by lock, and make the portal tell the truth.

A code Seam lists for a lock is, in this order: a row's own code (its state is copied); the late result
of a row's unanswered create (linked to that row, never adopted); a second copy of a row that already
has its code (a duplicate on the lock: deleted where possible, otherwise shown as a problem); or a code
nobody in the portal made (adopted, so the portal shows what is on the lock).
"""

import logging
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.services import access_code_adopt
from accesscodes.sync.earlier_create import codes_on_device, earlier_create_link, made_by_unanswered_create
from accesscodes.sync.lease import lease_claim, lease_release
from accesscodes.sync.outcomes import crash_record, gone_handle
from accesscodes.sync.seam_state import next_poll_at, seam_state_apply
from accesscodes.sync.write_back import LIFECYCLE_FIELDS, PENDING_STATES, SEAM_FIELDS, access_code_write_back
from devices.selectors import devices_active
from portal.seam import seam_client_for_workspace

logger = logging.getLogger(__name__)


@dataclass
class ReconcileOutcome:
    devices: int = 0
    updated: int = 0
    linked: int = 0
    adopted: int = 0
    duplicates: int = 0
    removed: int = 0
    errors: list[str] = field(default_factory=list)


def devices_with_access_codes(*, workspace):
    return devices_active(workspace=workspace).filter(
        Q(can_program_online_access_codes=True) | Q(can_program_offline_access_codes=True)
    )


def access_codes_reconcile(*, workspace, client=None, now=None) -> ReconcileOutcome:
    """Each lock, and each code on it, is handled on its own: a failure is recorded and the rest goes on."""
    now = now or timezone.now()
    if client is None:
        with seam_client_for_workspace(workspace) as own_client:
            return access_codes_reconcile(workspace=workspace, client=own_client, now=now)
    outcome = ReconcileOutcome()
    for device in devices_with_access_codes(workspace=workspace):
        outcome.devices += 1
        try:
            _reconcile_device(client, workspace, device, now, outcome)
        except Exception as error:
            logger.exception("reconcile of device %s failed", device.pk)
            outcome.errors.append(f"{device.name}: {type(error).__name__}: {error}")
    return outcome


def _reconcile_device(client, workspace, device, now, outcome: ReconcileOutcome) -> None:
    # A row written after the listing began (a push that just created or changed a code) may not match
    # the listing yet: it is left to the next reconcile rather than read as deleted or outdated.
    listed_at = timezone.now()
    listing = [
        *client.access_codes_list(device_id=device.seam_device_id),
        *client.access_codes_unmanaged_list(device_id=device.seam_device_id),
    ]
    device_codes = list(
        AccessCode.objects.for_workspace(workspace).filter(device=device, removed_at__isnull=True)
    )
    portal_codes = {code.seam_access_code_id: code for code in device_codes if code.seam_access_code_id}
    # Rows whose create went unanswered: Seam may list its result at any time, even after a second create.
    creators = [code for code in device_codes if code.create_unanswered_at is not None]
    seen = set()
    for seam_code in codes_on_device(listing, device=device):
        seen.add(seam_code["access_code_id"])
        access_code = portal_codes.get(seam_code["access_code_id"])
        try:
            if access_code is None:
                _place_unknown(workspace, device, seam_code, creators, now, outcome)
            elif not _busy(access_code, now, listed_at):
                seam_state_apply(access_code=access_code, seam_code=seam_code, now=now)
                access_code.next_poll_at = next_poll_at(access_code=access_code, now=now)
                access_code_write_back(access_code=access_code, fields=[*SEAM_FIELDS, *LIFECYCLE_FIELDS])
                outcome.updated += 1
        except Exception as error:
            _record_error(workspace, access_code, seam_code, error, now, outcome)
    for seam_id, access_code in portal_codes.items():
        if seam_id not in seen and not _busy(access_code, now, listed_at):
            try:
                gone_handle(access_code=access_code, now=now)
                outcome.removed += 1
            except Exception as error:
                _record_error(workspace, access_code, {"access_code_id": seam_id}, error, now, outcome)


def _place_unknown(workspace, device, seam_code: dict, creators: list[AccessCode], now, outcome) -> None:
    made_by = [code for code in creators if made_by_unanswered_create(access_code=code, seam_code=seam_code)]
    awaiting = [code for code in made_by if not code.seam_access_code_id]
    if awaiting:
        _link(workspace, awaiting[0], seam_code, now, outcome)
    elif made_by:
        access_code_adopt(workspace=workspace, device=device, seam_code=seam_code, duplicate_of=made_by[0])
        outcome.duplicates += 1
    else:
        access_code_adopt(workspace=workspace, device=device, seam_code=seam_code)
        outcome.adopted += 1


def _link(workspace, access_code: AccessCode, seam_code: dict, now, outcome) -> None:
    # The push task may be looking for the same code right now: whoever holds the lease links it.
    if not lease_claim(workspace=workspace, access_code_id=access_code.pk, now=now):
        return
    try:
        access_code.refresh_from_db()
        if not access_code.seam_access_code_id and earlier_create_link(
            access_code=access_code, seam_code=seam_code, now=now
        ):
            outcome.linked += 1
    finally:
        lease_release(workspace=workspace, access_code_id=access_code.pk)


def _record_error(workspace, access_code, seam_code: dict, error: Exception, now, outcome) -> None:
    logger.exception("reconcile of Seam code %s failed", seam_code.get("access_code_id"))
    outcome.errors.append(f"{seam_code.get('access_code_id')}: {type(error).__name__}: {error}")
    if access_code is not None:
        crash_record(workspace=workspace, access_code_id=access_code.pk, error=error, now=now)


def _busy(access_code: AccessCode, now, listed_at) -> bool:
    """Codes a push task owns right now, has work queued for, or wrote since the listing are left alone."""
    leased = access_code.sync_lease_until is not None and access_code.sync_lease_until > now
    return leased or access_code.sync_state in PENDING_STATES or access_code.updated_at >= listed_at
