"""The access-code events sent to the workspace's webhook endpoints: a code set on its lock, refused by
Seam, or removed. Emitted inside the transaction that saved the change, so a rolled-back change sends
nothing."""

from accesscodes.models import AccessCode
from accesscodes.signals import access_code_status_changed
from portal.outbound.events import webhook_event_type_register
from portal.outbound.services import webhook_event_emit

ACCESS_CODE_SET = "access_code.set"
ACCESS_CODE_FAILED = "access_code.failed"
ACCESS_CODE_REMOVED = "access_code.removed"
EVENT_TYPES = {
    ACCESS_CODE_SET: "An access code is set on its lock.",
    ACCESS_CODE_FAILED: "Seam refused an access code, or the portal gave up sending it.",
    ACCESS_CODE_REMOVED: "An access code is removed from its lock (deleted, expired, or gone from Seam).",
}


def connect() -> None:
    for name, description in EVENT_TYPES.items():
        webhook_event_type_register(name=name, description=description)
    access_code_status_changed.connect(
        access_code_event_emit, sender=AccessCode, dispatch_uid="accesscodes-webhook-events"
    )


def access_code_event_type(*, access_code: AccessCode, changed) -> str | None:
    if "sync_state" in changed and access_code.sync_state == AccessCode.SyncState.REMOVED:
        return ACCESS_CODE_REMOVED
    if "sync_state" in changed and access_code.sync_state == AccessCode.SyncState.FAILED:
        return ACCESS_CODE_FAILED
    if "status" in changed and access_code.status == AccessCode.Status.SET:
        return ACCESS_CODE_SET
    return None


def access_code_event_emit(sender, *, access_code: AccessCode, changed, **kwargs) -> None:
    event_type = access_code_event_type(access_code=access_code, changed=changed)
    if event_type is not None:
        webhook_event_emit(
            workspace_id=access_code.workspace_id,
            event_type=event_type,
            data={"access_code": access_code_data(access_code)},
        )


def access_code_data(access_code: AccessCode) -> dict:
    device = access_code.device
    return {
        "id": access_code.pk,
        "seam_access_code_id": access_code.seam_access_code_id,
        "name": access_code.name,
        "code": access_code.code,
        "starts_at": access_code.starts_at,
        "ends_at": access_code.ends_at,
        "status": access_code.status,
        "sync_state": access_code.sync_state,
        "is_offline_access_code": access_code.is_offline_access_code,
        "error": access_code.last_sync_error,
        "device": {"id": device.pk, "seam_device_id": device.seam_device_id, "name": device.name},
    }
