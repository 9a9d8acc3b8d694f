"""Write side of access codes. Every entry point (admin, browser, API, booking hooks) calls these; they lock
the device row so count rules hold under concurrency, run `full_clean()` (the provider rules), save, write
history and enqueue the Seam work after commit."""

import dataclasses
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts
from accesscodes.providers import (
    deletion_block_reason,
    modification_block_reason,
    provider_for,
    validate_access_code,
)
from devices.models import Device

UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "code",
        "starts_at",
        "ends_at",
        "max_time_rounding",
        "allow_external_modification",
        "prefer_native_scheduling",
        "common_code_key",
        "appearance",
    }
)
GENERATED_CODE_TRIES = 60


def access_code_event_record(
    *, access_code, kind: str, message: str, actor=None, data=None
) -> AccessCodeEvent:
    return AccessCodeEvent.objects.create(
        workspace_id=access_code.workspace_id,
        access_code=access_code,
        kind=kind,
        message=message,
        actor=actor,
        data=data or {},
    )


def _device_lock(*, workspace, device) -> Device:
    """Serialises every write on one lock, so two requests cannot both take its last slot."""
    locked = Device.objects.for_workspace(workspace).select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise ValidationError({"device": "No such device in this workspace."})
    if locked.is_removed:
        raise ValidationError(
            {"device": "This device was removed from Seam; codes cannot be programmed on it."}
        )
    return locked


def _access_code_lock(*, access_code) -> AccessCode:
    return (
        AccessCode.objects.for_workspace(access_code.workspace_id).select_for_update().get(pk=access_code.pk)
    )


def _enqueue_push(access_code: AccessCode) -> None:
    workspace_id, access_code_id = access_code.workspace_id, access_code.pk
    transaction.on_commit(
        lambda: async_task("accesscodes.tasks.push_access_code", workspace_id, access_code_id)
    )


def _generated_code(access_code: AccessCode) -> str:
    """A PIN that passes every rule of the device. The portal picks it (rather than Seam) so that a create
    whose answer was lost can be recognised in Seam by its code, and never created twice."""
    device = device_facts(access_code.device)
    others = access_code.other_codes()
    lengths = sorted(device.supported_code_lengths) or [6]
    length = 6 if 6 in lengths else lengths[len(lengths) // 2]
    now = timezone.now()
    draft_without_pin = code_draft(access_code)
    for _ in range(GENERATED_CODE_TRIES):
        candidate = "".join(str(secrets.randbelow(10)) for _ in range(length))
        draft = dataclasses.replace(draft_without_pin, code=candidate)
        if "code" not in validate_access_code(device=device, draft=draft, others=others, now=now):
            return candidate
    return ""


def _provider_picks_code(access_code: AccessCode) -> bool:
    if access_code.is_offline_access_code:
        return True  # offline PINs come from the provider's algorithm
    device = device_facts(access_code.device)
    return provider_for(device.manufacturer).custom_code_refusal(device, code_draft(access_code)) is not None


@transaction.atomic
def access_code_create(
    *,
    workspace,
    device,
    name: str,
    code: str = "",
    starts_at=None,
    ends_at=None,
    is_offline_access_code: bool = False,
    is_one_time_use: bool = False,
    max_time_rounding: str = "1hour",
    allow_external_modification: bool = False,
    prefer_native_scheduling: bool = True,
    use_backup_access_code_pool: bool = False,
    common_code_key: str = "",
    appearance: dict | None = None,
    created_by=None,
) -> AccessCode:
    device = _device_lock(workspace=workspace, device=device)
    access_code = AccessCode(
        workspace=workspace,
        device=device,
        name=name,
        code=code or "",
        starts_at=starts_at,
        ends_at=ends_at,
        is_offline_access_code=is_offline_access_code,
        is_one_time_use=is_one_time_use,
        max_time_rounding=max_time_rounding,
        allow_external_modification=allow_external_modification,
        prefer_native_scheduling=prefer_native_scheduling,
        use_backup_access_code_pool=use_backup_access_code_pool,
        common_code_key=common_code_key,
        appearance=appearance or {},
        created_by=created_by,
        next_attempt_at=timezone.now(),
    )
    access_code.full_clean()
    if not access_code.code and not _provider_picks_code(access_code):
        access_code.code = _generated_code(access_code)
        access_code.full_clean()
    access_code.save()
    access_code_event_record(
        access_code=access_code,
        kind="created",
        message="Created in the portal; sending to Seam.",
        actor=created_by,
    )
    _enqueue_push(access_code)
    return access_code


@transaction.atomic
def access_code_update(*, access_code: AccessCode, actor=None, **changes) -> AccessCode:
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    _device_lock(workspace=access_code.workspace_id, device=access_code.device)
    access_code = _access_code_lock(access_code=access_code)
    _refuse_when_not_editable(access_code)
    reason = modification_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))
    if reason:
        raise ValidationError(reason)
    changed = {field: value for field, value in changes.items() if getattr(access_code, field) != value}
    if not changed:
        return access_code
    for field, value in changed.items():
        setattr(access_code, field, value)
    access_code.full_clean()
    # Once a create was sent the code may already be in Seam, so this is an update; while Seam's id is
    # still unknown the lifecycle first looks for that earlier create.
    may_be_in_seam = access_code.seam_access_code_id or access_code.create_attempted_at
    access_code.sync_state = (
        AccessCode.SyncState.PENDING_UPDATE if may_be_in_seam else AccessCode.SyncState.PENDING_CREATE
    )
    access_code.edit_version += 1
    access_code.sync_attempts = 0
    access_code.last_sync_error = ""
    access_code.next_attempt_at = timezone.now()
    access_code.save()
    access_code_event_record(
        access_code=access_code,
        kind="updated",
        message=f"Changed {', '.join(sorted(changed))} in the portal.",
        actor=actor,
        data={"fields": sorted(changed)},
    )
    _enqueue_push(access_code)
    return access_code


def _removed_or_removing(access_code: AccessCode) -> bool:
    return access_code.is_removed or access_code.sync_state in {
        AccessCode.SyncState.PENDING_DELETE,
        AccessCode.SyncState.REMOVED,
    }


def _refuse_when_not_editable(access_code: AccessCode) -> None:
    if _removed_or_removing(access_code):
        raise ValidationError("This code is removed or being removed; create a new one instead.")
    if not access_code.is_managed:
        raise ValidationError(
            "This code was found on the lock and is not managed through Seam: change it in the lock's own app."
        )


@transaction.atomic
def access_code_delete(*, access_code: AccessCode, actor=None) -> AccessCode:
    access_code = _access_code_lock(access_code=access_code)
    if _removed_or_removing(access_code):
        return access_code  # deleting twice is not an error
    if not access_code.is_managed:
        raise ValidationError(
            "This code was found on the lock and is not managed through Seam: remove it in the lock's own app."
        )
    reason = deletion_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))
    if reason:
        raise ValidationError(reason)
    if not access_code.seam_access_code_id and access_code.create_attempted_at is None:
        access_code_mark_removed(
            access_code=access_code, message="Deleted before it reached Seam.", actor=actor
        )
        return access_code
    access_code.sync_state = AccessCode.SyncState.PENDING_DELETE
    access_code.edit_version += 1
    access_code.sync_attempts = 0
    access_code.last_sync_error = ""
    access_code.next_attempt_at = timezone.now()
    access_code.save()
    access_code_event_record(
        access_code=access_code, kind="delete_requested", message="Deletion requested.", actor=actor
    )
    _enqueue_push(access_code)
    return access_code


def access_code_mark_removed(
    *, access_code: AccessCode, message: str, actor=None, kind="removed"
) -> AccessCode:
    now = timezone.now()
    access_code.sync_state = AccessCode.SyncState.REMOVED
    access_code.removed_at = now
    access_code.next_attempt_at = None
    access_code.next_poll_at = None
    access_code.save()
    access_code_event_record(access_code=access_code, kind=kind, message=message, actor=actor)
    return access_code


@transaction.atomic
def access_code_sync_retry(*, access_code: AccessCode, actor=None) -> AccessCode:
    """Try the Seam work again now (after a failure, or to skip a backoff wait)."""
    access_code = _access_code_lock(access_code=access_code)
    if access_code.sync_state == AccessCode.SyncState.REMOVED:
        raise ValidationError("This code is removed; nothing to retry.")
    if access_code.sync_state == AccessCode.SyncState.FAILED:
        access_code.sync_state = (
            AccessCode.SyncState.PENDING_UPDATE
            if access_code.seam_access_code_id
            else AccessCode.SyncState.PENDING_CREATE
        )
    access_code.edit_version += 1
    access_code.sync_attempts = 0
    access_code.next_attempt_at = timezone.now()
    access_code.next_poll_at = (
        timezone.now() if access_code.sync_state == AccessCode.SyncState.IN_SYNC else None
    )
    access_code.save()
    access_code_event_record(
        access_code=access_code, kind="retry_requested", message="Retry requested.", actor=actor
    )
    _enqueue_push(access_code)
    return access_code
