"""Compare Seam's codes with the portal's, device by device, and make the portal tell the truth."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accesscodes.lifecycle import (
    LIFECYCLE_FIELDS,
    PENDING_STATES,
    SEAM_FIELDS,
    access_code_apply_seam_state,
    access_code_handle_gone,
    access_code_write_back,
    next_poll_at,
)
from accesscodes.models import AccessCode
from accesscodes.services import access_code_event_record
from devices.selectors import devices_active
from portal.seam import seam_client_for_workspace


@dataclass
class ReconcileOutcome:
    devices: int = 0
    updated: int = 0
    adopted: int = 0
    removed: int = 0
    errors: list[str] = field(default_factory=list)


def devices_with_access_codes(*, workspace):
    return devices_active(workspace=workspace).filter(
        Q(can_program_online_access_codes=True) | Q(can_program_offline_access_codes=True)
    )


def access_codes_reconcile(*, workspace, client=None, now=None) -> ReconcileOutcome:
    now = now or timezone.now()
    if client is None:
        with seam_client_for_workspace(workspace) as own_client:
            return access_codes_reconcile(workspace=workspace, client=own_client, now=now)
    outcome = ReconcileOutcome()
    for device in devices_with_access_codes(workspace=workspace):
        outcome.devices += 1
        _reconcile_device(client, workspace, device, now, outcome)
    return outcome


def _reconcile_device(client, workspace, device, now, outcome: ReconcileOutcome) -> None:
    managed = client.access_codes_list(device_id=device.seam_device_id)
    unmanaged = client.access_codes_unmanaged_list(device_id=device.seam_device_id)
    device_codes = list(
        AccessCode.objects.for_workspace(workspace).filter(device=device, removed_at__isnull=True)
    )
    portal_codes = {code.seam_access_code_id: code for code in device_codes if code.seam_access_code_id}
    # A create whose answer was lost may be an unknown code here: the push task links it; don't adopt it.
    awaiting_link = any(
        code.create_attempted_at and not code.seam_access_code_id and code.sync_state in PENDING_STATES
        for code in device_codes
    )
    seen = set()
    for seam_code in [*managed, *unmanaged]:
        seam_id = seam_code["access_code_id"]
        seen.add(seam_id)
        access_code = portal_codes.get(seam_id)
        if access_code is None:
            if not awaiting_link:
                _adopt(workspace, device, seam_code, now)
                outcome.adopted += 1
            continue
        if _busy(access_code, now):
            continue
        access_code_apply_seam_state(access_code, seam_code, now)
        access_code.next_poll_at = next_poll_at(access_code, now)
        access_code_write_back(access_code, [*SEAM_FIELDS, *LIFECYCLE_FIELDS])
        outcome.updated += 1
    for seam_id, access_code in portal_codes.items():
        if seam_id not in seen and not _busy(access_code, now):
            access_code_handle_gone(access_code, now)
            outcome.removed += 1


def _busy(access_code: AccessCode, now) -> bool:
    """Codes a push task owns right now, or with work queued, are left to that task."""
    leased = access_code.sync_lease_until is not None and access_code.sync_lease_until > now
    return leased or access_code.sync_state in PENDING_STATES


def _adopt(workspace, device, seam_code: dict, now) -> AccessCode:
    access_code = AccessCode(
        workspace=workspace,
        device=device,
        seam_access_code_id=seam_code["access_code_id"],
        name=seam_code.get("name") or "Code found on the lock",
        code=seam_code.get("code") or "",
        starts_at=_parse(seam_code.get("starts_at")),
        ends_at=_parse(seam_code.get("ends_at")),
        status=seam_code.get("status") or AccessCode.Status.SET,
        is_managed=bool(seam_code.get("is_managed", False)),
        is_offline_access_code=bool(seam_code.get("is_offline_access_code")),
        is_one_time_use=bool(seam_code.get("is_one_time_use")),
        errors=seam_code.get("errors") or [],
        warnings=seam_code.get("warnings") or [],
        appearance=seam_code.get("appearance") or {},
        sync_state=AccessCode.SyncState.IN_SYNC,
    )
    access_code.save()
    kind = "managed by another Seam integration" if access_code.is_managed else "not managed through Seam"
    access_code_event_record(
        access_code=access_code, kind="adopted", message=f"Found in Seam, {kind}; the portal now shows it."
    )
    return access_code


def _parse(value):
    return parse_datetime(value) if isinstance(value, str) else None
