"""The batched write path of a booking: `access_codes_create` judges every code by the provider rules (the
codes of the same batch included), a refused code leaves nothing written, one task pushes the batch, and a
booking costs the same number of queries however many doors, codes and bookings there are."""

import datetime as dt

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ

from accesscodes.bookings.models import (
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import NewAccessCode, access_codes_create, devices_lock
from accesscodes.tasks import push_access_codes
from devices.models import Device
from devices.services import device_sync

pytestmark = pytest.mark.django_db

START_IN_FUTURE = [{"constraint_type": "start_date_in_future"}]


def hours_from_now(hours):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


def nothing_written(workspace) -> bool:
    tables = (Booking, BookingCode, BookingEvent, AccessCode, AccessCodeEvent)
    return not any(model.objects.for_workspace(workspace).exists() for model in tables)


def test_a_batch_judges_each_code_against_the_codes_before_it_and_writes_nothing_when_one_is_refused(
    workspace_a, make_device, django_capture_on_commit_callbacks
):
    door = make_device(workspace_a)
    same_pin_same_time = [
        NewAccessCode(device_id=door.pk, name=name, code="2468", starts_at=hours_from_now(2),
                      ends_at=hours_from_now(26))
        for name in ("First guest", "Second guest")
    ]  # fmt: skip
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as refused,
        transaction.atomic(),  # innermost: rolled back before the refusal is caught
    ):
        locked = devices_lock(workspace=workspace_a, device_ids=[door.pk])
        access_codes_create(workspace=workspace_a, devices=locked, drafts=same_pin_same_time)
    assert "code" in refused.value.message_dict
    assert nothing_written(workspace_a)
    assert callbacks == []


def test_a_batch_is_written_with_its_history_and_pushed_by_one_task(
    workspace_a, alice, make_device, django_capture_on_commit_callbacks
):
    door, igloohome = make_device(workspace_a), make_device(workspace_a, "igloohome")
    window = {"starts_at": hours_from_now(2), "ends_at": hours_from_now(26)}
    drafts = [
        NewAccessCode(device_id=door.pk, name="Guest", code="1357", **window),
        NewAccessCode(device_id=door.pk, name="Guest's friend", **window),  # the portal picks a free PIN
        NewAccessCode(device_id=igloohome.pk, name="Guest", is_offline_access_code=True, **window),
    ]
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = devices_lock(workspace=workspace_a, device_ids=[door.pk, igloohome.pk])
        created = access_codes_create(workspace=workspace_a, devices=locked, drafts=drafts, created_by=alice)
    first, picked, offline = (
        AccessCode.objects.for_workspace(workspace_a).get(pk=code.pk) for code in created
    )
    assert first.code == "1357" and picked.code not in ("", "1357") and offline.code == ""
    assert {code.type for code in (first, picked, offline)} == {AccessCode.Type.TIME_BOUND}
    assert {code.sync_state for code in (first, picked, offline)} == {AccessCode.SyncState.PENDING_CREATE}
    events = AccessCodeEvent.objects.for_workspace(workspace_a).filter(kind="created", actor=alice)
    assert events.count() == 3
    (task,) = [entry.task for entry in OrmQ.objects.all()]
    assert task["func"] == "accesscodes.tasks.push_access_codes"
    assert task["args"] == (workspace_a.pk, [code.pk for code in created])


def test_the_batch_push_task_works_on_each_code_on_its_own(sandbox_workspace, seam_sandbox, settings):
    settings.SEAM_MAX_RETRIES = 0
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    door = Device.objects.for_workspace(workspace).filter(manufacturer="august").first()
    with transaction.atomic():
        locked = devices_lock(workspace=workspace, device_ids=[door.pk])
        refused, accepted = access_codes_create(
            workspace=workspace,
            devices=locked,
            drafts=[
                NewAccessCode(device_id=door.pk, name="First guest", code="1357"),
                NewAccessCode(device_id=door.pk, name="Second guest", code="2468"),
            ],
        )
    fault = {
        "route": "access_codes/create",
        "status": 400,
        "times": 1,
        "message": "Invalid code for this lock",
    }
    response = httpx.post(
        f"{seam_sandbox.url}/_sandbox/faults/set", json={"api_key": workspace.seam_api_key, **fault}
    )
    response.raise_for_status()

    assert push_access_codes(workspace.pk, [refused.pk, accepted.pk]) == {"failed": 1, "created": 1}
    refused, accepted = (
        AccessCode.objects.for_workspace(workspace).get(pk=code.pk) for code in (refused, accepted)
    )
    assert refused.sync_state == AccessCode.SyncState.FAILED
    assert "Invalid code for this lock" in refused.last_sync_error
    assert accepted.sync_state == AccessCode.SyncState.IN_SYNC and accepted.seam_access_code_id
    assert push_access_codes(987654, [accepted.pk]) is None  # a workspace deleted since: nothing to do


def test_a_batch_needs_devices_locked_in_its_transaction(workspace_a, make_device):
    door = make_device(workspace_a)
    draft = NewAccessCode(device_id=door.pk, name="Guest", code="1357")
    with transaction.atomic(), pytest.raises(TypeError):
        access_codes_create(workspace=workspace_a, devices={door.pk: door}, drafts=[draft])
    with transaction.atomic():
        locked = devices_lock(workspace=workspace_a, device_ids=[])
        with pytest.raises(ValidationError, match="not locked"):
            access_codes_create(workspace=workspace_a, devices=locked, drafts=[draft])
    assert nothing_written(workspace_a)


@pytest.fixture
def two_doors(workspace_a, make_device):
    """A unit whose second door (the higher id, so the second code of the batch) needs codes that start
    in the future."""
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1")
    first = make_device(workspace_a, name="Front door")
    second = make_device(workspace_a, name="Back door", code_constraints=START_IN_FUTURE)
    for door in (first, second):
        UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=door)
    return unit


def test_a_booking_whose_second_code_is_refused_leaves_nothing_half_written(
    workspace_a, two_doors, django_capture_on_commit_callbacks
):
    # Planned at a moment the stay was still ahead: both doors fit. By the time the codes are written the
    # stay has begun, which the front door accepts and the back door's start-in-future rule refuses.
    check_in = timezone.now() - dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as refused:
        booking_upsert(
            workspace=workspace_a, source="hostaway", external_id="B-1", unit=two_doors, guest_phone="+49 2468",
            check_in=check_in, check_out=check_in + dt.timedelta(days=2), now=check_in - dt.timedelta(hours=1),
        )  # fmt: skip
    assert "start_date_in_future" in str(refused.value)
    assert nothing_written(workspace_a)
    assert callbacks == []


def queries_of_a_new_booking(workspace, unit, external_id, check_in) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcome = booking_upsert(
            workspace=workspace, source="hostaway", external_id=external_id, unit=unit,
            guest_phone="+49 30 555 2468", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
        )  # fmt: skip
    assert outcome.result == "created"
    return len(queries)


def test_queries_per_booking_do_not_grow_with_bookings_codes_or_doors(workspace_a, make_device):
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    one_door = Unit.objects.create(workspace=workspace_a, property=property, name="Studio")
    UnitDoor.objects.create(workspace=workspace_a, unit=one_door, device=make_device(workspace_a))
    first = queries_of_a_new_booking(workspace_a, one_door, "B-0", hours_from_now(48))
    for stay in range(1, 6):  # five more stays on the same door: five more codes occupying it
        later = queries_of_a_new_booking(workspace_a, one_door, f"B-{stay}", hours_from_now(48 + 72 * stay))
    assert later == first

    three_doors = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1")
    PropertySharedDoor.objects.create(
        workspace=workspace_a, property=property, device=make_device(workspace_a, name="Entrance")
    )
    for name in ("Front door", "Garden gate"):
        UnitDoor.objects.create(
            workspace=workspace_a, unit=three_doors, device=make_device(workspace_a, name=name)
        )
    assert queries_of_a_new_booking(workspace_a, three_doors, "B-10", hours_from_now(48)) == first
    assert AccessCode.objects.for_workspace(workspace_a).count() == 6 + 3
