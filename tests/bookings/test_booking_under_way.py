"""Stays under way and bookings made at the last minute, on a lock whose new codes must start ahead
(Kwikset: at least 15 minutes): a change during the stay keeps the guest's code (it is judged as a change
of that code, as Seam judges it, not as a new one), and a booking that starts now gets a code that starts
as soon as the lock allows instead of none."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.bookings.models import BookingCode, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.planner import Kind
from accesscodes.bookings.services import booking_replan, booking_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def rental(workspace_a, make_device):
    entrance = make_device(workspace_a, "august", name="Entrance")
    front = make_device(workspace_a, "kwikset", name="Front door", supported_code_lengths=[4, 5, 6, 7, 8])
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=front)
    return {"unit": unit, "entrance": entrance, "front": front}


def upsert(workspace, unit, *, check_in, check_out, now, guest_name="Ada Lovelace"):
    return booking_upsert(
        workspace=workspace, source="hostaway", external_id="B-1", unit=unit, guest_name=guest_name,
        guest_phone="+49 30 555 2468", check_in=check_in, check_out=check_out, now=now,
    )  # fmt: skip


def front_code(workspace, booking, front):
    link = BookingCode.objects.for_workspace(workspace).select_related("access_code")
    return link.get(booking=booking, device=front, released_at__isnull=True).access_code


def test_a_change_during_the_stay_keeps_the_guests_code_on_the_lock(workspace_a, rental):
    booked_at = timezone.now()
    check_in, check_out = booked_at + dt.timedelta(days=2), booked_at + dt.timedelta(days=5)
    booking = upsert(
        workspace_a, rental["unit"], check_in=check_in, check_out=check_out, now=booked_at
    ).booking
    code = front_code(workspace_a, booking, rental["front"])

    during = check_in + dt.timedelta(days=1)
    renamed = upsert(
        workspace_a, rental["unit"], check_in=check_in, check_out=check_out, now=during, guest_name="Ada King"
    )
    assert [step.action.value for step in renamed.steps] == ["update", "update"], renamed.steps
    assert front_code(workspace_a, booking, rental["front"]).pk == code.pk
    replanned = booking_replan(booking=booking, reason="Doors checked.", now=during)
    assert replanned.result == "unchanged"
    assert front_code(workspace_a, booking, rental["front"]).pk == code.pk


@pytest.mark.parametrize("check_in_from_now", [dt.timedelta(minutes=5), dt.timedelta(hours=-20)])
def test_a_last_minute_or_under_way_booking_gets_a_code_as_soon_as_the_lock_allows(
    workspace_a, rental, check_in_from_now
):
    now = timezone.now()
    outcome = upsert(
        workspace_a,
        rental["unit"],
        check_in=now + check_in_from_now,
        check_out=now + dt.timedelta(days=2),
        now=now,
    )
    planned = next(code for code in outcome.plan.codes if code.door_key == rental["front"].pk)
    assert planned.kind is Kind.ONLINE, planned.reasons
    assert now + dt.timedelta(minutes=15) < planned.starts_at <= now + dt.timedelta(minutes=18)
    assert "the earliest this lock accepts for a new code" in " ".join(planned.reasons)
    assert front_code(workspace_a, outcome.booking, rental["front"]).starts_at == planned.starts_at
