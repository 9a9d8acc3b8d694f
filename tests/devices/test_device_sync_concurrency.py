"""Two syncs of one workspace at the same time, on separate connections (transactional tests)."""

import threading

import pytest
from django.db import connections

from devices import services
from devices.models import Device, SyncRun
from devices.services import device_sync, workspace_sync_lock

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
