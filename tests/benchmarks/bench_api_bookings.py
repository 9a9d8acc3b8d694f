"""Benchmark: booking POSTs through the API, served by gunicorn with two workers on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_api_bookings.py

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default
`test_bench_api_bookings`, dropped at the end): one workspace, a write token, units with two online doors
each. gunicorn (2 workers with 2 threads each, `--server-threads`) serves the project; a client of several threads POSTs
`/api/v1/bookings/` (each a new booking: plan, rules, two codes, timeline, Seam work queued on commit)
and, in the same run and server set-up, a floor: a bare DRF POST view that parses the same JSON body and
saves one plain row (no token, no throttle, no planning).

Prints requests per second, p50 and p99 latency of both, their ratio, and whether every booking came out
with its two codes. Then as many bookings again (later stays) through `POST /api/v1/bookings/batch/`, 100
a request from the same client threads: bookings per second. Target: >= 100 bookings/s. Not collected by
pytest.

This file is also the WSGI application gunicorn serves (`bench_api_bookings:application`): the
project's URLs plus the floor view.
"""

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_bench_api_bookings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from portal.gc_pacing import pace_garbage_collection  # noqa: E402

TARGET_PER_SECOND = 100
FLOOR_PATH = "/bench/floor/"


class FloorView(APIView):
    """The least a POST can do here: DRF parses the JSON body and one plain row is saved."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request):
        row = Group.objects.create(name=f"floor-{request.data['external_id']}")
        return Response({"id": row.pk}, status=201)


urlpatterns = [path(FLOOR_PATH.strip("/") + "/", FloorView.as_view()), path("", include("portal.urls"))]


def application(environ, start_response):
    return _wsgi(environ, start_response)


if __name__ != "__main__":  # served by gunicorn: the project's URLs and the floor
    settings.ROOT_URLCONF = __name__
    _wsgi = get_wsgi_application()
    pace_garbage_collection()  # as portal/wsgi.py does


# -- the run -----------------------------------------------------------------------------------------


def seed(units: int):
    from accesscodes.bookings.models import Property, Unit, UnitDoor
    from devices.models import Device
    from portal.services import api_token_create, workspace_create

    workspace = workspace_create(name="Bench", slug="bench", seam_api_key="seam_test_bench_api_bookings")
    property = Property.objects.create(workspace=workspace, name="Bench", timezone="Europe/Berlin")
    devices = Device.objects.bulk_create(
        Device(
            workspace=workspace,
            seam_device_id=f"d-{index}",
            name=f"Door {index}",
            manufacturer="august",
            online=True,
            can_program_online_access_codes=True,
            supported_code_lengths=[4, 5, 6],
        )
        for index in range(2 * units)
    )
    unit_rows = Unit.objects.bulk_create(
        Unit(workspace=workspace, property=property, name=f"Unit {index}") for index in range(units)
    )
    UnitDoor.objects.bulk_create(
        UnitDoor(workspace=workspace, unit=unit, device=devices[2 * index + door])
        for index, unit in enumerate(unit_rows)
        for door in (0, 1)
    )
    _, token = api_token_create(workspace=workspace, name="bench")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return workspace, [unit.pk for unit in unit_rows], token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "API_RATE_LIMIT": "1000000/minute",
        "DEBUG": "0",
    }
    env.pop("TEST_DATABASE_NAME", None)
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "bench_api_bookings:application",
            "--chdir", str(Path(__file__).parent), "--pythonpath", str(ROOT),
            "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{FLOOR_PATH}", timeout=2).status_code == 405:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def post_all(base_url: str, path_: str, bodies: list[dict], *, headers: dict, threads: int):
    """POST every body from `threads` client threads; (seconds, latencies, status counts)."""
    local = threading.local()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def send(body):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base_url, headers=headers, timeout=60)
        started = time.perf_counter()
        status = client.post(path_, json=body).status_code
        elapsed = time.perf_counter() - started
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
        return elapsed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        latencies = list(pool.map(send, bodies))
    return time.perf_counter() - started, latencies, statuses


def percentile(values, fraction) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def describe(name, count, seconds, latencies, statuses) -> float:
    rate = count / seconds
    print(
        f"  {name}: {rate:,.0f} requests/s, p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p99 {1000 * percentile(latencies, 0.99):.1f} ms, answers {dict(sorted(statuses.items()))}"
    )
    return rate


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--bookings", type=int, default=1_000)
    parser.add_argument("--floor-count", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100, help="bookings per POST /bookings/batch/")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--server-threads", type=int, default=2, help="threads per gunicorn worker (1 = sync workers)"
    )
    options = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    try:
        workspace, unit_ids, token = seed(options.units)
        port = free_port()
        server = start_gunicorn(port, options.workers, options.server_threads)
        base_url = f"http://127.0.0.1:{port}"
        print(
            f"gunicorn: {options.workers} workers x {options.server_threads} threads; client: {options.threads} threads; units: {options.units} "
            f"(2 online doors each); bookings: {options.bookings}; floor requests: {options.floor_count}"
        )
        check_in = (timezone.now() + dt.timedelta(days=3)).date()
        bookings = booking_bodies(unit_ids, check_in, range(options.bookings), source="bench")
        # Later stays on the same units (the service run below takes the ones in between).
        batched = booking_bodies(
            unit_ids, check_in, range(2 * options.bookings, 3 * options.bookings), source="bench-batch"
        )
        batches = [
            {"bookings": batched[start : start + options.batch_size]}
            for start in range(0, len(batched), options.batch_size)
        ]
        # Warm both paths (imports, connections) outside the measurement.
        warm = [{"external_id": f"warm-{index}"} for index in range(20)]
        post_all(base_url, FLOOR_PATH, warm, headers={}, threads=options.threads)
        floor = post_all(
            base_url,
            FLOOR_PATH,
            [{"external_id": str(index)} for index in range(options.floor_count)],
            headers={},
            threads=options.threads,
        )
        api = post_all(
            base_url,
            "/api/v1/bookings/",
            bookings,
            headers={"Authorization": f"Bearer {token}"},
            threads=options.threads,
        )
        batch_seconds, _, batch_statuses = post_all(
            base_url,
            "/api/v1/bookings/batch/",
            batches,
            headers={"Authorization": f"Bearer {token}"},
            threads=options.threads,
        )
        floor_rate = describe("floor (bare DRF POST, one plain row)", options.floor_count, *floor)
        rate = describe("POST /api/v1/bookings/ (new booking, 2 codes)", options.bookings, *api)
        print(f"  ratio: {rate / floor_rate:.2f} x floor")
        batch_rate = options.bookings / batch_seconds
        print(
            f"  POST /api/v1/bookings/batch/ ({options.batch_size} new bookings a request): {batch_rate:,.0f} "
            f"bookings/s = {batch_rate / floor_rate:.2f} x floor requests/s, {batch_rate / rate:.1f} x single POSTs; "
            f"answers {batch_statuses}"
        )
        check_results(workspace, options.bookings, source="bench")
        check_results(workspace, options.bookings, source="bench-batch")
        service_rate = service_run(workspace, unit_ids, check_in, options.bookings)
        print(
            f"  booking_upsert alone (in this process, one thread, no HTTP): {service_rate:,.0f} bookings/s; "
            f"the API serves {rate / service_rate:.2f} x that with {options.workers} workers"
        )
        print(
            f"  target >= {TARGET_PER_SECOND} bookings/s: single POSTs {'met' if rate >= TARGET_PER_SECOND else 'NOT met'}"
            f", batch {'met' if batch_rate >= TARGET_PER_SECOND else 'NOT met'}"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.creation.destroy_test_db(old_name, verbosity=0)


def service_run(workspace, unit_ids, check_in, count) -> float:
    """The same bookings (later stays) through the service directly: what the API adds is the rest."""
    from accesscodes.bookings.models import Unit
    from accesscodes.bookings.services import booking_upsert

    units = list(Unit.objects.for_workspace(workspace).select_related("property").order_by("pk"))
    started = time.perf_counter()
    for index in range(count, 2 * count):
        day = check_in + dt.timedelta(days=3 * (index // len(unit_ids)))
        booking_upsert(
            workspace=workspace, source="direct", external_id=str(index), unit=units[index % len(units)],
            guest_name=f"Guest {index}", guest_phone=f"+49 30 555 {index % 10_000:04d}",
            check_in=day, check_out=day + dt.timedelta(days=2),
        )  # fmt: skip
    return count / (time.perf_counter() - started)


def booking_bodies(unit_ids, check_in, indexes, *, source: str) -> list[dict]:
    return [
        {
            "unit_id": unit_ids[index % len(unit_ids)],
            "source": source,
            "external_id": str(index),
            "guest_name": f"Guest {index}",
            "guest_phone": f"+49 30 555 {index % 10_000:04d}",
            # Each unit's stays follow one another: two nights every three days.
            "check_in": (check_in + dt.timedelta(days=3 * (index // len(unit_ids)))).isoformat(),
            "check_out": (check_in + dt.timedelta(days=3 * (index // len(unit_ids)) + 2)).isoformat(),
        }
        for index in indexes
    ]


def check_results(workspace, expected: int, *, source: str) -> None:
    from accesscodes.bookings.models import Booking, BookingCode

    bookings = Booking.objects.for_workspace(workspace).filter(source=source).count()
    codes = BookingCode.objects.for_workspace(workspace).filter(booking__source=source).count()
    print(
        f"  stored ({source}): {bookings} bookings (expected {expected}), {codes} codes (expected {2 * expected})"
    )


if __name__ == "__main__":
    main()
