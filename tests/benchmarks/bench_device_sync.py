"""Benchmark: Seam device sync of a 10,000-device workspace against the floor of only paging devices/list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_device_sync.py

Works in a scratch PostgreSQL database made by Django's test machinery (BENCH_DATABASE_NAME, default
`test_bench_device_sync`, replaced if it exists and dropped at the end; TEST_DATABASE_NAME is ignored, so
the benchmark never clobbers a test run's database) and a Seam sandbox on 127.0.0.1. Prints the floor (the
client paging through devices/list and nothing else), first-sync and re-sync (nothing changed in Seam)
times, their ratio to the floor, and queries per page. Targets: first sync <= 2 x floor, re-sync <= 1.3 x
floor, constant queries per page. Floor and syncs run interleaved, each from the same state (no pending
garbage, a vacuumed table), and every figure is a median: the machine's other work then weighs on all
alike. Run it on a quiet machine; everything here competes for the same cores.

Two scenarios: the sandbox answering at once from this very process (the floor is then mostly JSON
work, and the sync's own Python work, fingerprints, mapping and JSON for COPY, cannot hide behind it), and
the sandbox answering --latency-ms later per request, as Seam does over the internet, where writing page
n overlaps fetching page n+1. Not collected by pytest (the file name does not start with test_).
"""

import argparse
import gc
import math
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ["TEST_DATABASE_NAME"] = os.environ.get("BENCH_DATABASE_NAME", "test_bench_device_sync")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from query_counter import QueryCounter  # noqa: E402

from devices.models import Device, SyncRun  # noqa: E402
from devices.services import SYNC_PAGE_LIMIT, device_sync  # noqa: E402
from portal.seam import seam_client_for_workspace  # noqa: E402
from portal.seam.sandbox import SandboxServer  # noqa: E402
from portal.services import workspace_create  # noqa: E402

MANUFACTURERS = ["august", "schlage", "yale", "igloohome", "ultraloq"]
FIRST_SYNC_TARGET = 2.0
RESYNC_TARGET = 1.3


def timed(function):
    # Every run starts with no garbage pending: a full collection costs this process ~75 ms (a fifth of the
    # floor), and whether it falls into a run or the next one would otherwise decide the ratio.
    gc.collect()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def floor_run(workspace, page_limit):
    """Only what any sync must do: fetch and decode every page."""
    devices = 0
    with seam_client_for_workspace(workspace) as client:
        for page in client.iter_device_pages(limit=page_limit):
            devices += len(page)
    return devices


def sync_run(workspace, page_limit):
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        run = device_sync(workspace=workspace, page_limit=page_limit)
    if run.status != SyncRun.Status.SUCCEEDED:
        raise SystemExit(f"sync failed: {run.error_message}")
    return run, counter.count


def first_sync(workspace, page_limit, total):
    Device.objects.for_workspace(workspace).delete()  # so the first sync really inserts every device
    vacuum()  # a new workspace's devices meet no dead rows of earlier runs in the unique index
    seconds, (run, queries) = timed(lambda: sync_run(workspace, page_limit))
    assert run.devices_created == total, run.devices_created
    vacuum()  # done now, so autovacuum does not do it on the other core during the next timed run
    return seconds, queries


def vacuum():
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Device._meta.db_table}")


def resync(workspace, page_limit):
    seconds, (run, queries) = timed(lambda: sync_run(workspace, page_limit))
    assert (run.devices_created, run.devices_updated, run.devices_removed) == (0, 0, 0)
    return seconds, queries


def measure(workspace, *, total, repeat):
    pages = math.ceil(total / SYNC_PAGE_LIMIT)
    floor_run(workspace, SYNC_PAGE_LIMIT)  # warm-up: connections, imports, sandbox caches
    floors, firsts, resyncs = [], [], []
    # Interleaved, so that a busy moment of the machine weighs on the floor and the syncs alike.
    for _ in range(repeat):
        floors.append(timed(lambda: floor_run(workspace, SYNC_PAGE_LIMIT))[0])
        firsts.append(first_sync(workspace, SYNC_PAGE_LIMIT, total))
        resyncs.append(resync(workspace, SYNC_PAGE_LIMIT))
    floor = statistics.median(floors)
    first_seconds = statistics.median(seconds for seconds, _ in firsts)
    first_queries = firsts[-1][1]
    resync_seconds = statistics.median(seconds for seconds, _ in resyncs)
    resync_queries = resyncs[-1][1]
    assert Device.objects.for_workspace(workspace).count() == total

    # Queries per page: the same runs with twice as many pages; the difference is per-page work.
    _, double_page_resync_queries = resync(workspace, SYNC_PAGE_LIMIT // 2)
    _, double_page_first_queries = first_sync(workspace, SYNC_PAGE_LIMIT // 2, total)
    first_per_page = (double_page_first_queries - first_queries) / pages
    resync_per_page = (double_page_resync_queries - resync_queries) / pages

    print(f"  floor (client pages through devices/list only): {floor:.3f} s")
    print(f"  first sync:  {first_seconds:.3f} s  = {first_seconds / floor:.2f} x floor")
    print(f"  re-sync:     {resync_seconds:.3f} s  = {resync_seconds / floor:.2f} x floor")
    print(
        f"  queries per page: first sync {first_per_page:g} (fixed per run: "
        f"{first_queries - first_per_page * pages:g}), re-sync {resync_per_page:g} "
        f"(fixed per run: {resync_queries - resync_per_page * pages:g})"
    )
    for name, seconds, target in (
        ("first sync", first_seconds, FIRST_SYNC_TARGET),
        ("re-sync", resync_seconds, RESYNC_TARGET),
    ):
        verdict = "met" if seconds <= target * floor else "NOT met"
        print(f"  target {name} <= {target} x floor: {verdict}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is printed")
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=50,
        help="second scenario: the sandbox answers every request this much later, like a Seam over the "
        "internet (0 skips it)",
    )
    options = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    sandbox = SandboxServer(host="127.0.0.1", port=0).start()
    try:
        api_key = f"seam_test_bench_{uuid.uuid4().hex}"
        sandbox.create_workspace(api_key=api_key, name="bench", demo_devices=False)
        share = math.ceil(options.devices / len(MANUFACTURERS))
        for manufacturer in MANUFACTURERS:
            sandbox.add_devices(api_key=api_key, count=share, manufacturer=manufacturer)
        workspace = workspace_create(
            name="Bench", slug="bench", seam_api_key=api_key, seam_api_url=sandbox.url
        )
        total = share * len(MANUFACTURERS)
        pages = math.ceil(total / SYNC_PAGE_LIMIT)
        print(
            f"devices: {total}, pages of {SYNC_PAGE_LIMIT}: {pages}, runs per figure: {options.repeat} (median)"
        )

        print("sandbox in this process, no added latency (the hardest case for the ratio):")
        measure(workspace, total=total, repeat=options.repeat)
        if options.latency_ms:
            sandbox.faults.add(route="*", api_key=api_key, latency_ms=options.latency_ms)
            print(f"sandbox answering {options.latency_ms} ms later per request (network to Seam):")
            measure(workspace, total=total, repeat=options.repeat)
    finally:
        sandbox.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
