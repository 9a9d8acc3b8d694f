"""Benchmark: server time of the operator's pages with 1,000,000 access codes and 100,000 bookings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_pages.py

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default
`test_bench_pages`, dropped at the end). Seeds with COPY, rows of all workspaces interleaved as real
traffic writes them: 10 workspaces, the measured one holding half of everything (500,000 codes, 50,000
bookings over 500 units of 20 properties, about 70 check-ins a day from a year ago to eleven months
ahead),
the other nine sharing the rest. Each confirmed booking has a code on its unit's door and on its
property's entrance (removed once the stay is over) and three timeline entries; the other codes are
staff codes of a week each over the last 400 days (removed once ended, as Seam does; a few refused).

Server time is the whole Django request (middleware, session, view, template) run in this process by
Django's test client for a logged-in owner, so no network or WSGI server is in it. Pages: the dashboard
and its polled sections, the bookings list (first page, a search, two filters), a booking page, the
access-code list, the device list and a property page. The floor, measured in the same run, is a bare
view rendering one simple template over the same table page (the workspace's newest 50 access codes).
Prints p50 / p90 / max in ms and the queries per page. Target: <= 300 ms server time each. Not collected
by pytest.
"""

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_bench_pages")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from query_counter import QueryCounter  # noqa: E402

from accesscodes.models import AccessCode  # noqa: E402
from portal.gc_pacing import pace_garbage_collection  # noqa: E402

TARGET_MS = 300
WORKSPACES = 10
PROPERTIES, UNITS_PER_PROPERTY = 20, 25
STAY_SLOT = dt.timedelta(days=7)  # each unit: a 3-night stay every week
FLOOR_ROWS = 50
FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><table>{% for code in codes %}<tr><td>{{ code.name }}</td>"
    "<td>{{ code.code }}</td><td>{{ code.starts_at }}</td><td>{{ code.ends_at }}</td>"
    "<td>{{ code.status }}</td></tr>{% endfor %}</table>"
)


def floor_view(request, workspace_id):
    """The least a table page can do: one query for the rows, one simple template."""
    codes = AccessCode.objects.for_workspace(workspace_id).order_by("-id")[:FLOOR_ROWS]
    return HttpResponse(FLOOR_TEMPLATE.render({"codes": codes}))


urlpatterns = [path("bench/floor/<int:workspace_id>/", floor_view), path("", include("portal.urls"))]


# -- seeding ------------------------------------------------------------------------------------------


def copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(model, rows, *, now, with_pk=True) -> int:
    """COPY `rows` (dicts by attname) into `model`'s table; every other column takes the model's default
    (a date-time without one: `now`). Explicit ids keep the links between the tables known up front."""
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    template = model()
    defaults = {field.attname: getattr(template, field.attname) for field in fields}
    for field in fields:
        if defaults[field.attname] is None and not field.null and isinstance(field, models.DateTimeField):
            defaults[field.attname] = now
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for row in rows:
            values = {**defaults, **row}
            buffer.write("\t".join(copy_text(values[field.attname]) for field in fields) + "\n")
            count += 1
            if count % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    if with_pk:
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", [table]
            )
    return count


def workspace_of(index: int) -> int:
    """Row `index`'s workspace number: even rows are the measured workspace's (0), odd rows the others'."""
    return 0 if index % 2 == 0 else 1 + (index // 2) % (WORKSPACES - 1)


def seed(*, codes: int, bookings: int, now: dt.datetime):
    from accesscodes.bookings.models import (
        Alert,
        Booking,
        BookingCode,
        BookingEvent,
        Property,
        PropertySharedDoor,
        Unit,
        UnitDoor,
    )
    from devices.models import Device
    from portal.services import workspace_create

    owner = django_user("bench-owner")
    workspaces = [
        workspace_create(
            name=f"Bench {n}", slug=f"bench-{n}", seam_api_key=f"seam_test_bench_{n}", owner=owner if n == 0 else None
        )
        for n in range(WORKSPACES)
    ]  # fmt: skip
    layout = {}  # workspace number -> (units [(unit id, door id, entrance id)], device ids)
    for number, workspace in enumerate(workspaces):
        properties = Property.objects.bulk_create(
            Property(workspace=workspace, name=f"Property {p}", timezone="Europe/Berlin") for p in range(PROPERTIES)
        )  # fmt: skip
        entrances = Device.objects.bulk_create(
            bench_device(workspace, f"Entrance {p}", f"e-{number}-{p}") for p in range(PROPERTIES)
        )
        PropertySharedDoor.objects.bulk_create(
            PropertySharedDoor(workspace=workspace, property=property, device=entrance)
            for property, entrance in zip(properties, entrances, strict=True)
        )
        units = Unit.objects.bulk_create(
            Unit(workspace=workspace, property=property, name=f"{p}-{u}")
            for p, property in enumerate(properties)
            for u in range(UNITS_PER_PROPERTY)
        )
        doors = Device.objects.bulk_create(
            bench_device(workspace, f"Door {unit.name}", f"d-{number}-{unit.name}") for unit in units
        )
        UnitDoor.objects.bulk_create(
            UnitDoor(workspace=workspace, unit=unit, device=door) for unit, door in zip(units, doors, strict=True)
        )  # fmt: skip
        entrance_of = {
            property.pk: entrance.pk for property, entrance in zip(properties, entrances, strict=True)
        }
        layout[number] = (
            [(unit.pk, door.pk, entrance_of[unit.property_id]) for unit, door in zip(units, doors, strict=True)],
            [device.pk for device in (*entrances, *doors)],
        )  # fmt: skip
    workspace_ids = [workspace.pk for workspace in workspaces]
    started = time.perf_counter()

    # Bookings: per workspace, unit by unit, one 3-night stay a week from a year ago onwards.
    # Half the stays are over, half to come (with the defaults: from a year ago to eleven months ahead).
    stays_per_unit = -(-bookings // 2 // (PROPERTIES * UNITS_PER_PROPERTY))
    first_check_in = (now - stays_per_unit * STAY_SLOT * 0.52).replace(minute=0, second=0, microsecond=0)
    booking_rows, code_rows, link_rows, event_rows, alert_rows = [], [], [], [], []
    seen = dict.fromkeys(range(WORKSPACES), 0)
    code_id = 0
    for index in range(bookings):
        number = workspace_of(index)
        units, _ = layout[number]
        position = seen[number]
        seen[number] += 1
        unit_id, door_id, entrance_id = units[position % len(units)]
        # Units start their weekly cycle on different weekdays, so every day has its arrivals.
        check_in = first_check_in + dt.timedelta(
            days=7 * (position // len(units)) + position % len(units) % 7, minutes=position % 60
        )
        check_out = check_in + dt.timedelta(days=3)
        status = "cancelled" if index % 20 == 7 else "tentative" if index % 20 == 13 else "confirmed"
        booking_id = index + 1
        workspace_id = workspace_ids[number]
        booking_rows.append({
            "id": booking_id, "workspace_id": workspace_id, "unit_id": unit_id, "source": "pms",
            "external_id": f"HM{index:07d}", "guest_name": f"Guest {index}", "guest_email": f"guest{index}@example.com",
            "guest_phone": f"+49 30 {index:07d}", "check_in": check_in, "check_out": check_out, "status": status,
            "pin": f"{index % 10**6:06d}"[-4:] if status == "confirmed" else "",
            "created_at": check_in - dt.timedelta(days=30), "updated_at": check_in - dt.timedelta(days=30),
        })  # fmt: skip
        event_rows.extend(
            {"workspace_id": workspace_id, "booking_id": booking_id, "created_at": check_in - dt.timedelta(days=30),
             "kind": kind, "message": message, "data": {}}
            for kind, message in (("received", "Booking received."), ("planned", "Planned."),
                                  ("code_created", "Code planned; sending to Seam."))
        )  # fmt: skip
        if status != "confirmed":
            continue
        over = check_out < now
        for device_id in (door_id, entrance_id):
            code_id += 1
            code_rows.append({
                "id": code_id, "workspace_id": workspace_id, "device_id": device_id, "name": f"Guest {index}",
                "code": f"{index % 10**6:06d}"[-4:], "starts_at": check_in, "ends_at": check_out, "type": "time_bound",
                "status": "set", "sync_state": "removed" if over else "in_sync",
                "removed_at": check_out if over else None, "seam_access_code_id": f"ac-{code_id}",
                "created_at": check_in - dt.timedelta(days=30), "updated_at": check_in - dt.timedelta(days=30),
                "status_changed_at": check_in,
            })  # fmt: skip
            link_rows.append({"id": code_id, "workspace_id": workspace_id, "booking_id": booking_id,
                              "access_code_id": code_id, "device_id": device_id, "part": 1})  # fmt: skip
        if index % 100 == 3 and not over:
            alert_rows.append({
                "workspace_id": workspace_id, "booking_id": booking_id, "device_id": door_id, "kind": "not_ready",
                "message": "The code is not on the lock yet.", "opened_at": now,
                "condition_key": f"{booking_id}:{door_id}:not_ready",
            })  # fmt: skip

    # The other codes: staff and contractor codes of a week each, from 400 days ago to 10 days ahead, on
    # every door, interleaved across workspaces. Seam removes a time-bound code once it ends, so the ended
    # ones are removed; the rest are set, a few refused by Seam, one in 500 an ongoing (windowless) code.
    devices_by_workspace = {number: layout[number][1] for number in range(WORKSPACES)}
    booking_codes = code_id
    first_start = now - dt.timedelta(days=400)
    span_hours = 410 * 24

    def other_codes():
        for index in range(codes - booking_codes):
            number = workspace_of(index)
            devices = devices_by_workspace[number]
            starts = first_start + dt.timedelta(hours=(index * 7919) % span_hours)
            ends = starts + dt.timedelta(days=7)
            ongoing = index % 500 == 1
            over = ends < now and not ongoing
            failed = not over and index % 97 == 5
            yield {
                "id": booking_codes + index + 1, "workspace_id": workspace_ids[number],
                "device_id": devices[index % len(devices)], "name": f"Staff {index}", "code": f"{index % 10**6:06d}",
                "starts_at": None if ongoing else starts, "ends_at": None if ongoing else ends,
                "type": "ongoing" if ongoing else "time_bound",
                "status": "unset" if failed else "set",  # a removed code keeps its last status
                "sync_state": "removed" if over else "failed" if failed else "in_sync",
                "removed_at": ends if over else None,
                "last_sync_error": "Seam refused it." if failed else "",
                "seam_access_code_id": f"ac-{booking_codes + index + 1}", "created_at": starts,
                "updated_at": starts, "status_changed_at": starts,
            }  # fmt: skip

    copy_rows(Booking, booking_rows, now=now)
    copy_rows(AccessCode, code_rows, now=now)
    copy_rows(AccessCode, other_codes(), now=now)
    copy_rows(BookingCode, link_rows, now=now)
    copy_rows(BookingEvent, event_rows, now=now, with_pk=False)
    copy_rows(Alert, alert_rows, now=now, with_pk=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after such a load
    return workspaces[0], owner, time.perf_counter() - started


def bench_device(workspace, name, seam_id):
    from devices.models import Device

    return Device(
        workspace=workspace, seam_device_id=seam_id, name=name, manufacturer="august", online=True,
        battery_level=0.8, can_program_online_access_codes=True, supported_code_lengths=[4, 5, 6],
        timezone="Europe/Berlin",
    )  # fmt: skip


def django_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password="bench-only")


# -- measuring ----------------------------------------------------------------------------------------


def measure(client, url, requests: int) -> tuple[list[float], int, int]:
    """(seconds per request, queries of one request, response size) after a few warm-up requests."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        client.get(url)
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
    return seconds, counter.count, len(response.content)


def percentile(values, fraction) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


def pages(workspace, now) -> list[tuple[str, str]]:
    from accesscodes.bookings.models import Booking, Property, Unit

    slug = workspace.slug
    tomorrow = Booking.objects.for_workspace(workspace).filter(
        status="confirmed", check_in__gte=now + dt.timedelta(days=1)
    ).order_by("check_in").first()  # fmt: skip
    unit = Unit.objects.for_workspace(workspace).order_by("pk").first()
    property = Property.objects.for_workspace(workspace).order_by("pk").first()
    week = (now + dt.timedelta(days=7)).date().isoformat()
    return [
        ("floor: bare view, one template", f"/bench/floor/{workspace.pk}/"),
        ("dashboard", f"/w/{slug}/"),
        ("dashboard sections (polled)", f"/w/{slug}/sections/"),
        ("bookings list, first page", f"/w/{slug}/bookings/"),
        ("bookings list, search", f"/w/{slug}/bookings/?q=Guest+123"),
        ("bookings list, unit filter", f"/w/{slug}/bookings/?unit={unit.pk}"),
        ("bookings list, readiness filter", f"/w/{slug}/bookings/?readiness=ready&check_in_to={week}"),
        ("booking page", f"/w/{slug}/bookings/{tomorrow.pk}/"),
        ("access-code list", f"/w/{slug}/codes/"),
        ("device list", f"/w/{slug}/devices/"),
        ("property page", f"/w/{slug}/properties/{property.pk}/"),
    ]


def main():
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (to EXPLAIN after)")
    options = parser.parse_args()

    setup_test_environment()  # the test client's host is allowed
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        now = timezone.now()
        workspace, owner, seed_seconds = seed(codes=options.codes, bookings=options.bookings, now=now)
        print(
            f"seeded {AccessCode.objects.dangerously_all_workspaces().count():,} codes and "
            f"{options.bookings:,} bookings in {WORKSPACES} workspaces with COPY in {seed_seconds:.0f} s; "
            f"measured workspace: {AccessCode.objects.for_workspace(workspace).count():,} codes"
        )
        pace_garbage_collection()  # as portal/wsgi.py does in a server process
        client = Client()
        client.force_login(owner)
        print(
            f"server time in-process (Django test client), {options.requests} sequential requests per page, ms"
        )
        print(f"  {'page':<34}{'p50':>8}{'p90':>8}{'max':>8}{'queries':>9}{'KiB':>7}")
        verdicts = []
        for label, url in pages(workspace, now):
            seconds, queries, size = measure(client, url, options.requests)
            p50 = statistics.median(seconds) * 1000
            if not label.startswith("floor"):
                verdicts.append((label, p50 <= TARGET_MS))
            print(
                f"  {label:<34}{p50:>8.1f}{percentile(seconds, 0.9):>8.1f}{max(seconds) * 1000:>8.1f}"
                f"{queries:>9}{size / 1024:>7.0f}"
            )
        missed = [label for label, met in verdicts if not met]
        print(
            f"  target: p50 <= {TARGET_MS} ms each: {'met' if not missed else 'NOT met: ' + ', '.join(missed)}"
        )
    finally:
        connection.close()
        if options.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
