"""The sync writes each page with a constant number of queries, however many pages there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices.models import SyncRun
from devices.services import device_sync

DEVICES = 12


def sync_queries(workspace, *, page_limit, created) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        sync_run = device_sync(workspace=workspace, page_limit=page_limit)
    assert sync_run.status == SyncRun.Status.SUCCEEDED, sync_run.error_message
    assert (sync_run.devices_created, sync_run.devices_updated) == (created, 0)
    return [query["sql"] for query in captured]


def device_writes(queries: list[str]) -> list[str]:
    return [
        sql for sql in queries if sql.startswith(("COPY", "INSERT", "UPDATE")) and '"devices_device"' in sql
    ]


def first_sync_queries(sandbox_workspace, seam_sandbox, *, page_limit):
    workspace = sandbox_workspace(demo_devices=False)
    seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=DEVICES, manufacturer="august")
    return sync_queries(workspace, page_limit=page_limit, created=DEVICES)


def test_queries_per_page_are_constant(sandbox_workspace, seam_sandbox):
    one_page = first_sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES)
    three_pages = first_sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES // 3)
    six_pages = first_sync_queries(sandbox_workspace, seam_sandbox, page_limit=DEVICES // 6)

    per_page = (len(three_pages) - len(one_page)) / 2
    assert (len(six_pages) - len(three_pages)) / 3 == per_page
    # One COPY per page, inside a savepoint (SAVEPOINT + RELEASE) because the test runs in a transaction;
    # in autocommit production code it is the COPY alone.
    assert per_page <= 3
    assert [len(device_writes(queries)) for queries in (one_page, three_pages, six_pages)] == [1, 3, 6]
    # And the fixed part stays small: lock, bookkeeping, accounts, stored fingerprints, removal marking.
    assert len(one_page) - per_page <= 15


def test_resync_without_changes_costs_no_query_per_page(sandbox_workspace, seam_sandbox):
    workspace = sandbox_workspace(demo_devices=False)
    seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=DEVICES, manufacturer="august")
    sync_queries(workspace, page_limit=DEVICES, created=DEVICES)

    one_page = sync_queries(workspace, page_limit=DEVICES, created=0)
    six_pages = sync_queries(workspace, page_limit=DEVICES // 6, created=0)

    assert len(six_pages) == len(one_page)
    assert device_writes(six_pages) == []
