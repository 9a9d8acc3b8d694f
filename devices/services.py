import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from devices.bulk_upsert import (
    CopyBatch,
    RowBatch,
    copy_batch,
    copy_batches_joined,
    row_batch,
    rows_insert,
    rows_upsert,
)
from devices.models import ConnectedAccount, Device, SyncRun
from devices.prefetch import prefetched
from devices.seam_mapping import connected_account_fields, device_content_hash, device_fields
from portal.models import Heartbeat, Workspace
from portal.seam import SeamClient, seam_client_for_workspace
from portal.seam.errors import (
    SeamAuthError,
    SeamError,
    SeamRateLimited,
    SeamSettingsUnusable,
    SeamUnavailable,
)
from portal.services import heartbeat_beat

logger = logging.getLogger(__name__)

# Seam's own default and maximum useful page size for devices/list.
SYNC_PAGE_LIMIT = 500
# A second sync of the same workspace waits this long for the first to finish, then gives up. Kept well
# under the Django-Q task timeout so the give-up is recorded instead of the worker being killed.
SYNC_LOCK_WAIT_SECONDS = 60
SYNC_LOCK_POLL_SECONDS = 0.25
# First key of our PostgreSQL advisory locks (the second is the workspace id): any constant works as long
# as no other feature of the project uses it.
SYNC_LOCK_NAMESPACE = 0x5EA7

# Every Device column the sync overwrites on a changed device: all but the identity (workspace, Seam id).
DEVICE_SYNCED_COLUMNS = [
    "connected_account_id",
    "name",
    "device_type",
    "manufacturer",
    "model",
    "online",
    "locked",
    "battery_level",
    "can_program_online_access_codes",
    "can_program_offline_access_codes",
    "capabilities_supported",
    "supported_code_lengths",
    "max_active_codes_supported",
    "code_constraints",
    "timezone",
    "properties",
    "errors",
    "warnings",
    "content_hash",
    "last_changed_at",
    "removed_at",
]
ACCOUNT_SYNCED_FIELDS = ["account_type", "display_name", "errors", "warnings", "last_synced_at", "removed_at"]


# -- the sync --------------------------------------------------------------------------------------


class SyncLockTimeout(Exception):
    pass


@dataclass
class SyncCounts:
    devices_seen: int = 0
    devices_created: int = 0
    devices_updated: int = 0
    devices_removed: int = 0
    accounts_seen: int = 0


def device_sync(*, workspace: Workspace, page_limit: int = SYNC_PAGE_LIMIT) -> SyncRun:
    """Mirror the workspace's Seam devices and connected accounts into our tables; returns the SyncRun.

    Only new, changed and returning devices are written (their fingerprint differs from the stored one),
    page by page with a constant number of queries per page; a re-sync in which nothing changed writes no
    device row. Rows are never deleted: a device missing from Seam's complete listing gets `removed_at`,
    and loses it when it comes back. Only a run that read every page marks anything removed, so a Seam
    failure half-way leaves removals untouched.
    Runs of the same workspace are serialised by a lock; a second run waits for the first, then runs.
    """
    try:
        with workspace_sync_lock(workspace=workspace, wait_seconds=SYNC_LOCK_WAIT_SECONDS) as exclusive:
            if exclusive:
                _sync_runs_close_interrupted(workspace=workspace)
            sync_run = SyncRun.objects.create(workspace=workspace)
            return _sync_run_execute(sync_run=sync_run, workspace=workspace, page_limit=page_limit)
    except SyncLockTimeout:
        return SyncRun.objects.create(
            workspace=workspace,
            status=SyncRun.Status.FAILED,
            finished_at=timezone.now(),
            error_message=(
                f"Another sync of this workspace was still running after {SYNC_LOCK_WAIT_SECONDS} seconds, "
                "so this one did not start. The next scheduled sync will try again."
            ),
        )


def _sync_run_execute(*, sync_run: SyncRun, workspace: Workspace, page_limit: int) -> SyncRun:
    try:
        with seam_client_for_workspace(workspace) as client:
            counts = _seam_mirror(
                client=client, workspace=workspace, sync_run=sync_run, page_limit=page_limit
            )
    except SeamError as error:
        logger.warning("Seam sync of workspace %s failed: %r", workspace.pk, error)
        return _sync_run_finish(
            sync_run, status=SyncRun.Status.FAILED, error_message=sync_error_message(error)
        )
    except Exception:
        logger.exception("Seam sync of workspace %s crashed", workspace.pk)
        _sync_run_finish(
            sync_run,
            status=SyncRun.Status.FAILED,
            error_message="The sync stopped on an unexpected error; the technical team has the details.",
        )
        raise
    logger.info("Seam sync of workspace %s: %s", workspace.pk, counts)
    return sync_run


def _seam_mirror(
    *, client: SeamClient, workspace: Workspace, sync_run: SyncRun, page_limit: int
) -> SyncCounts:
    synced_at = sync_run.started_at
    counts = SyncCounts()
    account_ids = _connected_accounts_upsert(
        workspace=workspace, seam_accounts=client.connected_accounts_list(), synced_at=synced_at
    )
    counts.accounts_seen = len(account_ids)
    stored = _devices_stored(workspace=workspace)
    seen_ids: set[str] = set()
    created_ids: set[str] = set()
    updated_ids: set[str] = set()
    # A background thread fetches, fingerprints, maps and serialises the next pages while this one writes.
    pages = _device_pages(client.iter_device_pages(limit=page_limit), account_ids=account_ids, stored=stored)
    new_pending: list[CopyBatch] = []
    try:
        for page in prefetched(pages):
            seen_ids.update(page.seen_ids)
            if page.changed.rows:
                _devices_upsert(workspace=workspace, batch=page.changed, changed_at=synced_at)
                updated_ids.update(row["seam_device_id"] for row in page.changed.rows)
            if page.new.rows:
                new_pending.append(page.new)
            if len(new_pending) == INSERT_EVERY_PAGES:
                batches, new_pending = new_pending, []
                created_ids.update(
                    _devices_insert(workspace=workspace, batches=batches, changed_at=synced_at)
                )
    finally:
        # Also when a later page failed: the pages read so far are true data.
        if new_pending:
            created_ids.update(
                _devices_insert(workspace=workspace, batches=new_pending, changed_at=synced_at)
            )
    counts.devices_seen = len(seen_ids)
    counts.devices_created = len(created_ids)
    counts.devices_updated = len(updated_ids)

    # Every page was read: a device that was active before this run and is not in Seam's listing is gone.
    gone_ids = list(stored.active_hashes.keys() - seen_ids)
    with transaction.atomic():
        removed_at = timezone.now()
        counts.devices_removed = _devices_mark_removed(
            workspace=workspace, seam_device_ids=gone_ids, removed_at=removed_at
        )
        ConnectedAccount.objects.for_workspace(workspace).filter(removed_at__isnull=True).exclude(
            last_synced_at=synced_at
        ).update(removed_at=removed_at)
        sync_run.devices_seen = counts.devices_seen
        sync_run.devices_created = counts.devices_created
        sync_run.devices_updated = counts.devices_updated
        sync_run.devices_removed = counts.devices_removed
        sync_run.accounts_seen = counts.accounts_seen
        _sync_run_finish(sync_run, status=SyncRun.Status.SUCCEEDED)
    heartbeat_beat(name=Heartbeat.Name.SEAM)
    return counts


def _connected_accounts_upsert(
    *, workspace: Workspace, seam_accounts: list[dict], synced_at
) -> dict[str, int]:
    """Upsert the accounts (a handful per workspace, so every run writes them all); returns Seam
    connected_account_id → our key."""
    fields_by_id = {
        account["connected_account_id"]: connected_account_fields(account)
        for account in seam_accounts
        if isinstance(account, dict) and account.get("connected_account_id")
    }
    if not fields_by_id:
        return {}
    with transaction.atomic():
        accounts = ConnectedAccount.objects.bulk_create(
            [
                ConnectedAccount(workspace=workspace, last_synced_at=synced_at, removed_at=None, **fields)
                for fields in fields_by_id.values()
            ],
            update_conflicts=True,
            unique_fields=["workspace", "seam_connected_account_id"],
            update_fields=ACCOUNT_SYNCED_FIELDS,
        )
    return {account.seam_connected_account_id: account.pk for account in accounts}


@dataclass(frozen=True)
class StoredDevices:
    known_ids: frozenset[str]
    active_hashes: dict[str, str]  # devices not marked removed → their content_hash


def _devices_stored(*, workspace: Workspace) -> StoredDevices:
    """What the workspace holds before this run, in one query: tells new devices from known ones, unchanged
    from changed, and (by what the run does not see) the gone."""
    known_ids, active_hashes = set(), {}
    rows = Device.objects.for_workspace(workspace).values_list("seam_device_id", "content_hash", "removed_at")
    for seam_device_id, content_hash, removed_at in rows:
        known_ids.add(seam_device_id)
        if removed_at is None:
            active_hashes[seam_device_id] = content_hash
    return StoredDevices(known_ids=frozenset(known_ids), active_hashes=active_hashes)


@dataclass(frozen=True)
class DevicePage:
    seen_ids: list[str]
    new: CopyBatch  # Device rows of devices this workspace never had
    changed: RowBatch  # Device rows of known devices that changed or came back


def _device_pages(
    pages: Iterator[list[dict]], *, account_ids: dict[str, int], stored: StoredDevices
) -> Iterator[DevicePage]:
    """Seam device pages → what to write. No database access: it runs in the prefetch thread."""
    for seam_devices in pages:
        seen_ids = []
        # Keyed by id: one statement must not write the same row twice.
        new: dict[str, dict] = {}
        changed: dict[str, dict] = {}
        for seam_device in seam_devices:
            if not isinstance(seam_device, dict) or not isinstance(seam_device.get("device_id"), str):
                continue
            device_id = seam_device["device_id"]
            seen_ids.append(device_id)
            account_pk = account_ids.get(seam_device.get("connected_account_id"))
            content_hash = device_content_hash(seam_device, connected_account_pk=account_pk)
            # A removed device has no entry, so one that comes back is written (and un-removed).
            if stored.active_hashes.get(device_id) == content_hash:
                continue
            row = device_fields(seam_device)
            row["connected_account_id"] = account_pk
            row["content_hash"] = content_hash
            (changed if device_id in stored.known_ids else new)[device_id] = row
        yield DevicePage(
            seen_ids=seen_ids,
            new=copy_batch(Device, list(new.values())),
            changed=row_batch(list(changed.values())),
        )


# New devices of this many pages go in with one COPY: each write costs round trips and a commit during
# which this thread waits, so a first sync spends less time waiting with fewer, larger writes.
INSERT_EVERY_PAGES = 4


def _devices_insert(*, workspace: Workspace, batches: list[CopyBatch], changed_at) -> set[str]:
    """One COPY for the new devices of a few pages; returns their Seam ids."""
    batch = copy_batches_joined(batches)
    try:
        with transaction.atomic():
            rows_insert(model=Device, batch=batch, constants=_device_constants(workspace, changed_at))
    except IntegrityError:
        # Nothing else adds devices, and on PostgreSQL runs hold the workspace's lock; but should a row have
        # appeared since this run read the table (an overlapping run on SQLite, a device Seam listed on two
        # pages), write the rows as upserts, one statement per page.
        for page_batch in batches:
            _devices_upsert(workspace=workspace, batch=row_batch(page_batch.rows), changed_at=changed_at)
    return {row["seam_device_id"] for row in batch.rows}


def _devices_upsert(*, workspace: Workspace, batch: RowBatch, changed_at) -> None:
    """One INSERT … ON CONFLICT DO UPDATE for the page's changed devices."""
    # A savepoint, so that inside a caller's transaction a failed page still lets us record the failure.
    with transaction.atomic():
        rows_upsert(
            model=Device,
            batch=batch,
            constants=_device_constants(workspace, changed_at),
            unique_fields=["workspace_id", "seam_device_id"],
            update_fields=DEVICE_SYNCED_COLUMNS,
        )


def _device_constants(workspace: Workspace, changed_at) -> dict:
    # A device Seam lists is not removed: writing removed_at=NULL is what un-removes a returning one.
    return {"workspace_id": workspace.pk, "last_changed_at": changed_at, "removed_at": None}


# Bounds the ids in one UPDATE: databases cap the parameters of a statement (SQLite at 32,766).
REMOVAL_BATCH_SIZE = 5000


def _devices_mark_removed(*, workspace: Workspace, seam_device_ids: list[str], removed_at) -> int:
    removed = 0
    for start in range(0, len(seam_device_ids), REMOVAL_BATCH_SIZE):
        removed += (
            Device.objects.for_workspace(workspace)
            .filter(seam_device_id__in=seam_device_ids[start : start + REMOVAL_BATCH_SIZE])
            .filter(removed_at__isnull=True)
            .update(removed_at=removed_at)
        )
    return removed


def _sync_run_finish(sync_run: SyncRun, *, status: str, error_message: str = "") -> SyncRun:
    sync_run.status = status
    sync_run.error_message = error_message
    sync_run.finished_at = timezone.now()
    sync_run.save()
    return sync_run


def _sync_runs_close_interrupted(*, workspace: Workspace) -> None:
    # We hold the workspace's lock, so no other run is alive: a run still marked running lost its worker.
    SyncRun.objects.for_workspace(workspace).filter(status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error_message="Interrupted: the worker stopped before this sync finished.",
    )


def sync_error_message(error: SeamError) -> str:
    """What went wrong, in words a property manager can act on."""
    status = f" ({error.status_code})" if error.status_code else ""
    if isinstance(error, SeamSettingsUnusable):
        return error.message
    if isinstance(error, SeamAuthError):
        return f"Seam rejected the API key{status}. Check the workspace's Seam API key."
    if isinstance(error, SeamRateLimited):
        return f"Seam asked us to slow down{status}. The next scheduled sync will try again."
    if isinstance(error, SeamUnavailable):
        what = f"Seam is unavailable{status}" if error.status_code else f"Could not reach Seam ({error.type})"
        return f"{what}. No device was marked removed; the next scheduled sync will try again."
    return f"Seam answered with an error{status}: {error.message}"


# -- one sync per workspace at a time ----------------------------------------------------------------


@contextmanager
def workspace_sync_lock(*, workspace: Workspace, wait_seconds: float) -> Iterator[bool]:
    """Hold the workspace's sync lock; yields True when it really excludes other runs.

    A PostgreSQL session advisory lock: it needs no open transaction (pages commit one by one) and the
    server drops it if the worker dies. Other databases (SQLite for local development) get no lock: the
    unique constraint still prevents duplicates, but two overlapping runs there may flag a device removed
    until the next sync.
    """
    if connection.vendor != "postgresql":
        yield False
        return
    key = (SYNC_LOCK_NAMESPACE, workspace.pk)
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise SyncLockTimeout
            time.sleep(SYNC_LOCK_POLL_SECONDS)
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
