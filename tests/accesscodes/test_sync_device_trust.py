"""Defect 13: against a Seam whose `access_codes/list` ignores `device_id` (as Seam's published fake does),
reconcile adopted one lock's code on another lock, the earlier-create search then linked a second row to
the same Seam id, the save raised IntegrityError, and every later run of the workspace crashed on it.

A scripted Seam over real HTTP serves such a listing: every code of the workspace, whatever lock is asked.
"""

import datetime as dt

import pytest
from django.utils import timezone
from scripted_seam import device_blind_seam, scripted

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_adopt, access_code_create
from accesscodes.sync.converge import access_code_converge, access_codes_process_due
from accesscodes.sync.reconcile import access_codes_reconcile
from accesscodes.tasks import process_due_access_codes, push_access_code, reconcile_workspace
from portal.services import workspace_create


@pytest.fixture
def seam():
    with device_blind_seam() as seam:
        yield seam


@pytest.fixture
def workspace(db, seam, settings):
    settings.SEAM_MAX_RETRIES = 0
    return workspace_create(
        name="Blind", slug="blind", seam_api_key="seam_test_blind_key_000", seam_api_url=seam.server.url
    )


@pytest.fixture
def locks(workspace, make_device):
    return make_device(workspace, "august"), make_device(workspace, "august")


def reload(workspace, access_code):
    return AccessCode.objects.for_workspace(workspace).get(pk=access_code.pk)


def kinds(workspace, access_code):
    return list(
        AccessCodeEvent.objects.for_workspace(workspace)
        .filter(access_code=access_code)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )


def unanswered_create(seam, workspace, device, pin, now):
    """A code whose first create Seam answered with a 504: it may or may not exist in Seam."""
    access_code = access_code_create(workspace=workspace, device=device, name="Guest", code=pin)
    seam.create_replies.append(scripted.seam_error(504, "gateway_timeout"))
    assert access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=now) == "deferred"
    return reload(workspace, access_code)


def test_reconcile_adopts_a_code_only_on_the_lock_seam_lists_it_for(workspace, locks, seam):
    _, second = locks
    seam.code(second.seam_device_id, "1111", name="Owner's code")

    outcome = access_codes_reconcile(workspace=workspace)

    assert outcome.errors == []
    assert outcome.adopted == 1
    adopted = AccessCode.objects.for_workspace(workspace).get()
    assert adopted.device == second


def test_earlier_create_search_ignores_another_locks_code_with_the_same_pin(workspace, locks, seam):
    first, second = locks
    now = timezone.now()
    access_code = unanswered_create(seam, workspace, first, "4321", now)
    seam.code(second.seam_device_id, "4321", name="Guest")  # same PIN, other lock

    later = now + dt.timedelta(minutes=10)
    assert access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=later) == "created"

    access_code = reload(workspace, access_code)
    on_first = [code for code in seam.codes if code["device_id"] == first.seam_device_id]
    assert [code["access_code_id"] for code in on_first] == [access_code.seam_access_code_id]


def test_a_row_that_only_showed_a_code_gives_it_up_to_the_row_that_created_it(workspace, locks, seam):
    first, second = locks
    now = timezone.now()
    access_code = unanswered_create(seam, workspace, second, "5555", now)
    # What the old reconcile left behind: the code the create made, adopted on the wrong lock.
    late = seam.code(second.seam_device_id, "5555", name="Guest")
    wrong = access_code_adopt(workspace=workspace, device=first, seam_code={**late, "device_id": "elsewhere"})

    assert access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=now) == "linked"

    assert reload(workspace, access_code).seam_access_code_id == late["access_code_id"]
    wrong = reload(workspace, wrong)
    assert wrong.sync_state == AccessCode.SyncState.REMOVED
    assert wrong.seam_access_code_id == ""
    assert kinds(workspace, wrong)[-1] == "ownership_conflict"


def test_one_code_failing_does_not_stop_the_batch(workspace, locks, seam):
    first, second = locks
    held = access_code_adopt(
        workspace=workspace, device=second, seam_code=seam.code(second.seam_device_id, "9000")
    )
    colliding = access_code_create(workspace=workspace, device=first, name="Collides", code="1001")
    malformed = access_code_create(workspace=workspace, device=first, name="Malformed", code="1002")
    fine = access_code_create(workspace=workspace, device=first, name="Fine", code="1003")
    seam.create_replies = [
        # Seam answers with an id another row already shows: the save breaks a unique constraint.
        scripted.ok(access_code={**seam.codes[0], "device_id": first.seam_device_id, "code": "1001"}),
        scripted.ok(),  # a 200 without the code in it
    ]
    now = timezone.now()

    outcomes = access_codes_process_due(workspace=workspace, now=now)

    assert outcomes == {"error": 2, "created": 1}
    assert reload(workspace, fine).sync_state == AccessCode.SyncState.IN_SYNC
    for broken, error in ((colliding, "IntegrityError"), (malformed, "KeyError")):
        broken = reload(workspace, broken)
        assert broken.sync_state == AccessCode.SyncState.PENDING_CREATE
        assert error in broken.last_sync_error
        assert broken.next_attempt_at > now
        assert kinds(workspace, broken)[-1] == "sync_error"
    assert reload(workspace, held).seam_access_code_id == seam.codes[0]["access_code_id"]


def test_one_lock_failing_does_not_stop_the_reconcile(workspace, locks, seam):
    first, second = locks
    seam.failing_devices = {first.seam_device_id}
    seam.code(second.seam_device_id, "2222")

    summary = reconcile_workspace(workspace.pk)

    assert summary["adopted"] == 1
    assert len(summary["errors"]) == 1 and "device listing refused" in summary["errors"][0]


def test_tasks_for_a_deleted_workspace_end_quietly(db, caplog):
    caplog.set_level("INFO", logger="accesscodes.tasks")
    assert push_access_code(987654, 1) is None
    assert process_due_access_codes(987654) is None
    assert reconcile_workspace(987654) is None
    assert caplog.text.count("no longer exists") == 3
