"""Benchmark: GET /api/v1/access-codes/?limit=100 through gunicorn on PostgreSQL, beside a bare DRF list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_api.py

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default `test_bench_api`,
dropped at the end). Seeds 1,000,000 access codes over 10,000 devices in 100 workspaces with COPY (rows of
all workspaces interleaved, as real traffic writes them), then serves this module with gunicorn (two
workers) and measures p50/p99 of three pages of one workspace through the product's endpoint: the first
page, a deep cursor page (halfway down) and a filtered page (one device). The floor is a bare DRF
`ListAPIView` over the same table, in this module's own URLconf, with a plain `ModelSerializer`, the same
cursor pagination and no token, scoping, throttle or lock-local window, measured in the same run. Also
prints the database queries per page (target <= 6) and the p99 ratio (target <= 2x). Not collected by
pytest.
"""

import argparse
import base64
import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_bench_api")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import django_filters  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import generics, permissions, serializers  # noqa: E402

from accesscodes.models import AccessCode  # noqa: E402
from portal.api.pagination import IdCursorPagination  # noqa: E402


class BareAccessCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessCode
        fields = "__all__"


class BareAccessCodeFilter(django_filters.FilterSet):
    device = django_filters.NumberFilter(field_name="device_id")  # a plain id: no scoped Device lookup

    class Meta:
        model = AccessCode
        fields = []


class BareAccessCodeList(generics.ListAPIView):
    """The floor: the same table and pagination, nothing else (no token, scoping, throttle, extras)."""

    queryset = AccessCode.objects.dangerously_all_workspaces()
    serializer_class = BareAccessCodeSerializer
    pagination_class = IdCursorPagination
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    filterset_class = BareAccessCodeFilter


# This module is the URLconf of the server it starts: the product's URLs plus the bare list.
urlpatterns = [path("bare/access-codes/", BareAccessCodeList.as_view()), path("", include("portal.urls"))]
if os.environ.get("BENCH_API_SERVER"):
    settings.ROOT_URLCONF = "bench_api"
    from django.core.wsgi import get_wsgi_application

    from portal.gc_pacing import pace_garbage_collection

    application = get_wsgi_application()
    pace_garbage_collection()  # as portal/wsgi.py does

WORKSPACES, DEVICES_PER_WORKSPACE = 100, 100
TARGET_RATIO, TARGET_QUERIES = 2.0, 6


def copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def seed(codes: int):
    from devices.models import Device
    from portal.services import workspace_create

    workspaces = [
        workspace_create(name=f"Bench {n}", slug=f"bench-{n}", seam_api_key=f"seam_test_bench_{n}")
        for n in range(WORKSPACES)
    ]
    devices = Device.objects.bulk_create(
        [
            Device(
                workspace=workspace, seam_device_id=f"d-{workspace.pk}-{n}", name=f"Door {n}",
                manufacturer="ultraloq" if n % 2 else "august", online=True,
                can_program_online_access_codes=True, timezone="America/Los_Angeles",
            )
            for workspace in workspaces
            for n in range(DEVICES_PER_WORKSPACE)
        ],
        batch_size=5000,
    )  # fmt: skip
    fields = [field for field in AccessCode._meta.concrete_fields if not field.primary_key]
    template = AccessCode(workspace_id=0, device_id=0, name="")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    defaults = {field.attname: getattr(template, field.attname) for field in fields}
    defaults.update(created_at=now, updated_at=now, status_changed_at=now, status="set", sync_state="in_sync")
    columns = ", ".join(connection_quote(field.column) for field in fields)
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {AccessCode._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for index in range(codes):
            device = devices[index % len(devices)]  # round-robin: workspaces interleave in id order
            starts = now + dt.timedelta(days=index % 400, hours=index % 24)
            row = {
                **defaults,
                "workspace_id": device.workspace_id,
                "device_id": device.pk,
                "name": f"Guest {index}",
                "code": f"{index % 10**6:06d}",
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(days=3),
                "type": "time_bound",
                "seam_access_code_id": f"ac-{index}",
            }
            buffer.write("\t".join(copy_text(row[field.attname]) for field in fields) + "\n")
            if index % 50_000 == 49_999:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load
    return workspaces[WORKSPACES // 2], time.perf_counter() - started


def connection_quote(name: str) -> str:
    return connection.ops.quote_name(name)


def cursor_at(position: int) -> str:
    """DRF's cursor for "the rows after id `position`" (newest first)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_name: str):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    )
    port = free_port()
    env = {
        **os.environ,
        "BENCH_API_SERVER": "1",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database_name}",
        "API_RATE_LIMIT": "100000000/minute",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}",
    }
    env.pop("TEST_DATABASE_NAME", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench_api:application"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}"


def wait_ready(client, url):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            client.get(url)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def timings(client, url, headers, count) -> list[float]:
    for _ in range(max(5, count // 10)):  # warm both workers
        assert client.get(url, headers=headers).status_code == 200
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["results"], "an empty page would measure nothing"
    return seconds


def percentile(values, fraction) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def queries_per_page(path: str, clear_token: str) -> int:
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear_token}")
    client.get(path)  # last_used_at is written at most once a minute, not per page
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def main():
    import httpx
    from django.db.models import Max

    from devices.models import Device
    from portal.services import api_token_create

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page kind")
    options = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    try:
        workspace, seed_seconds = seed(options.codes)
        print(f"seeded {options.codes:,} codes over {WORKSPACES * DEVICES_PER_WORKSPACE:,} devices in "
              f"{WORKSPACES} workspaces with COPY in {seed_seconds:.0f} s")  # fmt: skip
        _, clear = api_token_create(workspace=workspace, name="bench")
        ids = list(AccessCode.objects.for_workspace(workspace).order_by("-id").values_list("id", flat=True))
        middle = ids[len(ids) // 2]
        device = Device.objects.for_workspace(workspace).first()
        every_code = AccessCode.objects.dangerously_all_workspaces()
        bare_middle = every_code.aggregate(newest=Max("id"))["newest"] - options.codes // 2
        pages = [
            ("first page", "/api/v1/access-codes/?limit=100", "/bare/access-codes/?limit=100"),
            ("deep cursor page", f"/api/v1/access-codes/?limit=100&cursor={cursor_at(middle)}",
             f"/bare/access-codes/?limit=100&cursor={cursor_at(bare_middle)}"),
            ("filtered (one device)", f"/api/v1/access-codes/?limit=100&device_id={device.pk}",
             f"/bare/access-codes/?limit=100&device={device.pk}"),
        ]  # fmt: skip
        queries = {label: queries_per_page(api_path, clear) for label, api_path, _ in pages}

        server, base = start_gunicorn(connection.settings_dict["NAME"])
        headers = {"Authorization": f"Bearer {clear}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_ready(client, "/bare/access-codes/?limit=1")
            print(f"gunicorn, 2 workers; {options.requests} sequential requests per page, p50 / p99 in ms")
            print(f"  {'page':<24}{'API p50':>9}{'API p99':>9}{'bare p50':>10}{'bare p99':>10}"
                  f"{'p99 ratio':>11}{'queries':>9}")  # fmt: skip
            verdicts = []
            for label, api_path, bare_path in pages:
                api = timings(client, api_path, headers, options.requests)
                bare = timings(client, bare_path, {}, options.requests)
                ratio = percentile(api, 0.99) / percentile(bare, 0.99)
                verdicts.append(ratio <= TARGET_RATIO and queries[label] <= TARGET_QUERIES)
                print(f"  {label:<24}{percentile(api, 0.5):>9.1f}{percentile(api, 0.99):>9.1f}"
                      f"{percentile(bare, 0.5):>10.1f}{percentile(bare, 0.99):>10.1f}{ratio:>10.2f}x"
                      f"{queries[label]:>9}")  # fmt: skip
            print(f"  targets: p99 <= {TARGET_RATIO}x bare, <= {TARGET_QUERIES} queries per page: "
                  f"{'met' if all(verdicts) else 'NOT met'}")  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
