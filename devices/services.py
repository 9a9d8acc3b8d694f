import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from devices.bulk_upsert import RowBatch, row_batch, rows_upsert
from devices.models import ConnectedAccount, Device, SyncRun
from devices.prefetch import prefetched
from devices.seam_mapping import connected_account_fields, device_fields
from portal.models import Workspace
from portal.seam import SeamClient, seam_client_for_workspace
from portal.seam.errors import (
    SeamAuthError,
    SeamError,
    SeamRateLimited,
    SeamSettingsUnusable,
    SeamUnavailable,
)

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

# Every Device column the sync overwrites on a known device: all but the identity (workspace, Seam id).
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
    "last_synced_at",
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
    devices_removed: int = 0
    accounts_seen: int = 0


def device_sync(*, workspace: Workspace, page_limit: int = SYNC_PAGE_LIMIT) -> SyncRun:
    """Mirror the workspace's Seam devices and connected accounts into our tables; returns the SyncRun.

    Rows are upserted page by page (a constant number of queries per page) and never deleted: a device
    missing from Seam's complete listing gets `removed_at`, and loses it when it comes back. Only a run
    that read every page marks anything removed, so a Seam failure half-way leaves removals untouched.
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
    # One query for the whole run (not one per page) tells new devices from known ones.
    known_device_ids = set(Device.objects.for_workspace(workspace).values_list("seam_device_id", flat=True))
    seen_device_ids: set[str] = set()
    # A background thread fetches, maps and serialises the next pages while this one writes.
    batches = _device_row_batches(client.iter_device_pages(limit=page_limit), account_ids=account_ids)
    for batch in prefetched(batches):
        page_ids = _devices_upsert(workspace=workspace, batch=batch, synced_at=synced_at)
        counts.devices_created += len(page_ids - known_device_ids)
        known_device_ids |= page_ids
        seen_device_ids |= page_ids
    counts.devices_seen = len(seen_device_ids)

    # Every page was read: whatever this run did not touch is gone from Seam.
    with transaction.atomic():
        removed_at = timezone.now()
        counts.devices_removed = (
            Device.objects.for_workspace(workspace)
            .filter(removed_at__isnull=True)
            .exclude(last_synced_at=synced_at)
            .update(removed_at=removed_at)
        )
        ConnectedAccount.objects.for_workspace(workspace).filter(removed_at__isnull=True).exclude(
            last_synced_at=synced_at
        ).update(removed_at=removed_at)
        sync_run.devices_seen = counts.devices_seen
        sync_run.devices_created = counts.devices_created
        sync_run.devices_updated = counts.devices_seen - counts.devices_created
        sync_run.devices_removed = counts.devices_removed
        sync_run.accounts_seen = counts.accounts_seen
        _sync_run_finish(sync_run, status=SyncRun.Status.SUCCEEDED)
    return counts


def _connected_accounts_upsert(
    *, workspace: Workspace, seam_accounts: list[dict], synced_at
) -> dict[str, int]:
    """Upsert the accounts (a handful per workspace); returns Seam connected_account_id → our key."""
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


def _device_row_batches(pages: Iterator[list[dict]], *, account_ids: dict[str, int]) -> Iterator[RowBatch]:
    """Seam device pages → Device rows ready to write. No database access: it runs in the prefetch thread."""
    for seam_devices in pages:
        rows: dict[str, dict] = {}
        for seam_device in seam_devices:
            if not isinstance(seam_device, dict) or not seam_device.get("device_id"):
                continue
            row = device_fields(seam_device)
            row["connected_account_id"] = account_ids.get(seam_device.get("connected_account_id"))
            # Keyed by id: PostgreSQL refuses to upsert the same row twice in one statement.
            rows[row["seam_device_id"]] = row
        yield row_batch(list(rows.values()))


def _devices_upsert(*, workspace: Workspace, batch: RowBatch, synced_at) -> set[str]:
    """One INSERT … ON CONFLICT DO UPDATE for the page; returns the page's Seam device ids."""
    # A savepoint, so that inside a caller's transaction a failed page still lets us record the failure.
    with transaction.atomic():
        rows_upsert(
            model=Device,
            batch=batch,
            # A device Seam lists is not removed: writing removed_at=NULL is what un-removes a returning one.
            constants={"workspace_id": workspace.pk, "last_synced_at": synced_at, "removed_at": None},
            unique_fields=["workspace_id", "seam_device_id"],
            update_fields=DEVICE_SYNCED_COLUMNS,
        )
    return {row["seam_device_id"] for row in batch.rows}


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
