"""The sync writes with a constant number of queries per page (one COPY every few pages), however many."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices.models import SyncRun
from devices.services import INSERT_EVERY_PAGES, device_sync

# Divisible into 1, 2 and 3 groups of INSERT_EVERY_PAGES pages, and into 6 pages.
DEVICES = 6 * INSERT_EVERY_PAGES


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
    # New devices go in with one COPY every INSERT_EVERY_PAGES pages: compare runs of 1, 2 and 3 such groups.
    queries = {
        groups: first_sync_queries(
            sandbox_workspace, seam_sandbox, page_limit=DEVICES // (groups * INSERT_EVERY_PAGES)
        )
        for groups in (1, 2, 3)
    }

    per_group = len(queries[2]) - len(queries[1])
    assert len(queries[3]) - len(queries[2]) == per_group
    # One COPY per group, inside a savepoint (SAVEPOINT + RELEASE) because the test runs in a transaction;
    # in autocommit production code it is the COPY alone.
    assert per_group <= 3
    assert [len(device_writes(run)) for run in queries.values()] == [1, 2, 3]
    # And the fixed part stays small: lock, bookkeeping, accounts, stored fingerprints, removal marking.
    assert len(queries[1]) - per_group <= 15


def test_resync_without_changes_costs_no_query_per_page(sandbox_workspace, seam_sandbox):
    workspace = sandbox_workspace(demo_devices=False)
    seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=DEVICES, manufacturer="august")
    sync_queries(workspace, page_limit=DEVICES, created=DEVICES)

    one_page = sync_queries(workspace, page_limit=DEVICES, created=0)
    six_pages = sync_queries(workspace, page_limit=DEVICES // 6, created=0)

    assert len(six_pages) == len(one_page)
    assert device_writes(six_pages) == []
