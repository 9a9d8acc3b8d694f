"""The fault storm of the reliability harness, shared by its CI test and its full-size script.

Bookings for units with two doors each (a front door and a unit door; some unit doors are offline-only
igloohome locks) are pushed through signed booking hooks to a real WSGI server while the Seam sandbox
fails a share of the portal's calls: 503s before processing, 429s with Retry-After, answers lost after
the sandbox processed the request, and reads that time out. Then some stays move and some are cancelled.
A real Django-Q2 worker does the work. At the end the sandbox is the referee: for every booking, exactly
its planned codes exist in Seam, once."""

import contextlib
import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass, field

import httpx
from django.utils import timezone

from accesscodes.bookings.hook_sources import booking_source_create
from accesscodes.bookings.models import Booking, BookingCode, Property, Unit, UnitDoor
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from tests.hooks.hook_signing import hook_body, signed_headers

# The worker's Seam client for a storm: a read slower than this is a timeout.
STORM_WORKER_ENV = {"SEAM_READ_TIMEOUT": "2", "SEAM_BACKOFF_BASE": "0.1"}
# A delivery is sent this many times at most, a second apart, before the storm gives up on it.
HOOK_ATTEMPTS = 60


@dataclass(frozen=True)
class StormSize:
    units: int
    offline_units: int
    bookings: int
    date_changes: int
    cancellations: int
    fault_rate: float = 0.2
    seed: int = 7


@dataclass
class StormWorld:
    workspace: object
    sandbox_workspace_id: str
    hook_path: str
    hook_secret: str
    units: list[Unit]
    stays: dict[str, tuple[Unit, dt.datetime, dt.datetime]] = field(default_factory=dict)


@dataclass
class StormReport:
    expected: int
    found: int
    duplicated: int
    unlinked: int
    lost: int
    stuck: int
    left_on_locks: int
    rate_limited: int
    seconds_to_converge: float

    @property
    def holds(self) -> bool:
        return self.duplicated == self.lost == self.stuck == self.left_on_locks == 0

    def lines(self) -> list[str]:
        return [
            f"codes expected {self.expected}, found {self.found}, duplicated {self.duplicated} "
            f"(+{self.unlinked} a code still waiting for its create could yet claim), "
            f"lost {self.lost}, stuck {self.stuck}, left on locks after removal {self.left_on_locks}",
            f"converged in {self.seconds_to_converge:.0f} s; Seam 429s answered to the portal: {self.rate_limited}",
        ]


def storm_world(*, seam_sandbox, workspace, size: StormSize) -> StormWorld:
    key = workspace.seam_api_key
    seam_sandbox.add_devices(key, count=size.units, manufacturer="august", name_prefix="Storm front")
    online = size.units - size.offline_units
    if online:
        seam_sandbox.add_devices(key, count=online, manufacturer="august", name_prefix="Storm unit")
    if size.offline_units:
        seam_sandbox.add_devices(
            key, count=size.offline_units, manufacturer="igloohome", name_prefix="Storm offline"
        )
    assert device_sync(workspace=workspace).status == "succeeded"
    devices = Device.objects.for_workspace(workspace).filter(name__startswith="Storm").order_by("pk")
    fronts = [device for device in devices if device.name.startswith("Storm front")]
    unit_doors = [device for device in devices if not device.name.startswith("Storm front")]
    property = Property.objects.create(workspace=workspace, name="Storm House", timezone="Europe/Berlin")
    units = []
    for index, (front, own) in enumerate(zip(fronts, unit_doors, strict=True)):
        unit = Unit.objects.create(
            workspace=workspace, property=property, name=f"S{index}", external_id=f"storm-{index}"
        )
        UnitDoor.objects.bulk_create(
            [UnitDoor(workspace=workspace, unit=unit, device=door) for door in (front, own)]
        )
        units.append(unit)
    _, hook_path, hook_secret = booking_source_create(workspace=workspace, name="Storm PMS")
    sandbox_id = seam_sandbox.sandbox.workspace_for_key(key).workspace_id
    return StormWorld(workspace, sandbox_id, hook_path, hook_secret, units)


def storm_faults_start(*, seam_sandbox, world: StormWorld, rate: float) -> list[str]:
    """Each access-code call fails with about `rate` probability, in four ways."""
    share = rate / 4
    rules = [
        {"status": 503},
        {"status": 429, "retry_after": 1},
        {"status": 502, "phase": "after"},  # processed, answer lost
        {"latency_ms": 2500, "phase": "after"},  # processed, answer later than the client waits
    ]
    return [
        seam_sandbox.control(
            "faults/set", route="access_codes/*", workspace_id=world.sandbox_workspace_id, rate=share, **rule
        )["fault"]["fault_id"]
        for rule in rules
    ]


def storm_faults_stop(*, seam_sandbox, fault_ids: list[str]) -> int:
    """Clear the faults; the number of 429s they answered."""
    rules = {rule["fault_id"]: rule for rule in seam_sandbox.control("faults/list")["faults"]}
    rate_limited = sum(
        rules[fault_id]["applied"] for fault_id in fault_ids if rules[fault_id]["status"] == 429
    )
    for fault_id in fault_ids:
        seam_sandbox.control("faults/clear", fault_id=fault_id)
    return rate_limited


def storm_push(*, base_url: str | list[str], world: StormWorld, size: StormSize, pace: float = 0) -> int:
    """Every booking, then the date changes, then the cancellations, as signed hooks, one every `pace`
    seconds (to each web process of `base_url` in turn). Like a booking system, a delivery that gets no
    answer or a 5xx is sent again (same `webhook-id`) until it is accepted; returns the number of such
    redeliveries."""
    rng = random.Random(size.seed)
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    redelivered = 0
    base_urls = [base_url] if isinstance(base_url, str) else base_url
    turns = itertools.count()
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=url, timeout=30)) for url in base_urls]

        def send(event_type, **data):
            nonlocal redelivered
            client = clients[next(turns) % len(clients)]
            body = hook_body(event_type, **data)
            headers = signed_headers(world.hook_secret, body)
            response = None
            for attempt in range(HOOK_ATTEMPTS):
                if attempt:
                    redelivered += 1
                    time.sleep(1)
                try:
                    response = client.post(world.hook_path, content=body, headers=headers)
                except httpx.TransportError:
                    continue
                if response.status_code < 500:
                    break
            assert response is not None, "the server never answered"
            assert response.status_code == 202, response.text
            time.sleep(pace)

        for index in range(size.bookings):
            unit = world.units[index % len(world.units)]
            # Each unit's stays follow one another: two nights every four days.
            check_in = first + dt.timedelta(days=4 * (index // len(world.units)))
            external_id = f"STORM-{index}"
            world.stays[external_id] = (unit, check_in, check_in + dt.timedelta(days=2))
            send(
                "booking.created",
                **storm_booking_data(external_id, unit, check_in, check_in + dt.timedelta(days=2)),
            )
        booked = list(world.stays)
        rng.shuffle(booked)
        moved = booked[: size.date_changes]
        cancelled = booked[size.date_changes : size.date_changes + size.cancellations]
        for external_id in moved:
            unit, check_in, check_out = world.stays[external_id]
            world.stays[external_id] = (
                unit,
                check_in + dt.timedelta(days=1),
                check_out + dt.timedelta(days=1),
            )
            send("booking.updated", **storm_booking_data(external_id, *world.stays[external_id]))
        for external_id in cancelled:
            send("booking.cancelled", external_id=external_id)
    return redelivered


def storm_booking_data(external_id, unit, check_in, check_out) -> dict:
    return {
        "unit_external_id": unit.external_id,
        "external_id": external_id,
        "guest_name": f"Guest {external_id}",
        "guest_phone": f"+49 30 555 {int(external_id.split('-')[1]):04d}",
        "check_in": check_in.isoformat(),
        "check_out": check_out.isoformat(),
    }


def storm_settled(*, world: StormWorld, size: StormSize) -> bool:
    """Every hook stored as a booking, and no code with Seam work left."""
    workspace = world.workspace
    if Booking.objects.for_workspace(workspace).count() < size.bookings:
        return False
    cancelled = Booking.objects.for_workspace(workspace).filter(status=Booking.Status.CANCELLED).count()
    if cancelled < size.cancellations:
        return False
    pending = [AccessCode.SyncState.PENDING_CREATE, AccessCode.SyncState.PENDING_UPDATE,
               AccessCode.SyncState.PENDING_DELETE]  # fmt: skip
    return not AccessCode.objects.for_workspace(workspace).filter(sync_state__in=pending).exists()


def storm_wait(*, worker, world: StormWorld, size: StormSize, deadline_seconds: float) -> float:
    started = time.monotonic()
    while not storm_settled(world=world, size=size):
        assert worker.poll() is None, "the Django-Q2 cluster exited"
        if time.monotonic() - started > deadline_seconds:
            break
        time.sleep(1)
    return time.monotonic() - started


def storm_stuck(*, world: StormWorld) -> list[str]:
    """What each code with Seam work left is waiting for, for the failure message."""
    left = (
        AccessCode.objects.for_workspace(world.workspace)
        .exclude(sync_state__in=[AccessCode.SyncState.IN_SYNC, AccessCode.SyncState.REMOVED])
        .select_related("device")
    )
    return [
        f"code {code.pk} on {code.device.name} ({code.device.manufacturer}): {code.sync_state}, "
        f"{code.sync_attempts} attempts, next {code.next_attempt_at:%H:%M:%S}, {code.last_sync_error[:160]}"
        if code.next_attempt_at
        else f"code {code.pk} on {code.device.name}: {code.sync_state}, {code.last_sync_error[:160]}"
        for code in left
    ]


def storm_referee(*, seam_sandbox, world: StormWorld, rate_limited: int, seconds: float) -> StormReport:
    """Compare the portal with the sandbox's own state."""
    workspace = world.workspace
    in_seam = [
        code
        for code in seam_sandbox.sandbox.workspaces[world.sandbox_workspace_id].access_codes.values()
        if code.is_managed
    ]
    seam_ids = [code.access_code_id for code in in_seam]
    portal_codes = list(AccessCode.objects.for_workspace(workspace).select_related("device"))
    known_ids = {code.seam_access_code_id for code in portal_codes if code.seam_access_code_id}
    # A code in Seam that no portal code names was created twice (the portal kept the other one), unless
    # a code still waiting for its create asked for it (same lock, same PIN or name): not converged yet.
    waiting = {
        (code.device.seam_device_id, code.create_request.get("code") or code.create_request.get("name"))
        for code in portal_codes
        if code.sync_state == AccessCode.SyncState.PENDING_CREATE and code.create_request
    }
    unknown = [code for code in in_seam if code.access_code_id not in known_ids]
    unlinked = sum(
        1
        for code in unknown
        if (code.device_id, code.code) in waiting or (code.device_id, code.name) in waiting
    )
    duplicated = len(unknown) - unlinked
    active = (
        BookingCode.objects.for_workspace(workspace)
        .filter(released_at__isnull=True, booking__status=Booking.Status.CONFIRMED)
        .select_related("access_code")
    )
    expected = found = 0
    doors_held = set()
    for link in active:
        expected += 1
        doors_held.add((link.booking_id, link.device_id))
        if link.access_code.seam_access_code_id in seam_ids and link.access_code.removed_at is None:
            found += 1
    # A door of a confirmed stay with no code at all was never planned or lost its code.
    confirmed = Booking.objects.for_workspace(workspace).filter(status=Booking.Status.CONFIRMED)
    door_ids: dict[int, list[int]] = {}
    for unit_id, device_id in UnitDoor.objects.for_workspace(workspace).values_list("unit_id", "device_id"):
        door_ids.setdefault(unit_id, []).append(device_id)
    unplanned = sum(
        1
        for booking in confirmed
        for device_id in door_ids[booking.unit_id]
        if (booking.pk, device_id) not in doors_held
    )
    expected += unplanned
    removed_ids = {
        code.seam_access_code_id
        for code in portal_codes
        if code.removed_at is not None and code.seam_access_code_id and not code.is_offline_access_code
    }
    stuck = sum(1 for code in portal_codes if code.sync_state != AccessCode.SyncState.IN_SYNC and
                code.sync_state != AccessCode.SyncState.REMOVED)  # fmt: skip
    return StormReport(
        expected=expected,
        found=found,
        duplicated=duplicated,
        unlinked=unlinked,
        lost=expected - found,
        stuck=stuck,
        left_on_locks=len(removed_ids & set(seam_ids)),
        rate_limited=rate_limited,
        seconds_to_converge=seconds,
    )
