"""Rate limits: bookings for every flat of a building land within seconds, and each needs a code on the
building's one lobby door, which Seam lets take 10 creates a minute. A real Django-Q2 worker pushes
them: the portal spaces its own writes, so Seam never answers it 429, and every code ends set on the
lobby door, once. CI books 20 flats (two minutes of Seam's limit); the full scenario's 60 is
`RATE_LIMIT_BOOKINGS=60 ./dev test tests/reliability/test_rate_limits.py`."""

import datetime as dt
import os
import time
from collections import Counter

import pytest
from django.utils import timezone

from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync

pytestmark = pytest.mark.django_db(transaction=True)

BOOKINGS = int(os.environ.get("RATE_LIMIT_BOOKINGS", "20"))
SEAM_CREATES_PER_MINUTE = 10


def test_bookings_crowding_one_door_cause_no_429_and_all_get_set(
    sandbox_workspace, seam_sandbox, django_q_worker
):
    workspace = sandbox_workspace(demo_devices=False)
    key = workspace.seam_api_key
    [lobby_seam_id] = seam_sandbox.add_devices(key, count=1, manufacturer="august", name_prefix="Lobby")
    seam_sandbox.add_devices(key, count=BOOKINGS, manufacturer="august", name_prefix="Flat")
    assert device_sync(workspace=workspace).status == "succeeded"
    building = Property.objects.create(workspace=workspace, name="Harbour House", timezone="Europe/Lisbon")
    lobby = Device.objects.for_workspace(workspace).get(seam_device_id=lobby_seam_id)
    PropertySharedDoor.objects.create(workspace=workspace, property=building, device=lobby)
    flats = Device.objects.for_workspace(workspace).filter(name__startswith="Flat").order_by("pk")
    check_in = timezone.now() - dt.timedelta(hours=1)  # every guest is due: every code goes on now
    started = time.monotonic()
    for index, flat_door in enumerate(flats):
        unit = Unit.objects.create(workspace=workspace, property=building, name=f"Flat {index + 1}")
        UnitDoor.objects.create(workspace=workspace, unit=unit, device=flat_door)
        booking_upsert(
            workspace=workspace, source="pms", external_id=f"HH-{index}", unit=unit,
            guest_name=f"Guest {index}", guest_phone=f"+351 21 555 {1000 + 37 * index:04d}",
            check_in=check_in, check_out=check_in + dt.timedelta(days=3),
        )  # fmt: skip
    landed = time.monotonic() - started
    assert landed < 60, f"the bookings took {landed:.0f} s to land, not within a minute"
    worker = django_q_worker()

    sandbox_workspace_state = seam_sandbox.sandbox.workspace_for_key(key)

    def on_lobby():
        with seam_sandbox.sandbox.lock:
            return [
                code
                for code in sandbox_workspace_state.access_codes.values()
                if code.device_id == lobby_seam_id and code.is_managed
            ]

    def settled():
        portal_codes = AccessCode.objects.for_workspace(workspace).filter(device=lobby)
        return (
            portal_codes.count() == BOOKINGS
            and not portal_codes.exclude(sync_state=AccessCode.SyncState.IN_SYNC).exists()
            and [code.status for code in on_lobby()] == ["set"] * BOOKINGS
        )

    # Ten creates a minute, and a code waiting for the next minute's slots is picked up by the every-minute
    # scan of due work: up to two minutes per ten codes.
    deadline = time.monotonic() + 60 * (2 * BOOKINGS / SEAM_CREATES_PER_MINUTE + 2)
    while not settled():
        assert worker.poll() is None, "the Django-Q2 cluster exited"
        assert time.monotonic() < deadline, progress(on_lobby(), workspace=workspace, lobby=lobby)
        seam_sandbox.control("tick")
        time.sleep(1)
    seconds = time.monotonic() - started
    refused = seam_sandbox.control("rate_limits/refused")["refused"]
    print(f"\n{BOOKINGS} codes on one lobby door set in {seconds:.0f} s; Seam 429s: {refused or 'none'}")
    assert refused == {}
    lobby_codes = AccessCode.objects.for_workspace(workspace).filter(device=lobby)
    assert sorted(code.seam_access_code_id for code in lobby_codes) == sorted(
        code.access_code_id for code in on_lobby()
    )
    # Spacing is what kept Seam quiet: the lobby's creates could not all have gone out in the first minute.
    assert seconds >= 60 * (BOOKINGS // SEAM_CREATES_PER_MINUTE - 1)


def progress(in_seam, *, workspace, lobby) -> str:
    """How far the lobby got, for the failure message."""
    statuses = Counter(code.status for code in in_seam)
    states = Counter(
        AccessCode.objects.for_workspace(workspace).filter(device=lobby).values_list("sync_state", flat=True)
    )
    return f"of {BOOKINGS} lobby codes, Seam holds {dict(statuses)}; the portal's are {dict(states)}"
