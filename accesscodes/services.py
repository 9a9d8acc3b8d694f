"""Write side of access codes. Every entry point (admin, browser form, sync engine, bookings) calls these;
they lock the device row so count rules hold under concurrency, run `full_clean()` (the provider rules),
save, write history and enqueue the Seam work after commit. `access_codes_create` does the same for
several codes at once (a booking's doors) in a constant number of queries."""

import dataclasses
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts, other_code
from accesscodes.providers import (
    deletion_block_reason,
    modification_block_reason,
    provider_for,
    validate_access_code,
)
from accesscodes.selectors import OccupyingCodes, occupying_codes
from accesscodes.signals import access_code_status_changed
from accesscodes.sync.lease import lease_held
from accesscodes.sync.seam_params import ONE_TIME_USE_OFFLINE_VALIDITY, seam_datetime
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


def _device_lock(*, workspace, device, held: "LockedDevices | None" = None) -> Device:
    """Serialises every write on one lock, so two requests cannot both take its last slot. A device the
    caller already holds locked (in `held`) is not locked again."""
    locked = held.get(device.pk) if held is not None else None
    if locked is None:
        locked = Device.objects.for_workspace(workspace).select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise ValidationError({"device": "No such device in this workspace."})
    return _programmable(locked)


def _programmable(device: Device) -> Device:
    if device.is_removed:
        raise ValidationError(
            {"device": "This device was removed from Seam; codes cannot be programmed on it."}
        )
    return device


class LockedDevices(Mapping):
    """Devices by id, locked (`SELECT ... FOR UPDATE`) in the current transaction by `devices_lock`: the
    proof `access_codes_create` asks for, so a caller cannot hand it devices nobody locked.

    It also holds the codes occupying those locks, read once when first asked for: while the locks are
    held no other transaction adds codes there, and the services given these devices keep the read
    current (`access_codes_create` and `AccessCodesBatch` add their codes, the latter as soon as they are
    judged; `access_code_update` and `access_code_delete` drop the read). A holder that changes codes on
    these locks any other way must call `forget_occupying_codes`."""

    def __init__(self, *, workspace, devices: list[Device]):
        self._workspace = workspace
        self._by_id = {device.pk: device for device in devices}
        self._occupying = None
        self._unsaved = []  # (the device's list in _occupying, index, the code) until the code is saved

    def __getitem__(self, device_id) -> Device:
        return self._by_id[device_id]

    def __iter__(self) -> Iterator:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def occupying_codes(self) -> OccupyingCodes:
        """Device id -> [(code id, the code as the rules engine sees it)] for the codes taking a slot."""
        if self._occupying is None:
            self._occupying = occupying_codes(workspace=self._workspace, device_ids=list(self._by_id))
        return self._occupying

    def forget_occupying_codes(self) -> None:
        """Read the codes again when next asked: for a holder that changed codes on these locks through a
        service it did not give these devices to. Codes added but not yet saved would be lost from the read,
        so they must be written first."""
        if self._unsaved:
            raise RuntimeError("Write the codes added to these locks before forgetting what occupies them.")
        self._occupying = None

    def _codes_added(self, access_codes: list[AccessCode]) -> None:
        """Codes judged for these locks, saved or about to be (`_codes_saved` then fills in their ids)."""
        if self._occupying is None:
            return
        for access_code in access_codes:
            codes = self._occupying[access_code.device_id]
            codes.append((access_code.pk, other_code(access_code)))
            if access_code.pk is None:
                self._unsaved.append((codes, len(codes) - 1, access_code))

    def _codes_saved(self) -> None:
        for codes, index, access_code in self._unsaved:
            codes[index] = (access_code.pk, codes[index][1])
        self._unsaved = []

    def _codes_changed(self) -> None:
        self._occupying = None


def devices_lock(*, workspace, device_ids) -> LockedDevices:
    """Lock these devices of the workspace (ids, or a subquery of ids) in one statement, in id order so two
    writers never wait on each other crosswise. Removed devices are locked too: callers decide about them."""
    if not connection.in_atomic_block:
        raise RuntimeError("devices_lock() holds its locks only inside a transaction.")
    locked = Device.objects.for_workspace(workspace).select_for_update().filter(pk__in=device_ids)
    return LockedDevices(workspace=workspace, devices=list(locked.order_by("pk")))


def _access_code_lock(*, access_code) -> AccessCode:
    return (
        AccessCode.objects.for_workspace(access_code.workspace_id).select_for_update().get(pk=access_code.pk)
    )


def _enqueue_push(access_code: AccessCode) -> None:
    workspace_id, access_code_id = access_code.workspace_id, access_code.pk
    transaction.on_commit(
        lambda: async_task("accesscodes.tasks.push_access_code", workspace_id, access_code_id)
    )


def _requeue_seam_work(
    access_code: AccessCode, *, kind: str, message: str, actor=None, data=None, sync_state=None
) -> None:
    """Queue the Seam work a person asked for: a fresh attempt budget, due now, recorded and enqueued."""
    now = timezone.now()
    if sync_state is not None:
        access_code.sync_state = sync_state
    access_code.edit_version += 1
    access_code.sync_attempts = 0
    access_code.last_sync_error = ""
    access_code.next_attempt_at = now
    access_code.sync_requested_at = now
    access_code.save()
    access_code_event_record(access_code=access_code, kind=kind, message=message, actor=actor, data=data)
    _enqueue_push(access_code)


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
        sync_requested_at=timezone.now(),
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


@dataclasses.dataclass(frozen=True)
class NewAccessCode:
    """One code for `access_codes_create`: the same fields `access_code_create` takes."""

    device_id: int
    name: str
    code: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    is_offline_access_code: bool = False
    is_one_time_use: bool = False
    max_time_rounding: str = "1hour"
    use_backup_access_code_pool: bool = False
    common_code_key: str = ""


# Proved by the caller rather than by a query each: the workspace is the caller's, each device comes
# locked from this workspace (clean() checks it is the workspace's), and the user is the signed-in one;
# the database's foreign keys still guard all three.
KNOWN_RELATIONS = ("workspace", "device", "created_by")


def _clean_new(access_code: AccessCode) -> None:
    """`full_clean()` without the queries that cannot find anything for a new code from the portal: its
    foreign keys (see KNOWN_RELATIONS) and its constraints (the Seam id is empty, so the unique one does
    not apply, and the provider rules in clean() already refuse an incomplete or reversed window, which
    the check constraint still guards)."""
    access_code.full_clean(exclude=KNOWN_RELATIONS, validate_unique=False, validate_constraints=False)


class AccessCodesBatch:
    """Codes judged a group at a time and written together, for a caller that plans several groups (the
    bookings of an import) under the same device locks. `add` judges a group's drafts by the provider rules
    against the codes on their locks (those added before included) and, only once all of them pass, counts
    them as on the locks: in `devices.occupying_codes()`, so the caller's next plan sees them, and for the
    next `add`. `write` inserts every code added since the last write, and their history, one statement
    each; `push_on_commit` queues one task that pushes every code written to Seam after commit."""

    def __init__(self, *, workspace, devices: LockedDevices, created_by=None):
        if not isinstance(devices, LockedDevices):
            raise TypeError("access_codes_create() needs the devices from devices_lock().")
        if not connection.in_atomic_block:
            raise RuntimeError("access_codes_create() runs inside the transaction that locked the devices.")
        self._workspace = workspace
        self._devices = devices
        self._created_by = created_by
        self._added: list[AccessCode] = []
        self._written_ids: list[int] = []

    def add(self, drafts: Sequence[NewAccessCode]) -> list[AccessCode]:
        """The group's codes, judged and not yet saved; a refused one raises and none of the group is kept."""
        occupying = self._devices.occupying_codes() if drafts else {}
        others = {}
        now = timezone.now()
        access_codes = []
        for draft in drafts:
            if draft.device_id not in self._devices:
                raise ValidationError({"device": "No such device in this workspace, or it was not locked."})
            device = _programmable(self._devices[draft.device_id])
            # Shallow, unlike dataclasses.asdict(), which deep-copies every value of every draft.
            fields = {field.name: getattr(draft, field.name) for field in dataclasses.fields(draft)}
            del fields["device_id"]
            access_code = AccessCode(
                workspace=self._workspace,
                device=device,
                created_by=self._created_by,
                next_attempt_at=now,
                sync_requested_at=now,
                **fields,
            )
            if device.pk not in others:
                others[device.pk] = [code for _, code in occupying.get(device.pk, ())]
            access_code.preloaded_other_codes = others[device.pk]
            _clean_new(access_code)
            if not access_code.code and not _provider_picks_code(access_code):
                access_code.code = _generated_code(access_code)
                _clean_new(access_code)
            # save() sets it; bulk_create does not call save()
            access_code.type = access_code.type_for_window()
            access_code.preloaded_other_codes = None  # once saved, its own clean() reads the lock again
            others[device.pk].append(other_code(access_code))
            access_codes.append(access_code)
        self._devices._codes_added(access_codes)
        self._added += access_codes
        return access_codes

    def write(self) -> None:
        if not self._added:
            return
        AccessCode.objects.bulk_create(self._added)
        self._devices._codes_saved()
        AccessCodeEvent.objects.bulk_create(
            AccessCodeEvent(
                workspace_id=self._workspace.pk,
                access_code=access_code,
                kind="created",
                message="Created in the portal; sending to Seam.",
                actor=self._created_by,
            )
            for access_code in self._added
        )
        self._written_ids += [access_code.pk for access_code in self._added]
        self._added = []

    def push_on_commit(self) -> None:
        if not self._written_ids:
            return
        workspace_id, access_code_ids = self._workspace.pk, list(self._written_ids)
        transaction.on_commit(
            lambda: async_task("accesscodes.tasks.push_access_codes", workspace_id, access_code_ids)
        )


def access_codes_create(
    *, workspace, devices: LockedDevices, drafts: Sequence[NewAccessCode], created_by=None
) -> list[AccessCode]:
    """Create several codes together (a booking's doors) under the same rules as `access_code_create`:
    each runs clean(), judged against the lock's other codes (those created earlier in this call
    included). One read of those codes, one insert for the codes and one for their history; one queued
    task pushes them all to Seam after commit. A refused code raises before anything is written; the
    caller's transaction (required, as the device locks are) keeps the batch whole."""
    batch = AccessCodesBatch(workspace=workspace, devices=devices, created_by=created_by)
    access_codes = batch.add(drafts)
    batch.write()
    batch.push_on_commit()
    return access_codes


@transaction.atomic
def access_code_update(
    *, access_code: AccessCode, actor=None, devices: LockedDevices | None = None, **changes
) -> AccessCode:
    """`devices`: the LockedDevices the caller holds, if any; its lock on the code's device is used and
    its read of the codes kept current."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    _device_lock(workspace=access_code.workspace_id, device=access_code.device, held=devices)
    if devices is not None:
        devices._codes_changed()
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
    _requeue_seam_work(
        access_code,
        sync_state=(
            AccessCode.SyncState.PENDING_UPDATE if may_be_in_seam else AccessCode.SyncState.PENDING_CREATE
        ),
        kind="updated",
        message=f"Changed {', '.join(sorted(changed))} in the portal.",
        actor=actor,
        data={"fields": sorted(changed)},
    )
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
def access_code_delete(
    *, access_code: AccessCode, actor=None, devices: LockedDevices | None = None
) -> AccessCode:
    """`devices`: the LockedDevices the caller holds, if any, to keep its read of the codes current."""
    if devices is not None:
        devices._codes_changed()
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
    # A worker holding the lease may be sending the create right now: the deletion then waits for it,
    # so a code Seam makes a moment later is deleted too, never left on the lock.
    if (
        not access_code.seam_access_code_id
        and access_code.create_attempted_at is None
        and not lease_held(access_code=access_code, now=timezone.now())
    ):
        access_code_mark_removed(
            access_code=access_code, message="Deleted before it reached Seam.", actor=actor
        )
        return access_code
    _requeue_seam_work(
        access_code,
        sync_state=AccessCode.SyncState.PENDING_DELETE,
        kind="delete_requested",
        message="Deletion requested.",
        actor=actor,
    )
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
    access_code_status_changed.send(
        sender=AccessCode, access_code=access_code, changed=frozenset({"sync_state"})
    )
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
    access_code.next_poll_at = (
        timezone.now() if access_code.sync_state == AccessCode.SyncState.IN_SYNC else None
    )
    _requeue_seam_work(access_code, kind="retry_requested", message="Retry requested.", actor=actor)
    return access_code


@transaction.atomic
def access_code_backup_record(*, access_code: AccessCode, backup: dict, actor=None) -> AccessCode:
    """Keep the backup code Seam handed out for this code, so the guest gets the same one every time."""
    access_code = _access_code_lock(access_code=access_code)
    access_code.backup_access_code = backup
    access_code.full_clean()
    access_code.save(update_fields=["backup_access_code", "updated_at"])
    access_code_event_record(
        access_code=access_code,
        kind="backup_pulled",
        message="Backup code pulled from the device's pool; give it to the guest instead.",
        actor=actor,
        data={"backup_access_code_id": backup.get("access_code_id", "")},
    )
    return access_code


DUPLICATE_ON_LOCK = "duplicate_on_lock"


@transaction.atomic
def access_code_adopt(
    *, workspace, device, seam_code: dict, duplicate_of: AccessCode | None = None
) -> AccessCode:
    """Show a code found in Seam that no portal code created. With `duplicate_of`, it is a second copy
    Seam made of that code from a request it processed late: deleted where the lock allows it, otherwise
    kept visible as a problem, since the extra PIN opens the door until it expires."""
    device = _device_lock(workspace=workspace, device=device)
    status = seam_code.get("status")
    access_code = AccessCode(
        workspace=workspace,
        device=device,
        seam_access_code_id=seam_code["access_code_id"],
        name=(seam_code.get("name") or "Code found on the lock")[:200],
        code=seam_code.get("code") or "",
        starts_at=seam_datetime(seam_code.get("starts_at")),
        ends_at=seam_datetime(seam_code.get("ends_at")) or _implied_end(seam_code),
        status=status if status in AccessCode.Status.values else AccessCode.Status.UNKNOWN,
        is_managed=bool(seam_code.get("is_managed", False)),
        is_offline_access_code=bool(seam_code.get("is_offline_access_code")),
        is_one_time_use=bool(seam_code.get("is_one_time_use")),
        errors=seam_code.get("errors") or [],
        warnings=seam_code.get("warnings") or [],
        appearance=seam_code.get("appearance") or {},
        sync_state=AccessCode.SyncState.IN_SYNC,
    )
    access_code.full_clean()
    if duplicate_of is None:
        access_code.save()
        kind = "managed by another Seam integration" if access_code.is_managed else "not managed through Seam"
        access_code_event_record(
            access_code=access_code,
            kind="adopted",
            message=f"Found in Seam, {kind}; the portal now shows it.",
        )
        return access_code
    return _duplicate_record(access_code, original=duplicate_of)


def _implied_end(seam_code: dict):
    """Seam may list an offline one-time-use code with its start only: it is valid for 24 hours."""
    starts_at = seam_datetime(seam_code.get("starts_at"))
    if starts_at and seam_code.get("is_offline_access_code") and seam_code.get("is_one_time_use"):
        return starts_at + ONE_TIME_USE_OFFLINE_VALIDITY
    return None


def _duplicate_record(duplicate: AccessCode, *, original: AccessCode) -> AccessCode:
    pin = f" (PIN {duplicate.code})" if duplicate.code else ""
    refusal = deletion_block_reason(device=device_facts(duplicate.device), code=code_draft(duplicate))
    if refusal is None:
        duplicate.sync_state = AccessCode.SyncState.PENDING_DELETE
        duplicate.next_attempt_at = duplicate.sync_requested_at = timezone.now()
        problem = f"Seam created “{original.name}” twice{pin}; the portal deletes the extra copy."
    else:
        problem = (
            f"Seam created “{original.name}” twice{pin}, and this lock cannot delete the extra copy: it "
            f"opens the door until it expires. {refusal}"
        )
        issue = {"error_code": DUPLICATE_ON_LOCK, "message": problem, "source": "portal"}
        duplicate.errors = [*duplicate.errors, issue]
        original.errors = [*original.errors, issue]
        original.save(update_fields=["errors", "updated_at"])
    duplicate.save()
    data = {"original_id": original.pk, "duplicate_id": duplicate.pk, "deletable": refusal is None}
    for row in (duplicate, original):
        access_code_event_record(access_code=row, kind=DUPLICATE_ON_LOCK, message=problem, data=data)
    if refusal is None:
        _enqueue_push(duplicate)
    return duplicate
