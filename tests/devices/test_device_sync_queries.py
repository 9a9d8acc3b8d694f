"""The sync writes each page with a constant number of queries, however many pages there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices.models import SyncRun
from devices.services import device_sync

DEVICES = 12


def sync_queries(sandbox_workspace, seam_sandbox, *, page_limit):
    workspace = sandbox_workspace(demo_devices=False)
    seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=DEVICES, manufacturer="august")
    with CaptureQueriesContext(connection) as captured:
        sync_run = device_sync(workspace=workspace, page_limit=page_limit)
    assert sync_run.status == SyncRun.Status.SUCCEEDED, sync_run.error_message
    assert sync_run.devices_created == DEVICES
    return len(captured)


def test_queries_per_page_are_constant(sandbox_workspace, seam_sandbox):
    one_page = sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES)
    three_pages = sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES // 3)
    six_pages = sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES // 6)

    per_page = (three_pages - one_page) / 2
    assert (six_pages - three_pages) / 3 == per_page
    # One INSERT … ON CONFLICT per page, inside a savepoint (SAVEPOINT + RELEASE) because the test runs
    # in a transaction; in autocommit production code it is the INSERT alone.
    assert per_page <= 3
    # And the fixed part stays small: lock, bookkeeping, accounts, known ids, removal marking.
    assert one_page - per_page <= 15
