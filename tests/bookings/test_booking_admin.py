"""The bookings admin: bookings go through booking_upsert, everything is scoped, roles hold."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accesscodes.bookings.models import Booking, BookingCode, Property, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from portal.models import Role
from portal.services import membership_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_a(workspace_a, make_device):
    property = Property.objects.create(workspace=workspace_a, name="Alpha House", timezone="Europe/Paris")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="A1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=make_device(workspace_a, "august"))
    return unit


@pytest.fixture
def booking_b(workspace_b, make_device):
    property = Property.objects.create(workspace=workspace_b, name="Bravo House", timezone="UTC")
    unit = Unit.objects.create(workspace=workspace_b, property=property, name="B1")
    start = timezone.now() + dt.timedelta(days=3)
    return booking_upsert(
        workspace=workspace_b, source="x", external_id="b-1", unit=unit,
        check_in=start, check_out=start + dt.timedelta(days=1),
    ).booking  # fmt: skip


def test_a_booking_added_in_the_admin_gets_its_codes(alice_client, workspace_a, unit_a):
    check_in = (timezone.now() + dt.timedelta(days=5)).astimezone(dt.UTC)
    response = alice_client.post(
        reverse("admin:bookings_booking_add"),
        {
            "unit": unit_a.pk, "source": "direct", "external_id": "D-7", "guest_name": "Alan Turing",
            "guest_email": "", "guest_phone": "+44 20 5555 1357", "provided_pin": "",
            "check_in_0": check_in.strftime("%Y-%m-%d"), "check_in_1": "15:00:00",
            "check_out_0": (check_in + dt.timedelta(days=2)).strftime("%Y-%m-%d"), "check_out_1": "11:00:00",
            "status": "confirmed",
            "bookingevent_set-TOTAL_FORMS": "0", "bookingevent_set-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.for_workspace(workspace_a).get(external_id="D-7")
    link = BookingCode.objects.for_workspace(workspace_a).select_related("access_code").get(booking=booking)
    assert link.access_code.code == "1357"
    # Typed on the property's clock (Europe/Paris), not in UTC.
    assert booking.check_in.astimezone(ZoneInfo("Europe/Paris")).time() == dt.time(15)
    page = alice_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert page.status_code == 200
    assert b"PIN 1357" in page.content
    assert b"In Europe/Paris, the property's time zone." in page.content


def test_another_workspaces_booking_is_not_reachable_in_the_admin(alice_client, workspace_a, booking_b):
    response = alice_client.get(reverse("admin:bookings_booking_change", args=[booking_b.pk]))
    assert response.status_code == 302  # the admin sends an unknown object back to the index
    listing = alice_client.get(reverse("admin:bookings_booking_changelist"))
    assert b"b-1" not in listing.content


def test_the_booking_list_shows_stays_on_the_property_clock(alice_client, workspace_a, unit_a):
    paris = ZoneInfo("Europe/Paris")
    check_in = dt.datetime(2031, 1, 10, 15, tzinfo=paris)
    booking_upsert(
        workspace=workspace_a, source="x", external_id="p-1", unit=unit_a,
        check_in=check_in, check_out=check_in + dt.timedelta(days=2, hours=-4),
    )  # fmt: skip
    listing = alice_client.get(reverse("admin:bookings_booking_changelist"))
    assert "2031-01-10 15:00 → 2031-01-12 11:00 Europe/Paris" in listing.content.decode()


def test_a_viewer_reads_but_cannot_cancel(client, workspace_a, unit_a, member):
    start = timezone.now() + dt.timedelta(days=3)
    booking = booking_upsert(
        workspace=workspace_a, source="x", external_id="v-1", unit=unit_a,
        check_in=start, check_out=start + dt.timedelta(days=1),
    ).booking  # fmt: skip
    client.force_login(member(workspace_a, Role.VIEWER))
    assert client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).status_code == 200
    client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "cancel_bookings", "_selected_action": [booking.pk]},
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_managers_cannot_change_property_settings(client, workspace_a, unit_a, member):
    client.force_login(member(workspace_a, Role.MANAGER))
    response = client.post(
        reverse("admin:bookings_property_change", args=[unit_a.property_id]),
        {"name": "Renamed", "timezone": "UTC", "check_in_time": "15:00", "check_out_time": "11:00"},
    )
    assert response.status_code == 403
    unit_a.property.refresh_from_db()
    assert unit_a.property.name == "Alpha House"


def test_a_property_never_moves_to_another_workspace(client, two_workspaces, unit_a, make_user):
    """An admin of both workspaces could pick the other one in the property's workspace field: the property
    moved, while its units, doors and bookings stayed behind pointing at it."""
    workspace_a, workspace_b = two_workspaces
    both = make_user("both-admin")
    membership_set(workspace=workspace_a, user=both, role=Role.ADMIN)
    membership_set(workspace=workspace_b, user=both, role=Role.ADMIN)
    client.force_login(both)
    property = unit_a.property
    url = reverse("admin:bookings_property_change", args=[property.pk])
    form = client.get(url).context["adminform"].form
    unchanged = {name: form[name].value() for name in form.fields if form[name].value() is not None}

    response = client.post(url, {**unchanged, "workspace": workspace_b.pk})

    property.refresh_from_db()
    assert property.workspace == workspace_a
    assert response.status_code in (200, 302)
