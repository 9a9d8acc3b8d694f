"""Benchmark at full scale: 1,000 workspaces, 10,000 devices, 100,000 bookings and 1,000,000 access codes
with their history, loaded with COPY, then the figures of the other benchmarks measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/seed_scale.py [--scale 1]

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default `test_seed_scale`,
dropped at the end unless --keep-database). `--scale` multiplies the number of workspaces (0.01: 10
workspaces, 100 devices, 1,000 bookings, 10,000 codes); each workspace is the same size at any scale.

What it seeds, with COPY, rows of all workspaces interleaved in time order as real traffic writes them:
each workspace has an owner (a staff user, for the admin), two properties with an entrance door each and
four units with one door each (10 devices), 100 bookings (weekly 3-night stays on each unit, half over,
half to come; one in ten tentative or cancelled) with three timeline entries each, and 1,000 access codes:
each confirmed booking's code on its unit's door and on its property's entrance, the rest staff codes of a
week each over the last 400 days. Codes that ended are removed, as Seam does (about 95%); of the others, a
few are refused by Seam, about one in 90 waits for a retry of its Seam work that is due now and one in 50
is due to be polled. Every code has its history (created, sent to Seam, failed or expired). Then
`VACUUM ANALYZE`, as autovacuum would, so the visibility map allows index-only scans. Prints the seed time
and the rows per table.

Then, each figure beside its floor, measured in the same run:
1. Due-work scan: `access_codes_due` for one workspace (its `exists()`, and the first 500 ids as
   `access_codes_process_due` reads them), and `workspaces_with_due_work`, the every-minute dispatcher's
   one query over every workspace. Prints `EXPLAIN (ANALYZE, BUFFERS)` of each, the plan nodes used and
   the index entries and table rows they read, against the codes in the table.
   Floor: the rows the queries return (the least any plan reads). Target: an index-only plan that does
   not read every code. Also times the dispatcher's whole run (its tasks are not queued).
2. Pages: server time of the dashboard, the bookings list, a booking page, the access-code list, the
   device list, a property page (`bench_pages.pages`) and the admin changelists of access codes, bookings
   and devices, for the owner of one workspace, with Django's test client in this process
   (`bench_pages.measure`). Floor: bench_pages' bare view over the workspace's newest 50 codes. Target:
   p50 <= 300 ms each.
3. API list: `GET /api/v1/access-codes/?limit=100` of one workspace (first page, a deep cursor page of
   its history, one device) through gunicorn serving `bench_api:application` (two workers). Floor: the
   bare DRF list of bench_api on the same server. Target: p99 <= 2x the floor.
4. Hook ingest: signed `booking.created` hooks to a booking source of one workspace through gunicorn
   serving `bench_hooks:application` (two workers, four threads each), eight client threads. Floor:
   bench_hooks' one-INSERT view on the same server. Targets: >= 300 accepted/s, p99 <= 100 ms.
5. Device sync: a workspace of --sync-devices devices (by default as many as seeded: 10,000 at full
   scale, as in bench_device_sync) in the project's Seam sandbox (in this process), first sync and
   re-sync, median of --sync-repeat runs interleaved with the floor: the client paging through
   devices/list. Targets: first sync <= 2x, re-sync <= 1.3x the floor.
6. Booking -> Seam create: one seeded workspace is pointed at the sandbox and its devices synced from it
   with `device_sync`; a property with one unit per sandbox door is added. With a Django-Q2 cluster
   (`manage.py qcluster`, one worker, database broker) running, bookings are created one at a time
   through `booking_upsert`; each is timed from its commit (`booking_upsert` returned) until its code's
   history records Seam's answer to the create call ("Created in Seam."). The cluster's schedules and
   queued tasks are removed before it starts (the seeded workspaces' Seam keys are not real), so it does
   only this work. Floor: the Seam client's own `access_codes_create` to the same sandbox, timed here,
   one after each booking. Prints p50 / p95 of both; the issue names no target.

Ends with a markdown table of every figure: value, floor, ratio, target, met. Not collected by pytest
(the file name does not start with test_).
"""

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_seed_scale")
# bench_device_sync sets TEST_DATABASE_NAME from this when imported: the same name leaves it as it is.
os.environ.setdefault("BENCH_DATABASE_NAME", os.environ["TEST_DATABASE_NAME"])
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The sandbox runs on 127.0.0.1 over plain http (as `./dev test` allows it).
os.environ.setdefault("SEAM_ALLOW_HTTP_LOOPBACK", "1")

import django  # noqa: E402

django.setup()

# Imported, bench_hooks adds its floor view to portal.urls and freezes the objects loaded so far for the
# garbage collector, as in its servers; neither changes what is measured here.
import bench_api  # noqa: E402
import bench_device_sync  # noqa: E402
import bench_hooks  # noqa: E402
import bench_pages  # noqa: E402
import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import clear_url_caches  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ, Schedule  # noqa: E402

from accesscodes.bookings.hook_sources import booking_source_create  # noqa: E402
from accesscodes.bookings.models import (  # noqa: E402
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import booking_upsert  # noqa: E402
from accesscodes.models import AccessCode, AccessCodeEvent  # noqa: E402
from accesscodes.sync.converge import access_codes_due, workspaces_with_due_work  # noqa: E402
from accesscodes.tasks import dispatch_due_access_code_work  # noqa: E402
from devices.models import Device, SyncRun  # noqa: E402
from devices.services import SYNC_PAGE_LIMIT, device_sync  # noqa: E402
from portal.gc_pacing import pace_garbage_collection  # noqa: E402
from portal.models import Membership, Role, Workspace  # noqa: E402
from portal.seam import SeamClient  # noqa: E402
from portal.seam.sandbox import SandboxServer  # noqa: E402
from portal.services import api_token_create, workspace_create  # noqa: E402

WORKSPACES_AT_FULL_SCALE = 1_000
PROPERTIES_PER_WORKSPACE, UNITS_PER_PROPERTY = 2, 4
UNITS_PER_WORKSPACE = PROPERTIES_PER_WORKSPACE * UNITS_PER_PROPERTY
# An entrance per property, a door per unit.
DEVICES_PER_WORKSPACE = PROPERTIES_PER_WORKSPACE + UNITS_PER_WORKSPACE
BOOKINGS_PER_WORKSPACE = 100
CODES_PER_WORKSPACE = 1_000
STAY_SLOT = dt.timedelta(days=7)  # each unit: a 3-night stay every week
STAFF_CODES_SINCE = dt.timedelta(days=400)
STAFF_CODES_SPAN = dt.timedelta(days=410)  # to 10 days ahead
STAFF_CODE_LENGTH = dt.timedelta(days=7)
SEAM_ANSWER_DEADLINE_SECONDS = 90
ADMIN_PAGES = [
    ("admin: access codes", "/admin/accesscodes/accesscode/"),
    ("admin: bookings", "/admin/bookings/booking/"),
    ("admin: devices", "/admin/devices/device/"),
]


@dataclass(frozen=True)
class World:
    workspaces: int

    @property
    def devices(self) -> int:
        return self.workspaces * DEVICES_PER_WORKSPACE

    @property
    def bookings(self) -> int:
        return self.workspaces * BOOKINGS_PER_WORKSPACE

    @property
    def codes(self) -> int:
        return self.workspaces * CODES_PER_WORKSPACE


@dataclass
class Figure:
    name: str
    value: str
    floor: str = "-"
    ratio: float | None = None
    target: str = "-"
    met: bool | None = None

    def row(self) -> str:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        met = "-" if self.met is None else "met" if self.met else "NOT met"
        return f"| {self.name} | {self.value} | {self.floor} | {ratio} | {self.target} | {met} |"


# -- seeding ------------------------------------------------------------------------------------------
# Ids are given up front, so the links between the tables are known without reading anything back.


def device_id(number: int, slot: int) -> int:
    """Workspace `number`'s device `slot`: the properties' entrances first, then the units' doors."""
    return number * DEVICES_PER_WORKSPACE + slot + 1


def unit_id(number: int, unit: int) -> int:
    return number * UNITS_PER_WORKSPACE + unit + 1


def property_id(number: int, property_index: int) -> int:
    return number * PROPERTIES_PER_WORKSPACE + property_index + 1


def seed_owners_and_workspaces(world: World) -> tuple[list[int], list[int]]:
    """(workspace ids, owner ids). One password hash for every owner: hashing 1,000 takes minutes."""
    password = make_password(None)
    owners = get_user_model().objects.bulk_create(
        get_user_model()(username=f"scale-owner-{number}", password=password, is_staff=True)
        for number in range(world.workspaces)
    )
    # The ORM encrypts each Seam key; the keys are not real, nothing here calls Seam with them.
    workspaces = Workspace.objects.bulk_create(
        Workspace(name=f"Scale {number}", slug=f"scale-{number}", seam_api_key=f"seam_test_scale_{number}")
        for number in range(world.workspaces)
    )
    Membership.objects.bulk_create(
        Membership(user=owner, workspace=workspace, role=Role.OWNER)
        for owner, workspace in zip(owners, workspaces, strict=True)
    )
    return [workspace.pk for workspace in workspaces], [owner.pk for owner in owners]


def property_rows(workspace_ids):
    for number, workspace_id in enumerate(workspace_ids):
        for index in range(PROPERTIES_PER_WORKSPACE):
            yield {"id": property_id(number, index), "workspace_id": workspace_id, "name": f"Property {index}",
                   "timezone": "Europe/Berlin"}  # fmt: skip


def device_rows(workspace_ids, now):
    for number, workspace_id in enumerate(workspace_ids):
        for slot in range(DEVICES_PER_WORKSPACE):
            entrance = slot < PROPERTIES_PER_WORKSPACE
            yield {
                "id": device_id(number, slot), "workspace_id": workspace_id, "seam_device_id": f"d-{number}-{slot}",
                "name": f"Entrance {slot}" if entrance else f"Door {slot - PROPERTIES_PER_WORKSPACE}",
                "manufacturer": "august", "online": True, "battery_level": 0.8,
                "can_program_online_access_codes": True, "supported_code_lengths": [4, 5, 6],
                "timezone": "Europe/Berlin", "last_changed_at": now,
            }  # fmt: skip


def shared_door_rows(workspace_ids):
    for number, workspace_id in enumerate(workspace_ids):
        for index in range(PROPERTIES_PER_WORKSPACE):
            yield {"id": property_id(number, index), "workspace_id": workspace_id,
                   "property_id": property_id(number, index), "device_id": device_id(number, index)}  # fmt: skip


def unit_rows(workspace_ids):
    for number, workspace_id in enumerate(workspace_ids):
        for unit in range(UNITS_PER_WORKSPACE):
            # External ids U-0, U-1, ...: the units bench_hooks' hooks name.
            yield {"id": unit_id(number, unit), "workspace_id": workspace_id,
                   "property_id": property_id(number, unit // UNITS_PER_PROPERTY), "name": f"Unit {unit}",
                   "external_id": f"U-{unit}"}  # fmt: skip


def unit_door_rows(workspace_ids):
    for number, workspace_id in enumerate(workspace_ids):
        for unit in range(UNITS_PER_WORKSPACE):
            yield {"id": unit_id(number, unit), "workspace_id": workspace_id, "unit_id": unit_id(number, unit),
                   "device_id": device_id(number, PROPERTIES_PER_WORKSPACE + unit)}  # fmt: skip


class Stay(NamedTuple):
    booking_id: int
    number: int  # the workspace's position
    workspace_id: int
    unit: int
    check_in: dt.datetime
    check_out: dt.datetime
    status: str
    code_ids: tuple[int, ...]  # a confirmed stay's codes: its unit's door, its property's entrance


def stays(world: World, workspace_ids, now):
    """Every booking in the order they were made: workspaces take turns, each unit one stay a week, half
    of them over. Regenerated for each table it feeds, rather than held in memory."""
    stays_per_unit = -(-BOOKINGS_PER_WORKSPACE // UNITS_PER_WORKSPACE)
    first_check_in = (now - STAY_SLOT * (stays_per_unit // 2)).replace(minute=0, second=0, microsecond=0)
    code_id = 0
    for index in range(world.bookings):
        number, position = index % world.workspaces, index // world.workspaces
        unit = position % UNITS_PER_WORKSPACE
        # Units start their weekly cycle on different weekdays, so every day has its arrivals.
        check_in = (
            first_check_in + STAY_SLOT * (position // UNITS_PER_WORKSPACE) + dt.timedelta(days=unit % 7)
        )
        status = "cancelled" if index % 20 == 7 else "tentative" if index % 20 == 13 else "confirmed"
        code_ids = ()
        if status == "confirmed":
            code_ids = (code_id + 1, code_id + 2)
            code_id += 2
        yield Stay(index + 1, number, workspace_ids[number], unit, check_in, check_in + dt.timedelta(days=3),
                   status, code_ids)  # fmt: skip


def booking_rows(world, workspace_ids, now):
    for stay in stays(world, workspace_ids, now):
        index = stay.booking_id - 1
        booked = stay.check_in - dt.timedelta(days=30)
        yield {
            "id": stay.booking_id, "workspace_id": stay.workspace_id, "unit_id": unit_id(stay.number, stay.unit),
            "source": "pms", "external_id": f"HM{index:07d}", "guest_name": f"Guest {index}",
            "guest_email": f"guest{index}@example.com", "guest_phone": f"+49 30 {index:07d}",
            "check_in": stay.check_in, "check_out": stay.check_out, "status": stay.status,
            "pin": f"{index:04d}"[-4:] if stay.code_ids else "", "created_at": booked, "updated_at": booked,
        }  # fmt: skip


def stay_doors(stay: Stay) -> tuple[int, int]:
    return (
        device_id(stay.number, PROPERTIES_PER_WORKSPACE + stay.unit),
        device_id(stay.number, stay.unit // UNITS_PER_PROPERTY),
    )


def booking_code_rows(world, workspace_ids, now):
    for stay in stays(world, workspace_ids, now):
        over = stay.check_out < now
        for code_id, door in zip(stay.code_ids, stay_doors(stay), strict=False):
            booked = stay.check_in - dt.timedelta(days=30)
            yield {
                "id": code_id, "workspace_id": stay.workspace_id, "device_id": door,
                "name": f"Guest {stay.booking_id - 1}", "code": f"{stay.booking_id - 1:04d}"[-4:],
                "starts_at": stay.check_in, "ends_at": stay.check_out, "type": "time_bound", "status": "set",
                "sync_state": "removed" if over else "in_sync", "removed_at": stay.check_out if over else None,
                "next_poll_at": None if over else stay.check_out, "seam_access_code_id": f"ac-{code_id}",
                "created_at": booked, "updated_at": booked, "status_changed_at": stay.check_in,
            }  # fmt: skip


def booking_link_rows(world, workspace_ids, now):
    for stay in stays(world, workspace_ids, now):
        for code_id, door in zip(stay.code_ids, stay_doors(stay), strict=False):
            yield {"id": code_id, "workspace_id": stay.workspace_id, "booking_id": stay.booking_id,
                   "access_code_id": code_id, "device_id": door, "part": 1}  # fmt: skip


TIMELINE = (("received", "Booking received."), ("planned", "Planned."),
            ("code_created", "Code planned; sending to Seam."))  # fmt: skip


def booking_event_rows(world, workspace_ids, now):
    for stay in stays(world, workspace_ids, now):
        booked = stay.check_in - dt.timedelta(days=30)
        for kind, message in TIMELINE:
            yield {"workspace_id": stay.workspace_id, "booking_id": stay.booking_id, "created_at": booked,
                   "kind": kind, "message": message, "data": {}}  # fmt: skip


def alert_rows(world, workspace_ids, now):
    for stay in stays(world, workspace_ids, now):
        if stay.code_ids and stay.booking_id % 100 == 4 and stay.check_out > now:
            door = stay_doors(stay)[0]
            yield {"workspace_id": stay.workspace_id, "booking_id": stay.booking_id, "device_id": door,
                   "kind": "not_ready", "message": "The code is not on the lock yet.", "opened_at": now,
                   "condition_key": f"{stay.booking_id}:{door}:not_ready"}  # fmt: skip


def staff_code_state(index: int, ends, ongoing: bool, now) -> dict:
    """What Seam and the sync engine made of staff code `index`: most ended and removed; of the others a
    few refused, a few waiting for a retry that is due, a few due to be polled, the rest in sync."""
    if not ongoing and ends < now:
        return {"status": "set", "sync_state": "removed", "removed_at": ends}
    if index % 97 == 5:
        return {"status": "unset", "sync_state": "failed", "last_sync_error": "Seam refused it.",
                "seam_access_code_id": ""}  # fmt: skip
    if index % 89 == 11:
        state = ("pending_create", "pending_update", "pending_delete")[index % 3]
        created = state != "pending_create"
        return {
            "status": "set" if created else "unset", "sync_state": state,
            **({} if created else {"seam_access_code_id": ""}),
            "next_attempt_at": now - dt.timedelta(minutes=1 + index % 30), "sync_attempts": 1 + index % 3,
            "last_sync_error": "Seam is unavailable (503).",
        }  # fmt: skip
    if index % 53 == 7:
        return {
            "status": "setting",
            "sync_state": "in_sync",
            "next_poll_at": now - dt.timedelta(minutes=index % 10),
        }
    return {"status": "set", "sync_state": "in_sync", "next_poll_at": None if ongoing else ends}


def staff_code_rows(world, workspace_ids, now, *, first_id: int):
    """Staff and contractor codes of a week each, from 400 days ago to 10 days ahead, in the order they
    were made, workspaces taking turns; one in 500 an ongoing (windowless) code."""
    count = world.codes - (first_id - 1)
    first_start = now - STAFF_CODES_SINCE
    for index in range(count):
        number, position = index % world.workspaces, index // world.workspaces
        code_id = first_id + index
        starts = first_start + STAFF_CODES_SPAN * index / count
        ends = starts + STAFF_CODE_LENGTH
        ongoing = index % 500 == 1
        state = staff_code_state(index, ends, ongoing, now)
        state.setdefault("seam_access_code_id", f"ac-{code_id}")
        made = starts - dt.timedelta(days=1)
        yield {
            "id": code_id, "workspace_id": workspace_ids[number],
            "device_id": device_id(number, position % DEVICES_PER_WORKSPACE), "name": f"Staff {index}",
            "code": f"{index % 10**6:06d}", "starts_at": None if ongoing else starts,
            "ends_at": None if ongoing else ends, "type": "ongoing" if ongoing else "time_bound",
            "created_at": made, "updated_at": made, "status_changed_at": made, **state,
        }  # fmt: skip


def all_code_rows(world, workspace_ids, now):
    booking_codes = sum(len(stay.code_ids) for stay in stays(world, workspace_ids, now))
    yield from booking_code_rows(world, workspace_ids, now)
    yield from staff_code_rows(world, workspace_ids, now, first_id=booking_codes + 1)


def code_history_rows(world, workspace_ids, now):
    """Each code's history as the portal writes it: created, then Seam's answer, then its end."""
    for code in all_code_rows(world, workspace_ids, now):
        made = code["created_at"]
        base = {"workspace_id": code["workspace_id"], "access_code_id": code["id"], "data": {}}
        yield {
            **base,
            "created_at": made,
            "kind": "created",
            "message": "Created in the portal; sending to Seam.",
        }
        answered = made + dt.timedelta(seconds=2)
        if code["sync_state"] == "failed":
            yield {**base, "created_at": answered, "kind": "failed", "message": code["last_sync_error"]}
        elif code["seam_access_code_id"]:
            yield {**base, "created_at": answered, "kind": "sent", "message": "Created in Seam."}
        else:
            yield {**base, "created_at": answered, "kind": "sync_error", "message": code["last_sync_error"]}
        if code.get("removed_at") is not None:
            yield {**base, "created_at": code["removed_at"], "kind": "expired",
                   "message": "Expired: Seam removed it at the end of its window."}  # fmt: skip


def seed(world: World, now) -> tuple[list[int], list[int]]:
    """Load the world; prints the time and the rows of each table. Returns (workspace ids, owner ids)."""
    started = time.perf_counter()
    workspace_ids, owner_ids = seed_owners_and_workspaces(world)
    copy = bench_pages.copy_rows
    loads = [
        (Property, property_rows(workspace_ids), True),
        (Device, device_rows(workspace_ids, now), True),
        (PropertySharedDoor, shared_door_rows(workspace_ids), True),
        (Unit, unit_rows(workspace_ids), True),
        (UnitDoor, unit_door_rows(workspace_ids), True),
        (Booking, booking_rows(world, workspace_ids, now), True),
        (AccessCode, all_code_rows(world, workspace_ids, now), True),
        (BookingCode, booking_link_rows(world, workspace_ids, now), True),
        (BookingEvent, booking_event_rows(world, workspace_ids, now), False),
        (AccessCodeEvent, code_history_rows(world, workspace_ids, now), False),
        (Alert, alert_rows(world, workspace_ids, now), False),
    ]
    counts = {"workspaces (and owners, memberships)": len(workspace_ids)}
    for model, rows, with_pk in loads:
        counts[model._meta.db_table] = copy(model, rows, now=now, with_pk=with_pk)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after such a load; sets the visibility map
    vacuumed = time.perf_counter() - started - loaded
    print(f"seeded with COPY in {loaded:.0f} s, then VACUUM ANALYZE in {vacuumed:.0f} s:")
    for table, count in counts.items():
        print(f"  {table:<40}{count:>12,}")
    in_use = AccessCode.objects.dangerously_all_workspaces().filter(removed_at__isnull=True).count()
    print(f"  {'access codes not removed':<40}{in_use:>12,}")
    return workspace_ids, owner_ids


# -- 1. the due-work scan -----------------------------------------------------------------------------


@dataclass
class ScanReading:
    """What the scans of the access-code table and its indexes in a plan read, every loop counted."""

    nodes: set[str]  # "<node type> on <table or index>"
    index_entries: int = 0
    heap_rows: int = 0  # rows of the table read, a filter's or recheck's rejects included
    rows_returned: int = 0

    @property
    def index_only(self) -> bool:
        return bool(self.nodes) and all(node.startswith("Index Only Scan") for node in self.nodes)

    def reads_all(self, table_rows: int) -> bool:
        seq_scan = any(node.startswith("Seq Scan") for node in self.nodes)
        return seq_scan or max(self.index_entries, self.heap_rows) >= table_rows

    def add(self, other: "ScanReading") -> None:
        self.nodes |= other.nodes
        self.index_entries += other.index_entries
        self.heap_rows += other.heap_rows
        self.rows_returned += other.rows_returned


def explain(query, *, with_text: bool) -> tuple[str, dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of a query: the text (when asked) and the JSON plan."""
    sql, params = query.get_compiler(using=connection.alias).as_sql()
    text = ""
    with connection.cursor() as cursor:
        if with_text:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        value = cursor.fetchone()[0]
    plan = value if isinstance(value, list) else json.loads(value)
    return text, plan[0]["Plan"]


def access_code_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, AccessCode._meta.db_table))


def read_plan(plan: dict, indexes: set[str]) -> ScanReading:
    reading = ScanReading(nodes=set(), rows_returned=plan["Actual Rows"])
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        kind, index, loops = node["Node Type"], node.get("Index Name"), node["Actual Loops"]
        on_table = node.get("Relation Name") == AccessCode._meta.db_table
        if not (on_table or index in indexes):
            continue
        reading.nodes.add(f"{kind} on {index or node['Relation Name']}")
        # EXPLAIN gives rows per loop; a filter's and a recheck's rejects were read too.
        read = (
            node["Actual Rows"]
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        if index in indexes:
            reading.index_entries += round(read * loops)
        if kind == "Index Only Scan":
            reading.heap_rows += node.get("Heap Fetches", 0)
        elif on_table:
            reading.heap_rows += round(read * loops)
    return reading


def describe(reading: ScanReading) -> str:
    return ", ".join(sorted(reading.nodes)) or "no scan of the table"


def due_scan_figures(measured: Workspace, now) -> list[Figure]:
    table_rows = AccessCode.objects.dangerously_all_workspaces().count()
    indexes = access_code_indexes()
    due = access_codes_due(workspace=measured, now=now)
    print(f"\n1. due-work scan (access_codes_due) among {table_rows:,} codes")
    figures = []
    for label, query in (
        ("dispatcher's exists(), one workspace", due.query.exists()),
        (
            "access_codes_process_due's first 500 ids, one workspace",
            due.values_list("pk", flat=True)[:500].query,
        ),
    ):
        text, plan = explain(query, with_text=True)
        print(f"  EXPLAIN (ANALYZE, BUFFERS) of the {label}:")
        print("    " + text.replace("\n", "\n    "))
        figures.append(due_scan_figure(label, read_plan(plan, indexes), table_rows))
    # The dispatcher asks once, over every workspace, which of them have due work.
    text, plan = explain(workspaces_with_due_work(now=now).query, with_text=True)
    label = "dispatcher's workspaces with due work, every workspace"
    print(f"  EXPLAIN (ANALYZE, BUFFERS) of the {label}:")
    print("    " + text.replace("\n", "\n    "))
    figures.append(due_scan_figure(label, read_plan(plan, indexes), table_rows))
    with mock.patch("accesscodes.tasks.async_task") as enqueue:  # timed, not queued for a worker
        started = time.perf_counter()
        dispatch_due_access_code_work()
        seconds = time.perf_counter() - started
    print(f"  dispatch_due_access_code_work over every workspace: {seconds * 1000:.0f} ms, "
          f"{enqueue.call_count:,} workspaces with due work")  # fmt: skip
    figures.append(Figure("due scan: dispatch_due_access_code_work, whole run", f"{seconds * 1000:.0f} ms"))
    return figures


def due_scan_figure(label: str, reading: ScanReading, table_rows: int) -> Figure:
    read = reading.index_entries + reading.heap_rows
    return Figure(
        f"due scan: {label}",
        f"{describe(reading)}: {reading.index_entries:,} index entries + {reading.heap_rows:,} table rows read "
        f"of {table_rows:,}",
        f"{reading.rows_returned:,} rows returned",
        read / reading.rows_returned if reading.rows_returned else None,
        "index-only, not every code",
        reading.index_only and not reading.reads_all(table_rows),
    )


# -- 2. pages -----------------------------------------------------------------------------------------


def page_figures(measured: Workspace, owner, now, requests: int) -> list[Figure]:
    setup_test_environment()  # as bench_pages: the test client's host is allowed
    settings.ROOT_URLCONF = "bench_pages"  # the portal's URLs and bench_pages' floor view
    clear_url_caches()
    pace_garbage_collection()  # as portal/wsgi.py does in a server process
    client = Client()
    client.force_login(owner)
    print(f"\n2. pages: server time in-process (Django test client), {requests} sequential requests each, ms")
    print(f"  {'page':<34}{'p50':>8}{'p90':>8}{'max':>8}{'queries':>9}{'KiB':>7}")
    figures, floor_p50 = [], None
    for label, url in [*bench_pages.pages(measured, now), *ADMIN_PAGES]:
        seconds, queries, size = bench_pages.measure(client, url, requests)
        p50 = statistics.median(seconds) * 1000
        print(f"  {label:<34}{p50:>8.1f}{bench_pages.percentile(seconds, 0.9):>8.1f}{max(seconds) * 1000:>8.1f}"
              f"{queries:>9}{size / 1024:>7.0f}")  # fmt: skip
        if floor_p50 is None:
            floor_p50 = p50  # bench_pages.pages() lists its floor first
            continue
        figures.append(Figure(f"page p50: {label}", f"{p50:.1f} ms", f"{floor_p50:.1f} ms", p50 / floor_p50,
                              f"<= {bench_pages.TARGET_MS} ms", p50 <= bench_pages.TARGET_MS))  # fmt: skip
    return figures


# -- servers ------------------------------------------------------------------------------------------


def server_env(**extra: str) -> dict:
    env = {**os.environ, "DATABASE_URL": bench_hooks.database_url(connection.settings_dict),
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(HERE), **extra}  # fmt: skip
    env.pop("TEST_DATABASE_NAME", None)
    return env


@contextmanager
def gunicorn(app: str, env: dict, log_path: Path, *, threads: int = 1):
    """Two workers serving `app` (a benchmark module, which adds its floor view to the portal's URLs)."""
    port = bench_hooks.free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]  # fmt: skip
    with open(log_path, "wb") as log:
        server = bench_hooks.start(command, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        bench_hooks.wait_for_server(base, server)
        yield base
    finally:
        bench_hooks.stop(server)


@contextmanager
def qcluster(env: dict, log_path: Path):
    with open(log_path, "wb") as log:
        worker = bench_hooks.start([sys.executable, "manage.py", "qcluster"], env, log)
    try:
        yield worker
    finally:
        bench_hooks.stop(worker)


# -- 3. the access-code API ---------------------------------------------------------------------------


def api_pages(measured: Workspace) -> list[tuple[str, str, str]]:
    """(label, API path, bare path): bench_api's three pages, the deep one in the workspace's history
    (removed codes included), the filtered one on the door with the most codes in use."""
    history = list(AccessCode.objects.for_workspace(measured).order_by("-id").values_list("id", flat=True))
    busiest_door = (
        AccessCode.objects.for_workspace(measured).filter(removed_at__isnull=True).values("device_id")
        .annotate(codes=Count("id")).order_by("-codes").first()["device_id"]
    )  # fmt: skip
    every_code = AccessCode.objects.dangerously_all_workspaces()
    bare_middle = every_code.aggregate(newest=Max("id"))["newest"] - every_code.count() // 2
    api, bare = "/api/v1/access-codes/?limit=100", "/bare/access-codes/?limit=100"
    cursor_at = bench_api.cursor_at
    return [
        ("first page", api, bare),
        ("deep cursor page (history)", f"{api}&include_removed=true&cursor={cursor_at(history[len(history) // 2])}",
         f"{bare}&cursor={cursor_at(bare_middle)}"),
        ("filtered (one device)", f"{api}&device_id={busiest_door}", f"{bare}&device={busiest_door}"),
    ]  # fmt: skip


def api_figures(measured: Workspace, logs: Path, requests: int) -> list[Figure]:
    _, clear = api_token_create(workspace=measured, name="scale")
    pages = api_pages(measured)
    queries = {label: bench_api.queries_per_page(api_path, clear) for label, api_path, _ in pages}
    env = server_env(BENCH_API_SERVER="1", API_RATE_LIMIT="100000000/minute")
    figures = []
    with (
        gunicorn("bench_api:application", env, logs / "api.log") as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        print(f"\n3. API list: gunicorn, 2 workers; {requests} sequential requests per page, ms")
        print(
            f"  {'page':<28}{'API p50':>9}{'API p99':>9}{'bare p50':>10}{'bare p99':>10}{'p99 ratio':>11}{'queries':>9}"
        )
        for label, api_path, bare_path in pages:
            api = bench_api.timings(client, api_path, {"Authorization": f"Bearer {clear}"}, requests)
            bare = bench_api.timings(client, bare_path, {}, requests)
            p50, p99 = (bench_api.percentile(api, fraction) for fraction in (0.5, 0.99))
            bare_p50, bare_p99 = (bench_api.percentile(bare, fraction) for fraction in (0.5, 0.99))
            ratio, target = p99 / bare_p99, bench_api.TARGET_RATIO
            print(f"  {label:<28}{p50:>9.1f}{p99:>9.1f}{bare_p50:>10.1f}{bare_p99:>10.1f}{ratio:>10.2f}x"
                  f"{queries[label]:>9}")  # fmt: skip
            figures.append(
                Figure(f"API p99: {label}", f"{p99:.1f} ms", f"{bare_p99:.1f} ms", ratio, f"<= {target}x floor",
                       ratio <= target)
            )  # fmt: skip
    return figures


# -- 4. booking hooks ---------------------------------------------------------------------------------


def hook_figures(
    measured: Workspace, logs: Path, *, hooks: int, threads: int, server_threads: int
) -> list[Figure]:
    source, hook_path, secret = booking_source_create(workspace=measured, name="Scale PMS")
    floor_headers = {"bench-workspace": str(measured.pk), "bench-source": str(source.pk)}
    post_all = bench_hooks.post_all
    with gunicorn(
        "bench_hooks:application", server_env(), logs / "hooks.log", threads=server_threads
    ) as base:
        # After the measured ones: stays close enough for the accepted years, and webhook ids of their own.
        warm = bench_hooks.hook_requests(50, UNITS_PER_WORKSPACE, secret, offset=hooks)
        post_all(
            base + bench_hooks.FLOOR_PATH,
            [(body, {**headers, **floor_headers}) for body, headers in warm],
            2,
            202,
        )
        post_all(base + hook_path, warm, 2, 202)
        requests = bench_hooks.hook_requests(hooks, UNITS_PER_WORKSPACE, secret, offset=0)
        floor_requests = [(body, {**headers, **floor_headers}) for body, headers in requests]
        floor_seconds, floor_latencies = post_all(base + bench_hooks.FLOOR_PATH, floor_requests, threads, 202)
        requests = bench_hooks.hook_requests(hooks, UNITS_PER_WORKSPACE, secret, offset=0)  # fresh timestamps
        seconds, latencies = post_all(base + hook_path, requests, threads, 202)
    rate, floor_rate = hooks / seconds, hooks / floor_seconds
    p99, floor_p99 = bench_hooks.p99(latencies), bench_hooks.p99(floor_latencies)
    print(f"\n4. hooks: {hooks} signed booking.created hooks, {threads} client threads, gunicorn 2 workers x "
          f"{server_threads} threads")  # fmt: skip
    print(f"  floor (bare view, one INSERT): {floor_rate:,.0f} requests/s, p99 {floor_p99:.1f} ms")
    print(f"  signed hooks accepted: {rate:,.0f} hooks/s = {rate / floor_rate:.2f} x floor, "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
    return [
        Figure("hooks accepted per second", f"{rate:,.0f}/s", f"{floor_rate:,.0f}/s", rate / floor_rate,
               f">= {bench_hooks.TARGET_PER_SECOND}/s", rate >= bench_hooks.TARGET_PER_SECOND),
        Figure("hook answer p99", f"{p99:.1f} ms", f"{floor_p99:.1f} ms", p99 / floor_p99,
               f"<= {bench_hooks.TARGET_P99_MS} ms", p99 <= bench_hooks.TARGET_P99_MS),
    ]  # fmt: skip


# -- 5. device sync -----------------------------------------------------------------------------------


def sandbox_workspace_key(sandbox: SandboxServer, name: str, devices: int, manufacturers=("august",)) -> str:
    """A new workspace in the sandbox with `devices` devices shared among `manufacturers`: its API key."""
    api_key = f"seam_test_scale_{uuid.uuid4().hex}"
    sandbox.create_workspace(api_key=api_key, name=name, demo_devices=False)
    for manufacturer in manufacturers:
        sandbox.add_devices(
            api_key=api_key, count=math.ceil(devices / len(manufacturers)), manufacturer=manufacturer
        )
    return api_key


def device_sync_figures(sandbox: SandboxServer, devices: int, repeat: int) -> list[Figure]:
    """bench_device_sync's measurement (sandbox in this process, no added latency) in the big database."""
    manufacturers = bench_device_sync.MANUFACTURERS
    api_key = sandbox_workspace_key(sandbox, "scale sync", devices, manufacturers)
    workspace = workspace_create(
        name="Scale sync", slug="scale-sync", seam_api_key=api_key, seam_api_url=sandbox.url
    )
    total = math.ceil(devices / len(manufacturers)) * len(manufacturers)
    bench_device_sync.floor_run(workspace, SYNC_PAGE_LIMIT)  # warm-up: connections, imports, sandbox caches
    floors, firsts, resyncs = [], [], []
    # Interleaved, so that a busy moment of the machine weighs on the floor and the syncs alike.
    for _ in range(repeat):
        floors.append(
            bench_device_sync.timed(lambda: bench_device_sync.floor_run(workspace, SYNC_PAGE_LIMIT))[0]
        )
        firsts.append(bench_device_sync.first_sync(workspace, SYNC_PAGE_LIMIT, total)[0])
        resyncs.append(bench_device_sync.resync(workspace, SYNC_PAGE_LIMIT)[0])
    floor, first, again = (statistics.median(runs) for runs in (floors, firsts, resyncs))
    print(
        f"\n5. device sync: {total:,} devices in one workspace, pages of {SYNC_PAGE_LIMIT}, median of {repeat}"
    )
    print(f"  floor (client pages through devices/list only): {floor:.3f} s")
    print(f"  first sync: {first:.3f} s = {first / floor:.2f} x floor")
    print(f"  re-sync:    {again:.3f} s = {again / floor:.2f} x floor")
    first_target, resync_target = bench_device_sync.FIRST_SYNC_TARGET, bench_device_sync.RESYNC_TARGET
    return [
        Figure(f"device sync: first sync, {total:,} devices", f"{first:.3f} s", f"{floor:.3f} s", first / floor,
               f"<= {first_target}x floor", first <= first_target * floor),
        Figure(f"device sync: re-sync, {total:,} devices", f"{again:.3f} s", f"{floor:.3f} s", again / floor,
               f"<= {resync_target}x floor", again <= resync_target * floor),
    ]  # fmt: skip


# -- 6. booking -> Seam create ------------------------------------------------------------------------


def point_at_sandbox(sandbox: SandboxServer, workspace: Workspace) -> list[Unit]:
    """The workspace's Seam becomes the sandbox; its devices are synced from there and a property gets a
    unit on each of them. Returns the units."""
    workspace.seam_api_key = sandbox_workspace_key(sandbox, workspace.slug, DEVICES_PER_WORKSPACE)
    workspace.seam_api_url = sandbox.url
    workspace.save(update_fields=["seam_api_key", "seam_api_url"])
    run = device_sync(workspace=workspace)
    if run.status != SyncRun.Status.SUCCEEDED:
        raise SystemExit(f"device sync from the sandbox failed: {run.error_message}")
    print(f"  {workspace.slug} synced from the sandbox: {run.devices_created} devices created, "
          f"{run.devices_removed} seeded ones marked removed")  # fmt: skip
    doors = Device.objects.for_workspace(workspace).filter(removed_at__isnull=True).order_by("pk")
    property = Property.objects.create(workspace=workspace, name="Sandbox", timezone="Europe/Berlin")
    units = Unit.objects.bulk_create(
        Unit(workspace=workspace, property=property, name=f"Sandbox {index}", external_id=f"S-{index}")
        for index in range(len(doors))
    )
    UnitDoor.objects.bulk_create(
        UnitDoor(workspace=workspace, unit=unit, device=door) for unit, door in zip(units, doors, strict=True)
    )
    return list(Unit.objects.for_workspace(workspace).filter(property=property).select_related("property"))


def worker_does_only_this() -> None:
    """The seeded workspaces' schedules (syncs, reconciles, the due-work dispatcher) and the tasks queued so
    far (hooks, reconciles) would call Seam with keys that are not real: the worker gets none of them."""
    Schedule.objects.all().delete()
    OrmQ.objects.all().delete()


def answered_at(workspace: Workspace, access_code_id: int, worker) -> dt.datetime:
    """When the code's history recorded Seam's answer to its create call."""
    answers = AccessCodeEvent.objects.for_workspace(workspace).filter(
        access_code_id=access_code_id, kind="sent", message__startswith="Created in Seam"
    )
    deadline = time.monotonic() + SEAM_ANSWER_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        answered = answers.values_list("created_at", flat=True).first()
        if answered is not None:
            return answered
        if worker.poll() is not None:
            raise SystemExit("the Django-Q2 cluster exited")
        time.sleep(0.02)
    code = AccessCode.objects.for_workspace(workspace).get(pk=access_code_id)
    raise SystemExit(f"code {access_code_id} not created in Seam after {SEAM_ANSWER_DEADLINE_SECONDS} s: "
                     f"{code.sync_state}, {code.last_sync_error!r}")  # fmt: skip


def booking_to_seam_seconds(workspace: Workspace, unit: Unit, index: int, check_in: dt.date, worker) -> float:
    outcome = booking_upsert(
        workspace=workspace, source="scale-seam", external_id=str(index), unit=unit, guest_name=f"Guest {index}",
        guest_phone=f"+49 30 555 {index % 10_000:04d}", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
    )  # fmt: skip
    committed = timezone.now()  # booking_upsert is atomic: it has committed, and queued its Seam work
    (access_code_id,) = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking=outcome.booking)
        .values_list("access_code_id", flat=True)
    )
    return (answered_at(workspace, access_code_id, worker) - committed).total_seconds()


def floor_create_seconds(client: SeamClient, seam_device_id: str, index: int, starts: dt.datetime) -> float:
    started = time.perf_counter()
    client.access_codes_create(
        device_id=seam_device_id, name=f"Floor {index}", code=f"{5000 + index % 5000:04d}", starts_at=starts,
        ends_at=starts + dt.timedelta(days=2), allow_external_modification=False, prefer_native_scheduling=True,
    )  # fmt: skip
    return time.perf_counter() - started


def seam_create_figures(sandbox: SandboxServer, workspace: Workspace, logs: Path, count: int) -> list[Figure]:
    print(
        f"\n6. booking -> Seam create with a Django-Q2 cluster running (1 worker, database broker), {count} bookings"
    )
    units = point_at_sandbox(sandbox, workspace)
    floor_key = sandbox_workspace_key(sandbox, "scale floor", DEVICES_PER_WORKSPACE)
    worker_does_only_this()
    first_day = timezone.localdate() + dt.timedelta(days=1)
    latencies, floors = [], []
    env = server_env(Q_WORKERS="1", Q_SYNC="0")
    with (
        SeamClient(api_key=floor_key, base_url=sandbox.url) as client,
        qcluster(env, logs / "qcluster.log") as worker,
    ):
        floor_doors = [device["device_id"] for page in client.iter_device_pages() for device in page]
        # Not counted: the cluster starting, imports and connections on both sides.
        booking_to_seam_seconds(workspace, units[0], count, first_day + dt.timedelta(days=300), worker)
        floor_create_seconds(client, floor_doors[0], count, timezone.now() + dt.timedelta(days=300))
        for index in range(count):
            # Each unit's stays follow one another: two nights every three days.
            check_in = first_day + dt.timedelta(days=3 * (index // len(units)))
            latencies.append(
                booking_to_seam_seconds(workspace, units[index % len(units)], index, check_in, worker)
            )
            starts = timezone.now() + dt.timedelta(days=3 * (index // len(floor_doors)) + 1)
            floors.append(floor_create_seconds(client, floor_doors[index % len(floor_doors)], index, starts))
    p50, p95 = statistics.median(latencies) * 1000, bench_pages.percentile(latencies, 0.95)
    floor_p50, floor_p95 = statistics.median(floors) * 1000, bench_pages.percentile(floors, 0.95)
    print(
        f"  floor (SeamClient.access_codes_create to the sandbox): p50 {floor_p50:.1f} ms, p95 {floor_p95:.1f} ms"
    )
    print(f"  booking committed -> Seam's create answer recorded: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(the broker is polled every {settings.Q_CLUSTER['poll']} s)")  # fmt: skip
    return [
        Figure("booking -> Seam create p50", f"{p50:.0f} ms", f"{floor_p50:.1f} ms", p50 / floor_p50),
        Figure("booking -> Seam create p95", f"{p95:.0f} ms", f"{floor_p95:.1f} ms", p95 / floor_p95),
    ]


# -- the run ------------------------------------------------------------------------------------------


def print_table(figures: list[Figure]) -> None:
    print("\n| figure | value | floor | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for figure in figures:
        print(figure.row())


def measure_all(options, world: World) -> list[Figure]:
    now = timezone.now()
    workspace_ids, owner_ids = seed(world, now)
    measured = Workspace.objects.get(pk=workspace_ids[0])
    owner = get_user_model().objects.get(pk=owner_ids[0])
    figures = due_scan_figures(measured, now)
    figures += page_figures(measured, owner, now, options.page_requests)
    with tempfile.TemporaryDirectory(prefix="seed_scale_") as logs:
        figures += api_figures(measured, Path(logs), options.api_requests)
        figures += hook_figures(measured, Path(logs), hooks=options.hooks, threads=options.hook_threads,
                                server_threads=options.server_threads)  # fmt: skip
        with SandboxServer(host="127.0.0.1", port=0) as sandbox:
            figures += device_sync_figures(
                sandbox, options.sync_devices or world.devices, options.sync_repeat
            )
            seam_workspace = Workspace.objects.get(pk=workspace_ids[1])
            figures += seam_create_figures(sandbox, seam_workspace, Path(logs), options.seam_bookings)
    return figures


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000 workspaces; 0.01 = 10")
    parser.add_argument("--page-requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--api-requests", type=int, default=300, help="timed requests per API page kind")
    parser.add_argument("--hooks", type=int, default=300)
    parser.add_argument("--hook-threads", type=int, default=8, help="client threads posting hooks")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per gunicorn worker for hooks")
    parser.add_argument(
        "--sync-devices", type=int, default=0, help="devices of the synced workspace (0: as many as seeded)"
    )
    parser.add_argument("--sync-repeat", type=int, default=3, help="runs per device-sync figure (median)")
    parser.add_argument("--seam-bookings", type=int, default=20, help="bookings timed to their Seam create")
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the scratch database (to EXPLAIN after)"
    )
    options = parser.parse_args()
    world = World(workspaces=max(2, round(WORKSPACES_AT_FULL_SCALE * options.scale)))
    print(f"scale {options.scale:g}: {world.workspaces:,} workspaces, {world.devices:,} devices, "
          f"{world.bookings:,} bookings, {world.codes:,} access codes")  # fmt: skip

    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        figures = measure_all(options, world)
        print_table(figures)
    finally:
        connection.close()
        if options.keep_database:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
