"""Seam's events arrive late, twice and in any order: the same 200+ events delivered twice in shuffled
order leave the portal exactly as delivering them once, in order, does. Two portal workspaces mirror the
same Seam workspace; one gets the history in order, the other shuffled and duplicated."""

import random
from collections import Counter

import pytest

from accesscodes.models import AccessCode, UnlockRecord
from devices.models import Device
from devices.services import device_sync
from portal.hooks.inbox import seam_event_process, seam_event_store
from portal.models import SeamEvent
from portal.services import workspace_create
from tests.events.scenario import busy_seam_history

pytestmark = pytest.mark.django_db


def mirror(workspace, seam_codes):
    """The portal's rows for the codes it pushed: in sync, not yet known to be on the lock."""
    devices = {device.seam_device_id: device for device in Device.objects.for_workspace(workspace)}
    for seam_code in seam_codes:
        AccessCode.objects.create(
            workspace=workspace,
            device=devices[seam_code["device_id"]],
            name=seam_code["name"],
            code=seam_code["code"],
            seam_access_code_id=seam_code["access_code_id"],
            starts_at=seam_code.get("starts_at"),
            ends_at=seam_code.get("ends_at"),
            status=AccessCode.Status.UNSET,
            sync_state=AccessCode.SyncState.IN_SYNC,
        )


def deliver_all(workspace, events):
    for event in events:
        stored = seam_event_store(workspace=workspace, event=event, via=SeamEvent.Via.WEBHOOK, enqueue=False)
        if stored is not None:
            seam_event_process(workspace=workspace, seam_event_pk=stored.pk)


def final_state(workspace):
    codes = {}
    for code in AccessCode.objects.for_workspace(workspace):
        removed = code.removed_at is not None
        codes[code.seam_access_code_id] = (
            "removed" if removed else code.status,  # a removed code's last status is not shown anywhere
            code.sync_state,
            code.is_scheduled_on_device,
            sorted(issue["error_code"] for issue in code.errors),
            sorted(issue["warning_code"] for issue in code.warnings),
            code.code,
        )
    devices = {
        device.seam_device_id: (device.online, sorted(error["error_code"] for error in device.errors))
        for device in Device.objects.for_workspace(workspace)
    }
    unlocks = sorted(
        (record.seam_event_id, record.device.seam_device_id, record.access_code.seam_access_code_id)
        for record in UnlockRecord.objects.for_workspace(workspace).select_related("device", "access_code")
    )
    return codes, devices, unlocks


def test_the_same_events_twice_shuffled_end_like_once_in_order(sandbox_workspace, seam_sandbox):
    seam_sandbox.configure(rate_limits_enabled=False)
    try:
        in_order = sandbox_workspace()
        events, created = busy_seam_history(seam_sandbox, in_order, codes_per_door=15)
    finally:
        seam_sandbox.configure(rate_limits_enabled=True)
    shuffled = workspace_create(
        name="Same Seam",
        slug="same-seam",
        seam_api_key=in_order.seam_api_key,
        seam_api_url=in_order.seam_api_url,
    )
    seam_codes = [seam_code for _, seam_code in created]
    for workspace in (in_order, shuffled):
        assert device_sync(workspace=workspace).status == "succeeded"
        mirror(workspace, seam_codes)
    assert len(events) >= 200
    kinds = {event["event_type"] for event in events}
    assert {
        "access_code.set_on_device", "access_code.scheduled_on_device", "access_code.removed_from_device",
        "access_code.deleted", "access_code.failed_to_set_on_device", "access_code.modified_external_to_seam",
        "access_code.changed", "device.connected", "device.disconnected", "lock.unlocked",
    } <= kinds  # fmt: skip

    deliver_all(in_order, events)
    twice_shuffled = events + events
    random.Random(20240331).shuffle(twice_shuffled)
    deliver_all(shuffled, twice_shuffled)

    expected, got = final_state(in_order), final_state(shuffled)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert got[2] == expected[2]
    # And the state is Seam's: every code where the sandbox says it is, every unlock once.
    codes = expected[0]
    kinds = Counter(kind for kind, _ in created)
    assert sum(state[0] == "removed" for state in codes.values()) == kinds["deleted"]
    assert sum(state[0] == "set" for state in codes.values()) == kinds["ongoing"] + kinds["modified"]
    # Scheduled on the lock, still unset: those created so and those moved to a later window.
    assert sum(state[:3] == ("unset", "in_sync", True) for state in codes.values()) == (
        kinds["scheduled"] + kinds["moved"]
    )
    assert sum("failed_to_set_on_device" in state[3] for state in codes.values()) == kinds["failing"]
    assert sum("code_modified_external_to_seam" in state[3] for state in codes.values()) == kinds["modified"]
    assert len(expected[2]) == kinds["ongoing"] + kinds["modified"]
    # Each event stored once; in shuffled order more of them find nothing left to do, none fails.
    for workspace in (in_order, shuffled):
        inbox = SeamEvent.objects.for_workspace(workspace)
        assert inbox.count() == len(events)
        assert set(inbox.values_list("outcome", flat=True)) <= {"applied", "ignored"}
