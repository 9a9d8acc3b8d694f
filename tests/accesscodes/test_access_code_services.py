import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_create, access_code_delete, access_code_update
from accesscodes.sync.lease import lease_claim, lease_release

pytestmark = pytest.mark.django_db


def hours_from_now(hours):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


def create_offline_igloohome_code(workspace, make_device):
    return access_code_create(
        workspace=workspace,
        device=make_device(workspace, "igloohome"),
        name="Guest",
        starts_at=hours_from_now(2),
        ends_at=hours_from_now(26),
        is_offline_access_code=True,
    )


def test_create_saves_records_history_and_enqueues_after_commit(
    workspace_a, alice, make_device, django_capture_on_commit_callbacks
):
    device = make_device(workspace_a)
    with django_capture_on_commit_callbacks() as callbacks:
        access_code = access_code_create(
            workspace=workspace_a, device=device, name="Guest", code="1234", created_by=alice
        )
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE
    assert access_code.type == AccessCode.Type.ONGOING
    assert access_code.created_by == alice
    assert len(callbacks) == 1
    events = AccessCodeEvent.objects.for_workspace(workspace_a).filter(access_code=access_code)
    assert [event.kind for event in events] == ["created"]


def test_portal_chooses_a_valid_pin_when_none_given(workspace_a, make_device):
    device = make_device(
        workspace_a, supported_code_lengths=[4, 5, 6], code_constraints=[{"constraint_type": "no_zeros"}]
    )
    access_code = access_code_create(workspace=workspace_a, device=device, name="Cleaner")
    assert access_code.code.isdigit()
    assert len(access_code.code) == 6
    assert "0" not in access_code.code


def test_offline_codes_leave_the_pin_to_the_provider(workspace_a, make_device):
    access_code = create_offline_igloohome_code(workspace_a, make_device)
    assert access_code.code == ""
    assert access_code.type == AccessCode.Type.TIME_BOUND


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"code": "12ab"}, "code", "digits"),
        ({"starts_at": "start-only"}, "ends_at", "Both starts_at and ends_at"),
        ({"code": "1234567"}, "code", "codes of 4 to 6 digits"),  # what the device reports
    ],
    ids=["non-digit", "start-without-end", "device-lengths"],
)
def test_rules_reach_the_service_through_clean(workspace_a, make_device, fields, field, fragment):
    device = make_device(workspace_a)
    if fields.get("starts_at") == "start-only":
        fields = {"starts_at": hours_from_now(3)}
    with pytest.raises(ValidationError) as error:
        access_code_create(workspace=workspace_a, device=device, name="Guest", **fields)
    messages = " ".join(error.value.message_dict.get(field, []) + error.value.message_dict.get("__all__", []))
    assert fragment in messages
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_duplicate_pin_on_the_same_lock_is_refused(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code_create(workspace=workspace_a, device=device, name="One", code="4821")
    with pytest.raises(ValidationError) as error:
        access_code_create(workspace=workspace_a, device=device, name="Two", code="4821")
    assert "code" in error.value.message_dict


def test_device_of_another_workspace_is_refused(two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    foreign_device = make_device(workspace_b)
    with pytest.raises(ValidationError, match="No such device"):
        access_code_create(workspace=workspace_a, device=foreign_device, name="Sneaky", code="5555")
    assert AccessCode.objects.for_workspace(workspace_b).count() == 0


def test_removed_device_is_refused(workspace_a, make_device):
    device = make_device(workspace_a, removed_at=timezone.now())
    with pytest.raises(ValidationError, match="removed from Seam"):
        access_code_create(workspace=workspace_a, device=device, name="Late", code="5555")


def test_update_marks_pending_and_records_history(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        sync_state=AccessCode.SyncState.IN_SYNC, seam_access_code_id="seam-1"
    )
    updated = access_code_update(access_code=access_code, name="Guest (late checkout)")
    assert updated.sync_state == AccessCode.SyncState.PENDING_UPDATE
    kinds = list(
        AccessCodeEvent.objects.for_workspace(workspace_a)
        .filter(access_code=access_code)
        .values_list("kind", flat=True)
    )
    assert "updated" in kinds


def test_update_runs_the_rules(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    with pytest.raises(ValidationError):
        access_code_update(access_code=access_code, code="12")
    access_code.refresh_from_db()
    assert access_code.code == "1234"


def test_unknown_fields_cannot_be_updated(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    with pytest.raises(ValidationError, match="cannot be changed: is_offline_access_code"):
        access_code_update(access_code=access_code, is_offline_access_code=True)


def test_offline_codes_cannot_be_changed_or_deleted(workspace_a, make_device):
    access_code = create_offline_igloohome_code(workspace_a, make_device)
    with pytest.raises(ValidationError, match=r"(?i)cannot be changed"):
        access_code_update(access_code=access_code, name="Other")
    with pytest.raises(ValidationError, match=r"(?i)expire"):
        access_code_delete(access_code=access_code)
    access_code.refresh_from_db()
    assert access_code.name == "Guest"
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE


def test_delete_before_reaching_seam_removes_at_once(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    deleted = access_code_delete(access_code=access_code)
    assert deleted.sync_state == AccessCode.SyncState.REMOVED
    assert deleted.removed_at is not None


def test_delete_while_a_worker_may_be_sending_the_create_waits_for_it(workspace_a, make_device):
    """Defect found by the restore drill: a booking cancelled the moment its code was created. The worker had
    claimed the code's lease and was sending the create; the deletion, seeing no create attempt yet,
    closed the code in the portal, and the code Seam made 50 ms later stayed on the lock."""
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    assert lease_claim(workspace=workspace_a, access_code_id=access_code.pk, now=timezone.now())

    deleted = access_code_delete(access_code=access_code)

    assert deleted.sync_state == AccessCode.SyncState.PENDING_DELETE and deleted.removed_at is None
    lease_release(workspace=workspace_a, access_code_id=access_code.pk)


def test_delete_after_a_create_attempt_goes_through_seam_and_is_idempotent(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="1234")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        create_attempted_at=timezone.now()
    )
    first = access_code_delete(access_code=access_code)
    second = access_code_delete(access_code=access_code)
    assert first.sync_state == second.sync_state == AccessCode.SyncState.PENDING_DELETE
    requests = AccessCodeEvent.objects.for_workspace(workspace_a).filter(
        access_code=access_code, kind="delete_requested"
    )
    assert requests.count() == 1  # the second call changed nothing


def test_unmanaged_codes_are_read_only(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = AccessCode.objects.create(
        workspace=workspace_a,
        device=device,
        name="Found",
        code="9999",
        is_managed=False,
        sync_state=AccessCode.SyncState.IN_SYNC,
        seam_access_code_id="unmanaged-1",
    )
    with pytest.raises(ValidationError, match="lock's own app"):
        access_code_update(access_code=access_code, name="Mine now")
    with pytest.raises(ValidationError, match="lock's own app"):
        access_code_delete(access_code=access_code)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_cannot_both_take_the_last_slot(workspace_a, make_device):
    device = make_device(workspace_a, max_active_codes_supported=2)
    access_code_create(workspace=workspace_a, device=device, name="First", code="1111")
    barrier = threading.Barrier(2)
    outcomes = []

    def create(pin):
        try:
            barrier.wait(timeout=10)
            access_code_create(workspace=workspace_a, device=device, name=f"Racer {pin}", code=pin)
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(pin,)) for pin in ("2222", "3333")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("created") == 1, outcomes
    assert any("at most 2 active codes" in outcome for outcome in outcomes), outcomes
    assert AccessCode.objects.for_workspace(workspace_a).filter(device=device).count() == 2
