"""bookings_upsert_batch: many bookings in one transaction give each booking what `booking_upsert` gives it
one by one (codes per door, PINs, timeline, alerts), an invalid item fails alone, the new bookings of a
batch cost the same number of queries however many they are, and one task pushes all their codes."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ

from accesscodes.bookings import batch as batch_module
from accesscodes.bookings.batch import bookings_upsert_batch
from accesscodes.bookings.models import (
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import BookingUpsert, booking_upsert
from accesscodes.models import AccessCode
from accesscodes.tasks import push_access_codes
from devices.models import Device
from devices.services import device_sync
from portal.seam import seam_client_for_workspace

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def day(days) -> dt.date:
    return (NOW + dt.timedelta(days=days)).date()


def build_rental(workspace, make_device) -> dict:
    """The same property in any workspace, doors named alike: a shared entrance, a flat with an online and
    an offline (igloohome) door, a second flat with its own door, and a studio without doors of its own."""
    entrance = make_device(workspace, "august", name="Entrance")
    front = make_device(workspace, "kwikset", name="Front door", supported_code_lengths=[4, 5, 6, 7, 8])
    garden = make_device(workspace, "igloohome", name="Garden gate", timezone="Europe/Berlin")
    flat_two_door = make_device(workspace, "august", name="Flat 2 door")
    property = Property.objects.create(workspace=workspace, name="Canal House", timezone="Europe/Berlin")
    bare = Property.objects.create(workspace=workspace, name="Bare House", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace, property=property, device=entrance)
    units = {
        "flat 1": Unit.objects.create(workspace=workspace, property=property, name="Flat 1"),
        "flat 2": Unit.objects.create(workspace=workspace, property=property, name="Flat 2"),
        "studio": Unit.objects.create(workspace=workspace, property=bare, name="Studio"),
    }
    for unit, door in [("flat 1", front), ("flat 1", garden), ("flat 2", flat_two_door)]:
        UnitDoor.objects.create(workspace=workspace, unit=units[unit], device=door)
    return units


def item(units, unit="flat 1", *, external_id, check_in=3, nights=2, **fields) -> BookingUpsert:
    values = {"guest_name": "Ada Lovelace", "guest_phone": "+49 30 555 2468", **fields}
    return BookingUpsert(
        source="pms", external_id=external_id, unit=units[unit],
        check_in=day(check_in), check_out=day(check_in + nights), **values,
    )  # fmt: skip


def one_by_one(workspace, items) -> list[str]:
    results = []
    for each in items:
        try:
            results.append(booking_upsert(workspace=workspace, now=NOW, **each.as_kwargs()).result)
        except ValidationError:
            results.append("failed")
    return results


def state(workspace) -> dict:
    """Per booking: its PIN, its active codes per door, its timeline's kinds and its alerts."""
    found = {}
    for booking in Booking.objects.for_workspace(workspace):
        links = (
            BookingCode.objects.for_workspace(workspace)
            .filter(booking=booking, released_at__isnull=True, access_code__removed_at__isnull=True)
            .select_related("access_code", "device")
        )
        codes = sorted(
            (link.device.name, link.part, link.access_code.code, link.access_code.is_offline_access_code,
             link.access_code.starts_at, link.access_code.ends_at, link.access_code.sync_state)
            for link in links
        )  # fmt: skip
        timeline = Counter(
            BookingEvent.objects.for_workspace(workspace)
            .filter(booking=booking)
            .values_list("kind", flat=True)
        )
        alerts = sorted(
            (alert.kind, alert.device.name if alert.device else None, alert.resolved_at is None)
            for alert in Alert.objects.for_workspace(workspace)
            .filter(booking=booking)
            .select_related("device")
        )
        found[booking.external_id] = {
            "status": booking.status, "pin": booking.pin, "codes": codes, "timeline": timeline, "alerts": alerts,
        }  # fmt: skip
    return found


def before_existing(units):
    """Bookings both sides have before the batch."""
    return [item(units, external_id="OLD-1", check_in=20), item(units, external_id="OLD-2", check_in=30)]


CASES = {
    "one booking on a shared, an online and an offline door": lambda u: [item(u, external_id="A")],
    "back-to-back stays with the same phone digits": lambda u: [
        item(u, external_id="A", check_in=3),
        item(u, external_id="B", check_in=5),
        item(u, external_id="C", check_in=7),
    ],
    "overlapping stays on the same doors": lambda u: [
        item(u, external_id="A", check_in=3, nights=4),
        item(u, external_id="B", check_in=4, nights=2),
    ],
    "two flats sharing the entrance": lambda u: [
        item(u, "flat 1", external_id="A"),
        item(u, "flat 2", external_id="B"),
    ],
    "a unit without doors": lambda u: [item(u, "studio", external_id="A")],
    "a tentative booking": lambda u: [item(u, external_id="A", status=Booking.Status.TENTATIVE)],
    "a long stay: two offline codes": lambda u: [item(u, external_id="A", nights=29)],
    "an invalid item among valid ones": lambda u: [
        item(u, external_id="A"),
        item(u, external_id="BAD", check_in=6, nights=-1),
        item(u, external_id="C", check_in=9),
    ],
    "existing bookings changed, repeated, stale, cancelled, among new ones": lambda u: [
        item(u, external_id="A", check_in=19, nights=2),
        item(u, external_id="OLD-1", check_in=21),  # moved: the new booking before it is already written
        item(u, external_id="B", check_in=22, guest_phone="+49 30 555 1111"),
        item(u, external_id="OLD-2", check_in=30, status=Booking.Status.CANCELLED),
        item(u, external_id="B", check_in=22, guest_phone="+49 30 555 1111"),  # unchanged
        item(u, external_id="OLD-1", check_in=40, source_updated_at=NOW - dt.timedelta(days=1)),
        item(u, external_id="C", check_in=21, nights=1),
    ],
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_batch_does_what_the_same_items_do_one_by_one(case, workspace_a, workspace_b, make_device):
    alone_units, batch_units = build_rental(workspace_a, make_device), build_rental(workspace_b, make_device)
    for workspace, units in ((workspace_a, alone_units), (workspace_b, batch_units)):
        for each in before_existing(units):
            booking_upsert(workspace=workspace, now=NOW, source_updated_at=NOW, **{
                name: value for name, value in each.as_kwargs().items() if name != "source_updated_at"
            })  # fmt: skip
    expected = one_by_one(workspace_a, CASES[case](alone_units))
    outcomes = bookings_upsert_batch(workspace=workspace_b, items=CASES[case](batch_units), now=NOW)
    assert [outcome.result for outcome in outcomes] == expected
    assert state(workspace_b) == state(workspace_a)
    assert state(workspace_b), "the case wrote nothing to compare"


def test_two_new_bookings_on_one_door_with_overlapping_stays_get_different_pins(workspace_a, make_device):
    units = build_rental(workspace_a, make_device)
    first, second = bookings_upsert_batch(
        workspace=workspace_a,
        items=[item(units, external_id="A", nights=3), item(units, external_id="B", check_in=4)],
        now=NOW,
    )
    assert (first.result, second.result) == ("created", "created")
    for door in ("Entrance", "Front door"):
        pins = list(
            AccessCode.objects.for_workspace(workspace_a)
            .filter(device__name=door)
            .values_list("code", flat=True)
        )
        assert len(pins) == 2 and len(set(pins)) == 2, (door, pins)
    assert first.booking.pin == "2468" and second.booking.pin not in ("", "2468")


def test_an_invalid_item_fails_alone_and_says_why(workspace_a, workspace_b, make_device):
    units = build_rental(workspace_a, make_device)
    other_workspace_unit = build_rental(workspace_b, make_device)
    outcomes = bookings_upsert_batch(
        workspace=workspace_a,
        items=[
            item(units, external_id="A"),
            item(units, external_id="BACKWARDS", check_in=8, nights=-2),
            item(other_workspace_unit, external_id="FOREIGN"),
            item(units, "flat 2", external_id="C"),
        ],
        now=NOW,
    )
    assert [outcome.result for outcome in outcomes] == ["created", "failed", "failed", "created"]
    assert "Check-out must be after check-in." in outcomes[1].error.messages
    assert outcomes[2].error.message_dict == {"unit": ["This unit belongs to another workspace."]}
    assert outcomes[1].booking is None and outcomes[2].booking is None
    assert set(Booking.objects.for_workspace(workspace_a).values_list("external_id", flat=True)) == {"A", "C"}
    assert not Booking.objects.for_workspace(workspace_b).exists()
    assert BookingCode.objects.for_workspace(workspace_a).count() == 5  # A: 3 doors, C: entrance + its door


def new_bookings(units, count, *, first_day):
    """`count` new bookings on separate units' doors, each with its own phone."""
    return [
        BookingUpsert(
            source="pms",
            external_id=f"N-{first_day}-{index}",
            unit=units[index % len(units)],
            guest_phone=f"+49 30 555 {1000 + index}",
            check_in=day(first_day + 3 * (index // len(units))),
            check_out=day(first_day + 3 * (index // len(units)) + 2),
        )
        for index in range(count)
    ]


def test_new_bookings_cost_the_same_queries_whether_one_or_twenty(workspace_a, make_device):
    property = Property.objects.create(workspace=workspace_a, name="Tower", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(
        workspace=workspace_a, property=property, device=make_device(workspace_a)
    )
    units = []
    for index in range(10):
        unit = Unit.objects.create(workspace=workspace_a, property=property, name=f"Flat {index}")
        for manufacturer in ("august", "igloohome"):
            UnitDoor.objects.create(
                workspace=workspace_a, unit=unit, device=make_device(workspace_a, manufacturer)
            )
        units.append(unit)
    units = list(Unit.objects.for_workspace(workspace_a))  # as a caller reads them: properties not loaded
    queries = {}
    for count, first_day in ((1, 3), (20, 30)):
        with CaptureQueriesContext(connection) as captured:
            outcomes = bookings_upsert_batch(
                workspace=workspace_a, items=new_bookings(units, count, first_day=first_day), now=NOW
            )
        assert [outcome.result for outcome in outcomes] == ["created"] * count
        queries[count] = len(captured)
    assert queries[1] == queries[20]
    assert BookingCode.objects.for_workspace(workspace_a).count() == 21 * 3


def test_a_database_error_rolls_the_batch_back_and_applies_each_item_alone(
    workspace_a, make_device, monkeypatch
):
    units = build_rental(workspace_a, make_device)

    def fails(self):
        raise DatabaseError("the connection went away")

    monkeypatch.setattr(batch_module._Batch, "_write", fails)
    outcomes = bookings_upsert_batch(
        workspace=workspace_a,
        items=[item(units, external_id="A"), item(units, external_id="BAD", nights=-1), item(units, "flat 2", external_id="C")],
        now=NOW,
    )  # fmt: skip
    assert [outcome.result for outcome in outcomes] == ["created", "failed", "created"]
    assert isinstance(outcomes[1].error, ValidationError)
    assert Booking.objects.for_workspace(workspace_a).count() == 2
    assert BookingCode.objects.for_workspace(workspace_a).count() == 5


def test_one_task_pushes_the_batch_and_running_it_again_creates_no_second_code(
    sandbox_workspace, django_capture_on_commit_callbacks
):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    door = Device.objects.for_workspace(workspace).get(name="Unit 2A Front Door")
    property = Property.objects.create(workspace=workspace, name="Maple Court", timezone="America/New_York")
    units = {"2A": Unit.objects.create(workspace=workspace, property=property, name="2A")}
    UnitDoor.objects.create(workspace=workspace, unit=units["2A"], device=door)
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = bookings_upsert_batch(
            workspace=workspace,
            items=[
                item(units, "2A", external_id="A"),
                item(units, "2A", external_id="B", check_in=6),
                item(units, "2A", external_id="C", check_in=9),
            ],
        )
    assert [outcome.result for outcome in outcomes] == ["created"] * 3
    (task,) = [entry.task for entry in OrmQ.objects.all()]
    assert task["func"] == "accesscodes.tasks.push_access_codes"
    code_ids = set(AccessCode.objects.for_workspace(workspace).values_list("pk", flat=True))
    assert task["args"][0] == workspace.pk and set(task["args"][1]) == code_ids and len(code_ids) == 3

    assert push_access_codes(*task["args"]) == {"created": 3}
    push_access_codes(*task["args"])  # run again, as a retried task would
    with seam_client_for_workspace(workspace) as client:
        on_lock = client.access_codes_list(device_id=door.seam_device_id)
    assert sorted(code["code"] for code in on_lock) == sorted(
        AccessCode.objects.for_workspace(workspace).values_list("code", flat=True)
    )
    assert set(AccessCode.objects.for_workspace(workspace).values_list("sync_state", flat=True)) == {
        "in_sync"
    }
