"""Benchmark: bookings upserted through `booking_upsert`, and through `bookings_upsert_batch` in batches, on
PostgreSQL, among many existing codes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/benchmarks/bench_bookings.py [--batch 100]

Works in a scratch database made by Django's test machinery (TEST_DATABASE_NAME, default
`test_bench_bookings`, dropped at the end). 1,000 units with two doors each (an August unit door and an
igloohome offline door, plus nothing shared), 100,000 existing codes spread over those doors (past stays,
so they no longer occupy the locks, plus one future code per door that does), then 10,000 bookings
upserted through `booking_upsert`, each planning and creating its two codes and queueing their Seam work,
and 10,000 more (later stays on the same units) through `bookings_upsert_batch`, `--batch` at a time.

Prints bookings per second beside two floors measured in the same run, interleaved with it in rounds so
both see the same load on a shared machine:
- the fair floor: the rows `booking_upsert` writes for a new booking (the booking, two codes and their
  history, two booking-code links, four timeline entries, one Seam task queued on commit) written the
  cheapest way the ORM offers (one insert per table, nothing read, no planning, no rules, no validation);
- the fair batch floor: the same rows for `--batch` bookings at a time, one insert per table per batch;
- the minimal floor: one booking row and two access-code rows, plain saves, one transaction.
Floor codes are written as removed, so they take no slot on the doors the measured bookings use. Also
prints queries per booking for the first and the last thousand bookings of each path (they must not grow
with the number of codes or bookings). Target: >= 200 bookings/s (judged on the batch rate). Not
collected by pytest.
"""

import argparse
import datetime as dt
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_bench_bookings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.tasks import async_task  # noqa: E402
from query_counter import QueryCounter  # noqa: E402

from accesscodes.bookings.batch import bookings_upsert_batch  # noqa: E402
from accesscodes.bookings.models import (  # noqa: E402
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import BookingUpsert, booking_upsert  # noqa: E402
from accesscodes.models import AccessCode, AccessCodeEvent  # noqa: E402
from devices.models import Device  # noqa: E402
from portal.services import workspace_create  # noqa: E402

TARGET_PER_SECOND = 200


def build(units: int, existing_codes: int):
    workspace = workspace_create(name="Bench", slug="bench", seam_api_key="seam_test_bench_bookings")
    property = Property.objects.create(workspace=workspace, name="Bench", timezone="Europe/Berlin")
    devices = Device.objects.bulk_create(
        [
            Device(
                workspace=workspace,
                seam_device_id=f"d-{index}",
                name=f"Door {index}",
                manufacturer="august" if index % 2 == 0 else "igloohome",
                online=True,
                can_program_online_access_codes=index % 2 == 0,
                can_program_offline_access_codes=index % 2 == 1,
                supported_code_lengths=[4, 5, 6] if index % 2 == 0 else [],
            )
            for index in range(2 * units)
        ]
    )
    unit_rows = Unit.objects.bulk_create(
        [Unit(workspace=workspace, property=property, name=f"Unit {index}") for index in range(units)]
    )
    UnitDoor.objects.bulk_create(
        [
            UnitDoor(workspace=workspace, unit=unit, device=devices[2 * index + door])
            for index, unit in enumerate(unit_rows)
            for door in (0, 1)
        ]
    )
    now = timezone.now()
    rows = []
    for index in range(existing_codes):
        device = devices[index % len(devices)]
        online = device.can_program_online_access_codes
        # Most are past stays (kept for history); the last round is one future code per door.
        future = index >= existing_codes - len(devices)
        starts = now + dt.timedelta(days=400 if future else -400 + index % 300, hours=index % 24)
        rows.append(
            AccessCode(
                workspace=workspace,
                device=device,
                name=f"Earlier guest {index}",
                code=f"{random.randrange(10**4):04d}" if online else "",
                starts_at=starts,
                ends_at=starts + dt.timedelta(days=2),
                type=AccessCode.Type.TIME_BOUND,
                is_offline_access_code=not online,
                status=AccessCode.Status.SET,
                sync_state=AccessCode.SyncState.IN_SYNC if future else AccessCode.SyncState.REMOVED,
                removed_at=None if future else now,
            )
        )
    AccessCode.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        # As autovacuum would after such a load: planner statistics for the new rows.
        cursor.execute("ANALYZE")
    return workspace, unit_rows, devices


def _removed_code(workspace, device, name, now):
    return AccessCode(
        workspace=workspace, device=device, name=name, sync_state=AccessCode.SyncState.REMOVED, removed_at=now
    )


# The timeline of a new booking with two doors.
FLOOR_EVENTS = ("received", "code_created", "code_created", "planned")


def fair_floor_run(workspace, units, devices, indexes, *, batch=1, source="fair-floor"):
    """The rows new bookings write, with nothing read or checked: one insert per table and one commit per
    `batch` bookings."""
    check_in = timezone.now() + dt.timedelta(days=30)
    started = time.perf_counter()
    for group in rounds_of(indexes, batch):
        now = timezone.now()
        with transaction.atomic():
            bookings = Booking.objects.bulk_create(
                Booking(
                    workspace=workspace,
                    unit=units[index % len(units)],
                    source=source,
                    external_id=str(index),
                    check_in=check_in,
                    check_out=check_in + dt.timedelta(days=2),
                )
                for index in group
            )
            doors = [
                (booking, devices[2 * (index % len(units)) + door])
                for booking, index in zip(bookings, group, strict=True)
                for door in (0, 1)
            ]
            codes = AccessCode.objects.bulk_create(
                [_removed_code(workspace, door, booking.external_id, now) for booking, door in doors]
            )
            AccessCodeEvent.objects.bulk_create(
                [AccessCodeEvent(workspace=workspace, access_code=code, kind="created", message="-") for code in codes]
            )  # fmt: skip
            BookingCode.objects.bulk_create(
                [
                    BookingCode(workspace=workspace, booking=booking, access_code=code, device=code.device)
                    for (booking, _), code in zip(doors, codes, strict=True)
                ]
            )
            BookingEvent.objects.bulk_create(
                [
                    BookingEvent(workspace=workspace, booking=booking, kind=kind, message="-")
                    for booking in bookings
                    for kind in FLOOR_EVENTS
                ]
            )
            ids = [code.pk for code in codes]
            transaction.on_commit(
                lambda ids=ids: async_task("accesscodes.tasks.push_access_codes", workspace.pk, ids)
            )
    return time.perf_counter() - started


def rounds_of(indexes, size):
    return [indexes[start : start + size] for start in range(0, len(indexes), size)]


def minimal_floor_run(workspace, units, devices, indexes):
    """The least any booking write does: a booking row and two code rows, one transaction each."""
    check_in = timezone.now() + dt.timedelta(days=30)
    started = time.perf_counter()
    for index in indexes:
        with transaction.atomic():
            booking = Booking.objects.create(
                workspace=workspace, unit=units[index % len(units)], source="floor", external_id=str(index),
                check_in=check_in, check_out=check_in + dt.timedelta(days=2),
            )  # fmt: skip
            for door in (0, 1):
                _removed_code(
                    workspace, devices[2 * (index % len(units)) + door], booking.external_id, timezone.now()
                ).save()
    return time.perf_counter() - started


def stay(index, units, base):
    """Each unit's stays follow one another: two nights every three days."""
    check_in = base + dt.timedelta(days=3 * (index // len(units)))
    return check_in, check_in + dt.timedelta(days=2)


def upsert_run(workspace, units, indexes, counter, base):
    per_booking = []
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for index in indexes:
            check_in, check_out = stay(index, units, base)
            before = counter.count
            outcome = booking_upsert(
                workspace=workspace, source="bench", external_id=str(index), unit=units[index % len(units)],
                guest_name=f"Guest {index}", guest_phone=f"+49 30 {random.randrange(10**7):07d}",
                check_in=check_in, check_out=check_out,
            )  # fmt: skip
            assert outcome.result == "created", outcome.result
            per_booking.append(counter.count - before)
    return time.perf_counter() - started, per_booking


def batch_run(workspace, units, indexes, counter, base, size):
    """`bookings_upsert_batch`, `size` bookings at a time; queries per booking: each batch's statements over
    its bookings, once per booking."""
    per_booking = []
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for group in rounds_of(indexes, size):
            items = []
            for index in group:
                check_in, check_out = stay(index, units, base)
                items.append(
                    BookingUpsert(
                        source="bench-batch",
                        external_id=str(index),
                        unit=units[index % len(units)],
                        guest_name=f"Guest {index}",
                        guest_phone=f"+49 30 {random.randrange(10**7):07d}",
                        check_in=check_in,
                        check_out=check_out,
                    )
                )
            before = counter.count
            outcomes = bookings_upsert_batch(workspace=workspace, items=items)
            assert {outcome.result for outcome in outcomes} == {"created"}, [o.error for o in outcomes]
            per_booking += [(counter.count - before) / len(group)] * len(group)
    return time.perf_counter() - started, per_booking


def rounds(count, size):
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def queries_line(queries):
    first, last = queries[:1000], queries[-1000:]
    return (
        f"first 1,000 median {statistics.median(first):g} (max {max(first):g}), "
        f"last 1,000 median {statistics.median(last):g} (max {max(last):g})"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--existing-codes", type=int, default=100_000)
    parser.add_argument("--floor-count", type=int, default=2_000, help="bookings per floor")
    parser.add_argument("--round", type=int, default=500, help="bookings per round of each measured run")
    parser.add_argument("--batch", type=int, default=100, help="bookings per bookings_upsert_batch call")
    options = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        random.seed(7)
        workspace, units, devices = build(options.units, options.existing_codes)
        print(
            f"units: {options.units} (2 doors each), existing codes: {options.existing_codes}, "
            f"bookings: {options.bookings} one by one + {options.bookings} in batches of {options.batch}"
        )
        upsert_rounds = rounds(options.bookings, options.round)
        floor_rounds = rounds(options.floor_count, -(-options.floor_count // len(upsert_rounds)))
        seconds = dict.fromkeys(("upsert", "batch", "fair", "fair_batch", "minimal"), 0.0)
        counter, queries, batch_queries = QueryCounter(), [], []
        base = timezone.now() + dt.timedelta(days=3)
        # The batched stays come after the single ones on the same units.
        batch_base = base + dt.timedelta(days=3 * (-(-options.bookings // options.units)))
        for upserts, floors in itertools.zip_longest(upsert_rounds, floor_rounds, fillvalue=range(0)):
            seconds["fair"] += fair_floor_run(workspace, units, devices, floors)
            seconds["fair_batch"] += fair_floor_run(
                workspace, units, devices, floors, batch=options.batch, source="fair-batch-floor"
            )
            seconds["minimal"] += minimal_floor_run(workspace, units, devices, floors)
            elapsed, per_booking = upsert_run(workspace, units, upserts, counter, base)
            seconds["upsert"] += elapsed
            queries += per_booking
            elapsed, per_booking = batch_run(workspace, units, upserts, counter, batch_base, options.batch)
            seconds["batch"] += elapsed
            batch_queries += per_booking
        rate, batch_rate = (options.bookings / seconds[name] for name in ("upsert", "batch"))
        fair, fair_batch, minimal = (
            options.floor_count / seconds[name] for name in ("fair", "fair_batch", "minimal")
        )
        print(
            f"  fair floor (the same rows, one insert per table, nothing read or checked): {fair:,.0f} bookings/s"
        )
        print(
            f"  fair batch floor (the same, {options.batch} bookings per transaction): {fair_batch:,.0f} bookings/s"
        )
        print(f"  minimal floor (booking row + two code rows, plain saves): {minimal:,.0f} bookings/s")
        print(f"  booking_upsert (plan, rules, 2 codes, history, Seam work queued): {rate:,.0f} bookings/s "
              f"= {rate / fair:.2f} x fair floor, {rate / minimal:.2f} x minimal floor")  # fmt: skip
        print(f"    queries per booking: {queries_line(queries)}")
        print(f"  bookings_upsert_batch ({options.batch} per call, the same work): {batch_rate:,.0f} bookings/s "
              f"= {batch_rate / fair:.2f} x fair floor, {batch_rate / fair_batch:.2f} x fair batch floor, "
              f"{batch_rate / minimal:.2f} x minimal floor, {batch_rate / rate:.1f} x booking_upsert")  # fmt: skip
        print(f"    queries per booking: {queries_line(batch_queries)}")
        verdict = "met" if batch_rate >= TARGET_PER_SECOND else "NOT met"
        print(f"  target >= {TARGET_PER_SECOND} bookings/s (bookings_upsert_batch): {verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
