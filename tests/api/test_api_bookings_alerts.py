"""Alerts through the API: open and resolved ones with filters, a manager resolving one by hand (recorded on
the booking's timeline), and a constant number of queries per page."""

import pytest
from bookings_api_helpers import api_client
from django.db import connection
from django.test.utils import CaptureQueriesContext
from matrix_objects_bookings import make_booking

from accesscodes.bookings.alerts import alert_open
from accesscodes.bookings.models import Alert, BookingEvent

pytestmark = pytest.mark.django_db
ALERTS = "/api/v1/alerts/"


@pytest.fixture
def api(workspace_a):
    return api_client(workspace_a)


def open_alert(booking, kind=Alert.Kind.STALE_UPDATE, message="An old update was ignored."):
    return alert_open(booking=booking, device_id=None, kind=kind, message=message)


def test_resolve_by_hand_records_who_and_is_idempotent(workspace_a, api):
    booking = make_booking(workspace_a)
    alert = open_alert(booking)
    response = api.post(f"{ALERTS}{alert.pk}/resolve/", {}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["open"] is False and answer["resolved_at"] is not None
    assert answer["booking_id"] == booking.pk and answer["kind"] == "stale_update"
    events = BookingEvent.objects.for_workspace(workspace_a).filter(booking=booking, kind="alert_resolved")
    assert events.count() == 1
    assert events.get().message.startswith("Alert resolved by hand (API token lp_")
    again = api.post(f"{ALERTS}{alert.pk}/resolve/", {}, format="json")
    assert again.status_code == 200 and again.json()["resolved_at"] == answer["resolved_at"]
    assert events.count() == 1
    # The booking no longer lists it among its open alerts.
    assert api.get(f"/api/v1/bookings/{booking.pk}/").json()["alerts"] == []


def test_filters_open_kind_and_booking(workspace_a, api):
    first, second = make_booking(workspace_a), make_booking(workspace_a)
    stale = open_alert(first)
    pin = open_alert(second, kind=Alert.Kind.PIN_CHANGED, message="The PIN had to change.")
    resolved = open_alert(second)
    api.post(f"{ALERTS}{resolved.pk}/resolve/", {}, format="json")

    def found(**params):
        response = api.get(ALERTS, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert found() == {stale.pk, pin.pk, resolved.pk}
    assert found(open="true") == {stale.pk, pin.pk}
    assert found(open="false") == {resolved.pk}
    assert found(kind="pin_changed") == {pin.pk}
    assert found(booking=second.pk) == {pin.pk, resolved.pk}
    assert found(booking=second.pk, open="true") == {pin.pk}
    assert api.get(ALERTS, {"open": "yes"}).status_code == 400
    assert api.get(ALERTS, {"kind": "fire"}).status_code == 400


def test_list_queries_do_not_grow_with_the_page(workspace_a, api):
    def queries_for(count):
        while Alert.objects.for_workspace(workspace_a).count() < count:
            open_alert(make_booking(workspace_a))
        api.get(ALERTS)  # the token's first use of the minute records last_used_at
        with CaptureQueriesContext(connection) as captured:
            response = api.get(ALERTS, {"limit": 100})
        assert len(response.json()["results"]) == count
        return len(captured)

    assert queries_for(2) == queries_for(8)
