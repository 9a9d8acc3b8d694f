"""Saving what a worker learned without overwriting a change a person made meanwhile."""

from django.db import transaction

from accesscodes.models import AccessCode

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
PENDING_STATES = (
    AccessCode.SyncState.PENDING_CREATE,
    AccessCode.SyncState.PENDING_UPDATE,
    AccessCode.SyncState.PENDING_DELETE,
)


def access_code_write_back(*, access_code: AccessCode, fields) -> None:
    """If a person changed the code since the worker loaded it, only Seam's facts are written: their
    change stays, and with it the pending work it queued."""
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
