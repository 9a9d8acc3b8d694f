"""The booking endpoints over real HTTP (pytest-django's live server, httpx): an Idempotency-Key replays
the first answer, and a booking system sending the same new booking several times at once gets one
booking, one 201 and 200s, never a 500."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from bookings_api_helpers import booking_body, rental

from accesscodes.bookings.models import Booking, BookingCode
from portal.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(live_server, workspace_a):
    _, clear = api_token_create(workspace=workspace_a, name="http")
    with httpx.Client(
        base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {clear}"}, timeout=30
    ) as client:
        yield client


def test_an_idempotency_key_replays_the_first_answer(workspace_a, http):
    body = booking_body(rental(workspace_a)["unit"])
    first = http.post("/bookings/", json=body, headers={"Idempotency-Key": "booking-B-1"})
    assert first.status_code == 201, first.text
    replay = http.post("/bookings/", json=body, headers={"Idempotency-Key": "booking-B-1"})
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    other_body = http.post(
        "/bookings/", json={**body, "guest_name": "Changed"}, headers={"Idempotency-Key": "booking-B-1"}
    )
    assert other_body.status_code == 422
    assert Booking.objects.for_workspace(workspace_a).count() == 1
    booking_id = first.json()["id"]
    read = http.get(f"/bookings/{booking_id}/").json()
    assert read["access_codes"] == first.json()["access_codes"]
    timeline = http.get(read["timeline_url"]).json()["results"]
    assert {"received", "planned", "code_created"} <= {event["kind"] for event in timeline}


def test_the_same_new_booking_sent_at_once_is_one_booking(workspace_a, http):
    body = booking_body(rental(workspace_a)["unit"])
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: http.post("/bookings/", json=body), range(6)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [201], [answer.text for answer in answers if answer.status_code >= 500]
    assert Booking.objects.for_workspace(workspace_a).count() == 1
    assert BookingCode.objects.for_workspace(workspace_a).count() == 2
