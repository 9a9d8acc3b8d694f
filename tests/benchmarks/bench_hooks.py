"""Benchmark: signed booking hooks posted to gunicorn (two workers) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_hooks.py

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default
`test_bench_hooks`, dropped at the end): one workspace, 200 units with one door each, one booking source.
Gunicorn runs two workers with four threads each (`--server-threads`; 1 = sync workers). A concurrent
client (threads, one httpx client each) posts pre-signed `booking.created` hooks, each a new booking, and
measures accepted hooks per second and the answer's latency (storing and queueing, not
processing). Its floor, measured in the same run on the same server: a bare Django view that does one
INSERT of the same row (no token lookup, no signature, no checks, no queueing). Then one Django-Q2 worker
is started and the time until it has processed every delivery is printed (each one plans and writes a
booking and its code through `booking_upsert`). Target: >= 300 accepted/s, p99 <= 100 ms. Not collected
by pytest.

Imported by gunicorn (`bench_hooks:application`), the module is the portal's WSGI application with the
floor view added.
"""

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_bench_hooks")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from accesscodes.bookings.models import BookingHookDelivery  # noqa: E402
from portal import urls as portal_urls  # noqa: E402
from portal.gc_pacing import pace_garbage_collection  # noqa: E402

TARGET_PER_SECOND = 300
TARGET_P99_MS = 100
FLOOR_PATH = "/bench/floor/"


@csrf_exempt
def floor_view(request):
    """The least a hook answer does: one INSERT of the delivery row, through Django (the client names the
    workspace and source, so there is no lookup)."""
    delivery = BookingHookDelivery.objects.create(
        workspace_id=int(request.headers["bench-workspace"]), source_id=int(request.headers["bench-source"]),
        webhook_id=uuid.uuid4().hex, body=request.body.decode(), event_type="floor",
    )  # fmt: skip
    return JsonResponse({"id": delivery.pk}, status=202)


portal_urls.urlpatterns.insert(0, path(FLOOR_PATH.strip("/") + "/", floor_view))
application = get_wsgi_application()
pace_garbage_collection()  # as portal/wsgi.py does


def build(units: int):
    from accesscodes.bookings.hook_sources import booking_source_create
    from accesscodes.bookings.models import Property, Unit, UnitDoor
    from devices.models import Device
    from portal.services import workspace_create

    workspace = workspace_create(name="Bench", slug="bench", seam_api_key="seam_test_bench_hooks")
    property = Property.objects.create(workspace=workspace, name="Bench", timezone="Europe/Berlin")
    devices = Device.objects.bulk_create(
        Device(
            workspace=workspace, seam_device_id=f"d-{index}", name=f"Door {index}", manufacturer="august",
            online=True, can_program_online_access_codes=True, supported_code_lengths=[4, 5, 6],
        )
        for index in range(units)
    )  # fmt: skip
    unit_rows = Unit.objects.bulk_create(
        Unit(workspace=workspace, property=property, name=f"Unit {index}", external_id=f"U-{index}")
        for index in range(units)
    )
    UnitDoor.objects.bulk_create(
        UnitDoor(workspace=workspace, unit=unit, device=device)
        for unit, device in zip(unit_rows, devices, strict=True)
    )
    source, url, secret = booking_source_create(workspace=workspace, name="Bench PMS")
    return workspace, source, url, secret


def hook_requests(count: int, units: int, secret: str, *, offset: int) -> list[tuple[bytes, dict]]:
    import json

    from svix.webhooks import Webhook

    signer = Webhook(secret)
    base = dt.date.today() + dt.timedelta(days=3)
    now = dt.datetime.now(dt.UTC)
    requests = []
    for index in range(offset, offset + count):
        # Each unit's stays follow one another: two nights every three days.
        check_in = base + dt.timedelta(days=3 * (index // units))
        data = {
            "unit_external_id": f"U-{index % units}", "external_id": f"R-{index}",
            "guest_name": f"Guest {index}", "guest_phone": f"+49 30 555 {index % 10000:04d}",
            "check_in": check_in.isoformat(), "check_out": (check_in + dt.timedelta(days=2)).isoformat(),
        }  # fmt: skip
        body = json.dumps({"type": "booking.created", "timestamp": now.isoformat(), "data": data}).encode()
        webhook_id = f"msg_{index}"
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(webhook_id, now, body),
        }
        requests.append((body, headers))
    return requests


def post_all(url: str, requests, threads: int, expected_status: int) -> tuple[float, list[float]]:
    import httpx

    latencies, failures, lock = [], [], threading.Lock()
    chunks = [requests[index::threads] for index in range(threads)]

    def run(chunk):
        with httpx.Client(timeout=30) as client:
            for body, headers in chunk:
                started = time.perf_counter()
                response = client.post(url, content=body, headers=headers)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != expected_status:
                        failures.append((response.status_code, response.text[:200]))

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} unexpected answers, e.g. {failures[0]}")
    return seconds, latencies


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict) -> str:
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def start(command: list[str], env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for_server(base: str, server: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            httpx.get(base + "/login/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hooks", type=int, default=2_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument(
        "--server-threads", type=int, default=4,
        help="threads per gunicorn worker (gthread): a worker answers another hook while one waits on PostgreSQL",
    )  # fmt: skip
    options = parser.parse_args()

    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    env = {
        **os.environ, "DATABASE_URL": database_url(connection.settings_dict), "Q_WORKERS": "1", "Q_SYNC": "0",
        "LOG_LEVEL": "WARNING", "PYTHONPATH": str(Path(__file__).parent),
    }  # fmt: skip
    env.pop("TEST_DATABASE_NAME", None)
    logs = tempfile.TemporaryDirectory()
    server = worker = None
    try:
        workspace, source, hook_path, secret = build(options.units)
        connection.close()  # the servers get every database connection
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(logs.name) / "gunicorn.log", "wb") as log:
            server = start(
                [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", str(options.server_threads),
                 "--bind", f"127.0.0.1:{port}", "bench_hooks:application"],
                env, log,
            )  # fmt: skip
        wait_for_server(base, server)

        floor_headers = {"bench-workspace": str(workspace.pk), "bench-source": str(source.pk)}
        warm = hook_requests(50, options.units, secret, offset=10**6)
        post_all(base + FLOOR_PATH, [(b, {**h, **floor_headers}) for b, h in warm], 2, 202)
        post_all(base + hook_path, warm, 2, 202)
        BookingHookDelivery.objects.for_workspace(workspace).delete()

        requests = hook_requests(options.hooks, options.units, secret, offset=0)
        floor_requests = [(body, {**headers, **floor_headers}) for body, headers in requests]
        floor_seconds, floor_latencies = post_all(base + FLOOR_PATH, floor_requests, options.threads, 202)
        BookingHookDelivery.objects.for_workspace(workspace).filter(event_type="floor").delete()
        requests = hook_requests(options.hooks, options.units, secret, offset=0)  # fresh timestamps
        seconds, latencies = post_all(base + hook_path, requests, options.threads, 202)
        floor_rate, rate = options.hooks / floor_seconds, options.hooks / seconds

        # The warm-up's tasks name deliveries that are gone: the worker skips them.
        with open(Path(logs.name) / "qcluster.log", "wb") as log:
            worker = start([sys.executable, "manage.py", "qcluster"], env, log)
        started = time.perf_counter()
        waiting = BookingHookDelivery.objects.for_workspace(workspace).filter(
            status=BookingHookDelivery.Status.RECEIVED
        )
        while waiting.exists():
            if worker.poll() is not None:
                raise SystemExit("the Django-Q2 cluster exited")
            time.sleep(0.5)
        processing_seconds = time.perf_counter() - started
        statuses = dict(
            BookingHookDelivery.objects.for_workspace(workspace)
            .values_list("status")
            .annotate(count=Count("pk"))
        )

        print(f"hooks: {options.hooks} (each a new booking on one of {options.units} one-door units), "
              f"client threads: {options.threads}, gunicorn: 2 workers x {options.server_threads} threads")  # fmt: skip
        print(f"  floor (bare view, one INSERT): {floor_rate:,.0f} requests/s, "
              f"p50 {statistics.median(floor_latencies) * 1000:.1f} ms, p99 {p99(floor_latencies):.1f} ms")  # fmt: skip
        print(f"  signed hooks accepted: {rate:,.0f} hooks/s = {rate / floor_rate:.2f} x floor, "
              f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99(latencies):.1f} ms")  # fmt: skip
        print(f"  processed by one Django-Q2 worker in {processing_seconds:.1f} s = "
              f"{options.hooks / processing_seconds:,.1f} hooks/s; outcomes {statuses}")  # fmt: skip
        met = rate >= TARGET_PER_SECOND and p99(latencies) <= TARGET_P99_MS
        print(f"  target >= {TARGET_PER_SECOND} accepted/s and p99 <= {TARGET_P99_MS} ms: "
              f"{'met' if met else 'NOT met'}")  # fmt: skip
    finally:
        for process in (worker, server):
            if process is not None:
                stop(process)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        logs.cleanup()


if __name__ == "__main__":
    main()
