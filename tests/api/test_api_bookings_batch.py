"""POST /api/v1/bookings/batch/: up to 100 bookings in one request, each answered as POST /bookings/ would
answer it, in order; a failed item writes nothing and says why; a malformed request is 400 as a whole;
the new bookings of a request cost the same number of queries whatever their number."""

import pytest
from bookings_api_helpers import api_client, booking_body, days_ahead, rental
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesscodes.bookings.models import Booking, BookingCode
from accesscodes.bookings.services import booking_upsert

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/bookings/batch/"


@pytest.fixture
def api(workspace_a):
    return api_client(workspace_a)


@pytest.fixture
def place(workspace_a):
    return rental(workspace_a, external_id="L-1")


def test_each_item_is_answered_in_order_and_a_failed_item_writes_nothing(workspace_a, api, place):
    unit = place["unit"]
    existing = booking_upsert(
        workspace=workspace_a, source="hostaway", external_id="OLD", unit=unit,
        check_in=days_ahead(30), check_out=days_ahead(32),
    ).booking  # fmt: skip
    items = [
        booking_body(unit, external_id="A", check_in=days_ahead(3).isoformat(), check_out=days_ahead(5).isoformat()),
        {**booking_body(unit, external_id="B"), "unit_id": None, "unit_external_id": "L-1"},
        booking_body(unit, external_id="C", check_in=days_ahead(9).isoformat(), check_out=days_ahead(8).isoformat()),
        {**booking_body(unit, external_id="D"), "colour": "blue"},
        booking_body(unit, external_id="E", unit_id=unit.pk + 1000),
        booking_body(unit, external_id="OLD", guest_name="Grace Hopper",
                     check_in=days_ahead(30).isoformat(), check_out=days_ahead(32).isoformat()),
    ]  # fmt: skip
    items[1] = {key: value for key, value in items[1].items() if value is not None}

    response = api.post(BATCH, {"bookings": items}, format="json")

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(row["index"], row["result"]) for row in results] == [
        (0, "created"), (1, "created"), (2, "failed"), (3, "failed"), (4, "failed"), (5, "updated"),
    ]  # fmt: skip
    # Each booking as POST /bookings/ answers it: its codes on both doors, the planner's PIN.
    for row in (results[0], results[1]):
        booking = Booking.objects.for_workspace(workspace_a).get(pk=row["booking"]["id"])
        assert row["error"] is None and row["booking"]["pin"] == booking.pin
        assert sorted(code["device_id"] for code in row["booking"]["access_codes"]) == sorted(
            [place["entrance"].pk, place["front"].pk]
        )
    assert results[1]["booking"]["external_id"] == "B" and results[1]["booking"]["unit_id"] == unit.pk
    # The rule's own sentence, a refused field, an unknown unit: the error envelope's shape.
    assert results[2]["error"]["message"] == "Check-out must be after check-in."
    assert results[3]["error"]["validation_errors"] == {"colour": ["This field is not known."]}
    assert results[4]["error"] == {
        "type": "invalid_input",
        "message": "unit_id: No such unit in this workspace.",
        "validation_errors": {"unit_id": ["No such unit in this workspace."]},
    }
    assert all(row["booking"] is None for row in results[2:5])
    assert (
        results[5]["booking"]["id"] == existing.pk and results[5]["booking"]["guest_name"] == "Grace Hopper"
    )
    stored = set(Booking.objects.for_workspace(workspace_a).values_list("external_id", flat=True))
    assert stored == {"A", "B", "OLD"}
    assert (
        BookingCode.objects.for_workspace(workspace_a)
        .filter(booking__external_id__in=["C", "D", "E"])
        .count()
        == 0
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bookings": []}, "bookings"),
        ({"bookings": "all of them"}, "bookings"),
        ({"bookings": [1, 2]}, "bookings"),
        ({"bookings": [{}], "dry_run": True}, "dry_run"),
        ([{"external_id": "A"}], "non_field_errors"),
    ],
)
def test_a_malformed_request_is_400_as_a_whole(workspace_a, api, place, body, field):
    response = api.post(BATCH, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_input" and field in error["validation_errors"]
    assert not Booking.objects.for_workspace(workspace_a).exists()


def test_more_than_100_items_are_refused_whole(workspace_a, api, place):
    items = [booking_body(place["unit"], external_id=str(index)) for index in range(101)]
    response = api.post(BATCH, {"bookings": items}, format="json")
    assert response.status_code == 400
    assert "100" in response.json()["error"]["message"]
    assert not Booking.objects.for_workspace(workspace_a).exists()


def stays(place, count, *, first):
    """`count` new bookings, each unit holding one after the other, two nights every three days."""
    return [
        booking_body(
            place["unit"], external_id=f"S-{first + index}",
            check_in=days_ahead(3 + 3 * (first + index)).isoformat(),
            check_out=days_ahead(5 + 3 * (first + index)).isoformat(),
        )
        for index in range(count)
    ]  # fmt: skip


def test_new_bookings_cost_the_same_queries_whatever_their_number(workspace_a, api, place):
    api.post(BATCH, {"bookings": stays(place, 2, first=0)}, format="json")  # the token's first use
    counts = []
    for first, count in ((10, 5), (20, 40)):
        with CaptureQueriesContext(connection) as queries:
            response = api.post(BATCH, {"bookings": stays(place, count, first=first)}, format="json")
        assert [row["result"] for row in response.json()["results"]] == ["created"] * count
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_replayed_idempotency_key_answers_the_first_batch_again(workspace_a, api, place):
    body = {"bookings": stays(place, 3, first=0)}
    first = api.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY="import-7")
    again = api.post(BATCH, body, format="json", HTTP_IDEMPOTENCY_KEY="import-7")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Booking.objects.for_workspace(workspace_a).count() == 3
