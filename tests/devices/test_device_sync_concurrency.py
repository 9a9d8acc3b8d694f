"""Two syncs of one workspace at the same time, on separate connections (transactional tests)."""

import threading

import pytest
from django.db import connections

from devices import services
from devices.models import Device, SyncRun
from devices.services import device_sync, workspace_sync_lock
from portal.seam import SeamClient

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(count, target):
    """Run `target()` in `count` threads released at the same moment; returns results and exceptions."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # surfaced by the test's assertions
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_two_concurrent_runs_both_succeed_without_duplicates(sandbox_workspace, seam_sandbox):
    workspace = sandbox_workspace()
    seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=40, manufacturer="schlage")

    runs, errors = in_threads(2, lambda: device_sync(workspace=workspace, page_limit=7))

    assert errors == []
    assert [run.status for run in runs] == [SyncRun.Status.SUCCEEDED] * 2
    devices = Device.objects.for_workspace(workspace)
    total = devices.count()
    assert total == 49  # 9 demo devices + 40
    assert devices.values("seam_device_id").distinct().count() == total
    assert sorted(run.devices_created for run in runs) == [0, total]
    assert [run.devices_seen for run in runs] == [total, total]
    assert [run.devices_removed for run in runs] == [0, 0]
    assert not devices.filter(removed_at__isnull=False).exists()


def test_run_that_cannot_get_the_lock_gives_up_cleanly(sandbox_workspace, monkeypatch):
    workspace = sandbox_workspace()
    monkeypatch.setattr(services, "SYNC_LOCK_WAIT_SECONDS", 0.5)
    with workspace_sync_lock(workspace=workspace, wait_seconds=1):
        runs, errors = in_threads(1, lambda: device_sync(workspace=workspace))
    assert errors == []
    [run] = runs
    assert run.status == SyncRun.Status.FAILED
    assert "Another sync of this workspace was still running" in run.error_message
    assert not Device.objects.for_workspace(workspace).exists()


def test_device_added_by_another_writer_during_the_run_is_updated_not_a_failure(
    sandbox_workspace, monkeypatch
):
    """New devices are inserted with COPY, which cannot resolve conflicts: a row that appeared after the run
    read the table must turn the page into an upsert, not fail the run."""
    workspace = sandbox_workspace()
    original_iter = SeamClient.iter_device_pages
    intruder = {}

    def another_writer_inserts_the_first_device(self, **options):
        pages = original_iter(self, **options)
        first_page = next(pages)
        intruder["device"] = Device.objects.create(
            workspace=workspace, seam_device_id=first_page[0]["device_id"], name="Inserted meanwhile"
        )
        connections.close_all()  # this runs in the sync's prefetch thread, on that thread's connection
        yield first_page
        yield from pages

    monkeypatch.setattr(SeamClient, "iter_device_pages", another_writer_inserts_the_first_device)
    sync_run = device_sync(workspace=workspace)

    assert sync_run.status == SyncRun.Status.SUCCEEDED, sync_run.error_message
    devices = Device.objects.for_workspace(workspace)
    assert devices.count() == sync_run.devices_seen == 9
    intruder["device"].refresh_from_db()
    assert intruder["device"].name != "Inserted meanwhile"
    assert intruder["device"].content_hash
