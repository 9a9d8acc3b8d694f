"""100 codes on 20 locks against Seam's published fake, with about a quarter of the access-code calls
failing: 503s, 429s with Retry-After, and answers lost after the fake processed the request (502 or a
timeout). The batch tasks must converge every code, crash on none, and never mix up the locks: the fake's
`access_codes/list` ignores `device_id`, so every listing shows the codes of all 20 locks, and half of the
PINs are used on two locks on purpose."""

import datetime as dt
import random

import pytest
from django.db import transaction
from django.utils import timezone
from fault_proxy import FaultProxy

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from accesscodes.tasks import process_due_access_codes, reconcile_workspace
from devices.models import Device
from devices.services import device_sync
from portal.seam import SeamClient
from portal.services import workspace_create

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

LOCKS = 20
CODES_PER_LOCK = 5
FAULT_SEED = 13
MAX_ROUNDS = 12
# One round's worth of time: past the per-device write window, the longest poll interval and a grace
# period for uncertain creates, so every code has its next turn in the next round.
ROUND = dt.timedelta(minutes=6)
READ_TIMEOUT = 1.0
PENDING = (
    AccessCode.SyncState.PENDING_CREATE,
    AccessCode.SyncState.PENDING_UPDATE,
    AccessCode.SyncState.PENDING_DELETE,
)


class Clock:
    """Django's clock, moved forward by the test between rounds instead of sleeping: the tasks take only
    ids, so backoffs, per-device write windows and grace periods pass by moving `timezone.now`."""

    def __init__(self, monkeypatch):
        self.offset = dt.timedelta()
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() + self.offset)

    def advance(self, delta: dt.timedelta) -> None:
        self.offset += delta


def shared_pins(count: int) -> list[str]:
    """Distinct 6-digit PINs (the fake's locks report no PIN constraints)."""
    rng, pins = random.Random(FAULT_SEED), []
    while len(pins) < count:
        pin = "".join(rng.choice("13579") + rng.choice("2468") for _ in range(3))
        if pin not in pins:
            pins.append(pin)
    return pins


@pytest.fixture
def storm(private_fake_seam, settings, monkeypatch):
    settings.SEAM_READ_TIMEOUT = READ_TIMEOUT
    settings.SEAM_MAX_RETRIES = 2
    settings.SEAM_BACKOFF_BASE = 0.01
    fake = private_fake_seam
    with FaultProxy(fake["url"], seed=FAULT_SEED, rate=0.23, hold_seconds=READ_TIMEOUT + 0.5) as proxy:
        workspace = workspace_create(
            name="Fault storm", slug="fault-storm", seam_api_key=fake["api_key"], seam_api_url=proxy.url
        )
        yield fake, proxy, workspace, Clock(monkeypatch)


def run_task(task, workspace_id: int, raised: list[str], label: str) -> None:
    try:
        task(workspace_id)
    except Exception as error:  # every crash is collected, so the failure shows all of them at once
        raised.append(f"{label}: {type(error).__name__}: {str(error).splitlines()[0][:160]}")


def test_codes_converge_through_a_fault_storm(storm):
    fake, proxy, workspace, clock = storm
    assert device_sync(workspace=workspace).status == "succeeded"
    locks = list(
        Device.objects.for_workspace(workspace)
        .filter(seam_device_id__startswith="contract_")
        .order_by("seam_device_id")
    )
    assert len(locks) == LOCKS

    # Lock n and lock n + 10 get the same five PINs: a PIN match alone names the wrong lock half the time.
    pins = shared_pins(LOCKS * CODES_PER_LOCK // 2)
    created = {}
    with transaction.atomic():  # one commit: the shared test database is slow to commit 100 times
        for n, lock in enumerate(locks):
            for k in range(CODES_PER_LOCK):
                pin = pins[(n % (LOCKS // 2)) * CODES_PER_LOCK + k]
                window = {}
                if k % 2:
                    starts_at = dt.datetime(2031, 1 + n % 12, 1 + k, 15, tzinfo=dt.UTC)
                    window = {"starts_at": starts_at, "ends_at": starts_at + dt.timedelta(days=3)}
                access_code = access_code_create(
                    workspace=workspace, device=lock, name=f"Guest {n:02d}-{k}", code=pin, **window
                )
                created[access_code.pk] = (lock.seam_device_id, pin)

    raised: list[str] = []
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        clock.advance(ROUND)
        AccessCode.objects.for_workspace(workspace).filter(sync_state__in=PENDING).update(
            next_attempt_at=timezone.now()
        )
        run_task(process_due_access_codes, workspace.pk, raised, f"round {rounds} process_due_access_codes")
        run_task(reconcile_workspace, workspace.pk, raised, f"round {rounds} reconcile_workspace")
        if not AccessCode.objects.for_workspace(workspace).filter(sync_state__in=PENDING).exists():
            break

    with SeamClient(api_key=fake["api_key"], base_url=fake["url"]) as seam:
        # Listing one lock returns every code in the fake (it ignores device_id): the whole picture.
        in_fake = seam.access_codes_list(device_id=locks[0].seam_device_id)
    fake_by_id = {code["access_code_id"]: code for code in in_fake}
    rows = list(AccessCode.objects.for_workspace(workspace).select_related("device"))

    problems = [f"task raised: {line}" for line in raised]
    for row in rows:
        if row.pk in created:
            settled = row.sync_state == AccessCode.SyncState.IN_SYNC or (
                row.sync_state == AccessCode.SyncState.FAILED and row.last_sync_error
            )
            if not settled:
                problems.append(f"{row.name} stuck in {row.sync_state}: {row.last_sync_error[:120]}")
        seam_code = fake_by_id.get(row.seam_access_code_id)
        if seam_code and seam_code["device_id"] != row.device.seam_device_id:
            problems.append(
                f"{row.name} on {row.device.seam_device_id} owns {row.seam_access_code_id} of "
                f"{seam_code['device_id']}"
            )
    ours = {(code["device_id"], code["code"]): [] for code in in_fake}
    for code in in_fake:
        ours[(code["device_id"], code["code"])].append(code["access_code_id"])
    for pk, lock_and_pin in created.items():
        copies = len(ours.get(lock_and_pin, []))
        if copies != 1:
            problems.append(
                f"code {pk} ({lock_and_pin[0]}, PIN {lock_and_pin[1]}) is in the fake {copies} times"
            )
    created_in_fake = {seam_id for lock_and_pin in created.values() for seam_id in ours.get(lock_and_pin, [])}
    adopted = [row for row in rows if row.pk not in created and row.seam_access_code_id in created_in_fake]
    problems += [
        f"adopted {row.seam_access_code_id} as '{row.name}' on {row.device.seam_device_id}" for row in adopted
    ]

    summary = (
        f"{rounds} rounds; {proxy.fault_count()} faults injected "
        f"({', '.join(f'{kind} {proxy.fault_count(kind)}' for kind in proxy.weights)}) "
        f"over {sum(proxy.requests.values())} requests"
    )
    assert proxy.fault_count("lost_502") and proxy.fault_count("unavailable"), summary
    assert not problems, "\n".join([summary, *problems])
