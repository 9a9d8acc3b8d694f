"""The admin's changelists cost the same queries whatever the number of rows, and few: the menu's
permission checks (one per registered model) are answered once per request, not once per model."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesscodes.bookings.models import Property, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from accesscodes.services import access_code_create
from portal.models import Role

pytestmark = pytest.mark.django_db
CHANGELISTS = [
    "admin:accesscodes_accesscode_changelist",
    "admin:bookings_booking_changelist",
    "admin:devices_device_changelist",
    "admin:bookings_unit_changelist",
    "admin:bookings_alert_changelist",
]
MOST_QUERIES = 15


def add_rows(workspace, make_device, property, count, *, first):
    start = timezone.now() + dt.timedelta(days=2)
    for number in range(first, first + count):
        door = make_device(workspace)
        access_code_create(
            workspace=workspace, device=door, name=f"Staff {number}",
            starts_at=start, ends_at=start + dt.timedelta(days=1),
        )  # fmt: skip
        unit = Unit.objects.create(workspace=workspace, property=property, name=f"Flat {number}")
        UnitDoor.objects.create(workspace=workspace, unit=unit, device=door)
        booking_upsert(
            workspace=workspace, source="test", external_id=str(number), unit=unit,
            check_in=start + dt.timedelta(days=3), check_out=start + dt.timedelta(days=5),
        )  # fmt: skip


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_changelist_costs_few_queries_whatever_its_rows(
    client, member, workspace_a, make_device, changelist
):
    client.force_login(member(workspace_a, Role.OWNER))
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    counts = []
    for first, count in ((0, 3), (3, 12)):
        add_rows(workspace_a, make_device, property, count, first=first)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(changelist))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= MOST_QUERIES, [query["sql"][:120] for query in queries]
