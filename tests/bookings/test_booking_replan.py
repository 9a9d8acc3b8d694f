"""A unit's or property's doors or code policy change after bookings were planned: the bookings still to
come or under way are planned again (a task queued on commit), so every guest holds a code on every door
of the stay and none on a door the unit no longer has; cancelled and past stays are left alone. The same
holds for edits in the Django admin, which bypass the services."""

import datetime as dt

import pytest
from django.urls import reverse
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
from accesscodes.bookings.property_services import property_update, unit_update
from accesscodes.bookings.services import booking_cancel, booking_upsert
from accesscodes.bookings.tasks import replan_bookings
from accesscodes.models import AccessCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def rental(workspace_a, make_device):
    entrance = make_device(workspace_a, "august", name="Entrance")
    front = make_device(workspace_a, "kwikset", name="Front door", supported_code_lengths=[4, 5, 6, 7, 8])
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1", external_id="L-1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=front)
    return {"property": property, "unit": unit, "entrance": entrance, "front": front}


def stay(workspace, unit, external_id, *, starts_in_days, nights=2):
    now = timezone.now()
    return booking_upsert(
        workspace=workspace, source="hostaway", external_id=external_id, unit=unit,
        guest_name="Ada Lovelace", guest_phone="+49 30 555 2468",
        check_in=now + dt.timedelta(days=starts_in_days), check_out=now + dt.timedelta(days=starts_in_days + nights),
    ).booking  # fmt: skip


@pytest.fixture
def bookings(workspace_a, rental):
    unit = rental["unit"]
    stays = {
        "coming": stay(workspace_a, unit, "COMING", starts_in_days=10),
        "under way": stay(workspace_a, unit, "UNDER-WAY", starts_in_days=-1),
        "cancelled": stay(workspace_a, unit, "CANCELLED", starts_in_days=20),
        "over": stay(workspace_a, unit, "OVER", starts_in_days=-5, nights=1),
    }
    booking_cancel(booking=stays["cancelled"])
    return stays


def doors_holding_codes(workspace, booking) -> set[int]:
    links = BookingCode.objects.for_workspace(workspace).filter(booking=booking, released_at__isnull=True)
    return set(links.values_list("device_id", flat=True))


def run_queued_replans():
    """Run the replan tasks queued on commit, as a worker would; what they returned."""
    tasks = [
        task for task in OrmQ.objects.all() if task.func() == "accesscodes.bookings.tasks.replan_bookings"
    ]
    results = [replan_bookings(*task.task["args"]) for task in tasks]
    OrmQ.objects.filter(pk__in=[task.pk for task in tasks]).delete()
    return results


def test_a_door_added_to_a_unit_gets_the_codes_of_its_coming_and_current_guests(
    workspace_a, rental, bookings, make_device, django_capture_on_commit_callbacks
):
    patio = make_device(workspace_a, "august", name="Patio door")
    with django_capture_on_commit_callbacks(execute=True):
        unit_update(unit=rental["unit"], door_ids=[rental["front"].pk, patio.pk])

    assert run_queued_replans() == [{"updated": 2, "unchanged": 0, "failed": 0}]
    every_door = {rental["entrance"].pk, rental["front"].pk, patio.pk}
    assert doors_holding_codes(workspace_a, bookings["coming"]) == every_door
    # The stay under way gets the new door's code too (Kwikset refused its front door a code that starts
    # in the past when it was booked; that refusal stands).
    assert patio.pk in doors_holding_codes(workspace_a, bookings["under way"])
    assert patio.pk not in doors_holding_codes(workspace_a, bookings["cancelled"])
    assert patio.pk not in doors_holding_codes(workspace_a, bookings["over"])
    # The guest keeps one PIN: the new door gets the PIN the other doors hold.
    coming = Booking.objects.for_workspace(workspace_a).get(pk=bookings["coming"].pk)
    pins = set(
        AccessCode.objects.for_workspace(workspace_a)
        .filter(
            pk__in=BookingCode.objects.for_workspace(workspace_a).filter(booking=coming).values("access_code")
        )
        .values_list("code", flat=True)
    )
    assert pins == {coming.pin}
    entry = BookingEvent.objects.for_workspace(workspace_a).filter(booking=coming, kind="replanned").get()
    assert entry.message == "The doors of Flat 1 changed: the codes were planned again."


def test_a_door_a_unit_lost_has_its_guests_codes_removed(
    workspace_a, rental, bookings, django_capture_on_commit_callbacks
):
    coming = bookings["coming"]
    front_code = BookingCode.objects.for_workspace(workspace_a).get(booking=coming, device=rental["front"])
    with django_capture_on_commit_callbacks(execute=True):
        unit_update(unit=rental["unit"], door_ids=[])
    run_queued_replans()
    assert doors_holding_codes(workspace_a, coming) == {rental["entrance"].pk}
    code = AccessCode.objects.for_workspace(workspace_a).get(pk=front_code.access_code_id)
    assert code.sync_state in (AccessCode.SyncState.PENDING_DELETE, AccessCode.SyncState.REMOVED)


def test_a_shared_door_added_to_a_property_reaches_every_unit(
    workspace_a, rental, bookings, make_device, django_capture_on_commit_callbacks
):
    other_unit = Unit.objects.create(workspace=workspace_a, property=rental["property"], name="Flat 2")
    other = stay(workspace_a, other_unit, "OTHER", starts_in_days=4)
    garage = make_device(workspace_a, "august", name="Garage")
    with django_capture_on_commit_callbacks(execute=True):
        property_update(property=rental["property"], shared_door_ids=[rental["entrance"].pk, garage.pk])
    run_queued_replans()
    assert garage.pk in doors_holding_codes(workspace_a, bookings["coming"])
    assert doors_holding_codes(workspace_a, other) == {rental["entrance"].pk, garage.pk}


def test_a_longer_early_access_moves_the_start_of_the_coming_codes(
    workspace_a, rental, bookings, django_capture_on_commit_callbacks
):
    coming = bookings["coming"]
    link = (
        BookingCode.objects.for_workspace(workspace_a)
        .select_related("access_code")
        .filter(booking=coming)
        .first()
    )
    before = link.access_code.starts_at
    with django_capture_on_commit_callbacks(execute=True):
        property_update(property=rental["property"], early_access_minutes=120)
    run_queued_replans()
    link.access_code.refresh_from_db()
    assert link.access_code.starts_at < before
    entry = BookingEvent.objects.for_workspace(workspace_a).filter(booking=coming, kind="replanned").get()
    assert entry.message == "The code policy of Canal House changed: the codes were planned again."


def test_a_change_the_codes_do_not_depend_on_queues_nothing(
    workspace_a, rental, bookings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        unit_update(unit=rental["unit"], name="Flat One", door_ids=[rental["front"].pk])
        property_update(property=rental["property"], readiness_lead_minutes=90)
    assert run_queued_replans() == []


def test_a_booking_that_fails_to_replan_is_recorded_and_the_others_go_on(
    workspace_a, rental, bookings, monkeypatch
):
    from accesscodes.bookings import tasks

    real = tasks.booking_replan

    def failing_for_the_coming_stay(*, booking, **kwargs):
        if booking.pk == bookings["coming"].pk:
            raise RuntimeError("lock table full")
        return real(booking=booking, **kwargs)

    monkeypatch.setattr(tasks, "booking_replan", failing_for_the_coming_stay)
    result = replan_bookings(workspace_a.pk, [rental["unit"].pk], "Doors changed.")
    assert result == {"updated": 0, "unchanged": 1, "failed": 1}
    entry = BookingEvent.objects.for_workspace(workspace_a).get(
        booking=bookings["coming"], kind="replan_failed"
    )
    assert "lock table full" in entry.message


def test_a_door_added_in_the_admin_replans_too(
    admin_client, workspace_a, rental, bookings, make_device, django_capture_on_commit_callbacks
):
    """The door inlines (shown to superusers: workspace members change doors on the portal's pages)."""
    patio = make_device(workspace_a, "august", name="Patio door")
    unit = rental["unit"]
    door_link = UnitDoor.objects.for_workspace(workspace_a).get(unit=unit)
    # The door links have no reverse accessor: the admin names their formsets "-1" (doors), "-2" (feeds).
    form = {
        "property": rental["property"].pk, "name": unit.name, "external_id": unit.external_id,
        "pin_source": unit.pin_source, "offline_fallback": unit.offline_fallback,
        "-1-TOTAL_FORMS": "2", "-1-INITIAL_FORMS": "1",
        "-1-0-id": door_link.pk, "-1-0-unit": unit.pk, "-1-0-device": rental["front"].pk,
        "-1-1-unit": unit.pk, "-1-1-device": patio.pk,
        "-2-TOTAL_FORMS": "0", "-2-INITIAL_FORMS": "0",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client_post(admin_client, reverse("admin:bookings_unit_change", args=[unit.pk]), form)
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ][:20]
    assert run_queued_replans() == [{"updated": 2, "unchanged": 0, "failed": 0}]
    assert patio.pk in doors_holding_codes(workspace_a, bookings["coming"])


def client_post(client, url, form):
    return client.post(url, {name: value for name, value in form.items() if value is not None})
