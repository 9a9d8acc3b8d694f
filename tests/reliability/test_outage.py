"""Outage: Seam answers nothing but 503 for a while (60 s in CI; `OUTAGE_SECONDS=600 ./dev test
tests/reliability/test_outage.py` for the full ten minutes) just as bookings come in, some of them
arriving so soon that their readiness deadline passes during the outage. A real Django-Q2 worker keeps
trying. Nothing is lost: once Seam is back every code lands, once; the arrivals made late got an alert
while Seam was down, and their alerts are resolved when their codes land."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone
from storm import STORM_WORKER_ENV, StormSize, storm_referee, storm_stuck, storm_world

from accesscodes.bookings.models import Alert, BookingCode
from accesscodes.bookings.readiness import bookings_readiness_check, door_ready
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from accesscodes.sync.earlier_create import UNANSWERED_CREATE_GRACE

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE_SECONDS = int(os.environ.get("OUTAGE_SECONDS", "60"))
SIZE = StormSize(units=8, offline_units=0, bookings=16, date_changes=0, cancellations=0, fault_rate=0)
READINESS_LEAD = dt.timedelta(hours=2)  # the policy's default
DEADLINE_INTO_OUTAGE = dt.timedelta(seconds=20)


def test_an_outage_loses_nothing_and_alerts_for_the_arrivals_it_made_late(
    sandbox_workspace, seam_sandbox, django_q_worker, monkeypatch
):
    world = storm_world(seam_sandbox=seam_sandbox, workspace=sandbox_workspace(demo_devices=False), size=SIZE)
    workspace = world.workspace
    for name, value in STORM_WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    worker = django_q_worker()
    outage = seam_sandbox.control("simulate_workspace_outage", workspace_id=world.sandbox_workspace_id)
    outage_started = time.monotonic()
    now = timezone.now()
    soon = now + READINESS_LEAD + DEADLINE_INTO_OUTAGE  # ready-by deadline: 20 s into the outage
    urgent, later = [], []
    for index in range(SIZE.bookings):
        unit = world.units[index % SIZE.units]
        first_round = index < SIZE.units
        check_in = (
            soon if first_round and index % 2 == 0 else now + dt.timedelta(days=3 + 3 * (index // SIZE.units))
        )
        booking = booking_upsert(
            workspace=workspace, source="pms", external_id=f"OUT-{index}", unit=unit,
            guest_name=f"Guest {index}", guest_phone=f"+49 30 555 {2000 + 41 * index:04d}",
            check_in=check_in, check_out=check_in + dt.timedelta(days=2),
        ).booking  # fmt: skip
        (urgent if check_in == soon else later).append(booking.pk)

    time.sleep(max(0, (soon - READINESS_LEAD - timezone.now()).total_seconds()) + 5)
    assert time.monotonic() - outage_started < OUTAGE_SECONDS, "the deadline must pass while Seam is down"
    bookings_readiness_check(workspace=workspace, now=timezone.now())  # what the 5-minute schedule runs
    alerted = set(_open_not_ready(workspace).values_list("booking_id", flat=True))
    assert alerted == set(urgent)
    assert not AccessCode.objects.for_workspace(workspace).exclude(seam_access_code_id="").exists()

    time.sleep(max(0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
    for fault_id in outage["fault_ids"]:
        seam_sandbox.control("faults/clear", fault_id=fault_id)
    back = time.monotonic()

    def landed():
        """Seam holds every code; the arrivals due now have theirs on the lock (the later ones' codes wait
        in Seam for the lock's 72 h preload)."""
        codes = AccessCode.objects.for_workspace(workspace)
        if codes.filter(sync_state=AccessCode.SyncState.IN_SYNC).exclude(seam_access_code_id="").count() < (
            2 * SIZE.bookings
        ):
            return False
        links = BookingCode.objects.for_workspace(workspace).filter(booking_id__in=urgent)
        return all(door_ready(link.access_code) for link in links.select_related("access_code"))

    # A create answered with a 503 may still be made by Seam later: the portal looks for it for a
    # 5-minute grace before creating again, so a code lands up to 5 minutes after its last attempt.
    deadline = back + UNANSWERED_CREATE_GRACE.total_seconds() + 240
    while not landed():
        assert worker.poll() is None, "the Django-Q2 cluster exited"
        assert time.monotonic() < deadline, storm_stuck(world=world)
        time.sleep(1)
    bookings_readiness_check(workspace=workspace, now=timezone.now())
    report = storm_referee(
        seam_sandbox=seam_sandbox, world=world, rate_limited=0, seconds=time.monotonic() - back
    )
    print(
        f"\nSeam down {OUTAGE_SECONDS} s; {len(urgent)} arrivals alerted during it; every code landed "
        f"{time.monotonic() - back:.0f} s after it: " + report.lines()[0]
    )
    assert report.holds, "\n".join([*report.lines(), *storm_stuck(world=world)])
    assert report.expected == report.found == 2 * SIZE.bookings
    assert not _open_not_ready(workspace).exists()
    resolved = Alert.objects.for_workspace(workspace).filter(
        kind=Alert.Kind.NOT_READY, resolved_at__isnull=False
    )
    assert set(resolved.values_list("booking_id", flat=True)) == set(urgent)
    assert not Alert.objects.for_workspace(workspace).filter(booking_id__in=later).exists()


def _open_not_ready(workspace):
    return Alert.objects.for_workspace(workspace).filter(kind=Alert.Kind.NOT_READY, resolved_at__isnull=True)
