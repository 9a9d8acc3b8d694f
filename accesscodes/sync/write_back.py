"""Saving what a worker learned without overwriting a change a person made meanwhile."""

from django.db import transaction

from accesscodes.models import AccessCode
from accesscodes.signals import access_code_status_changed

# What Seam reported: written back even when a person changed the code during the Seam call.
SEAM_FIELDS = (
    "seam_access_code_id", "status", "status_changed_at", "errors", "warnings", "is_managed", "appearance",
    "create_attempted_at", "create_request", "create_unanswered_at", "is_scheduled_on_device",
)  # fmt: skip
# What the sync engine decides, and PINs/windows Seam assigns: never written over a person's change.
LIFECYCLE_FIELDS = (
    "code", "starts_at", "ends_at", "sync_state", "sync_attempts", "last_sync_error", "next_attempt_at",
    "next_poll_at",
)  # fmt: skip
# What the apps above follow (access_code_status_changed): whether the code is on the lock, and the work left.
ANNOUNCED_FIELDS = ("status", "sync_state", "is_scheduled_on_device")
PENDING_STATES = (
    AccessCode.SyncState.PENDING_CREATE,
    AccessCode.SyncState.PENDING_UPDATE,
    AccessCode.SyncState.PENDING_DELETE,
)


def access_code_write_back(*, access_code: AccessCode, fields) -> None:
    """If a person changed the code since the worker loaded it, only Seam's facts are written: their
    change stays, and with it the pending work it queued. A change of status or sync state is announced."""
    with transaction.atomic():
        stored = (
            AccessCode.objects.for_workspace(access_code.workspace_id)
            .select_for_update()
            .filter(pk=access_code.pk)
            .values("edit_version", *ANNOUNCED_FIELDS)
            .first()
        )
        if stored is None or stored["edit_version"] != access_code.edit_version:
            fields = [field for field in fields if field in SEAM_FIELDS]
        access_code.save(update_fields=[*fields, "updated_at"])
        changed = frozenset(
            field
            for field in ANNOUNCED_FIELDS
            if field in fields and stored[field] != getattr(access_code, field)
        )
        if changed:
            access_code_status_changed.send(sender=AccessCode, access_code=access_code, changed=changed)
