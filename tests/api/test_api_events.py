"""The timeline: booking events and access-code events merged newest first, filters, and a cursor over
both tables that stays stable while events are added and costs one query per table whatever the page."""

import datetime as dt

import pytest
from bookings_api_helpers import api_client, door
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from matrix_objects_bookings import make_booking

from accesscodes.bookings.api.events import SOURCES
from accesscodes.bookings.models import BookingCode, BookingEvent
from accesscodes.models import AccessCode, AccessCodeEvent, UnlockRecord
from accesscodes.services import access_code_create

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/events/"
BASE = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)


@pytest.fixture
def api(workspace_a):
    return api_client(workspace_a)


def clear_timeline(workspace):
    BookingEvent.objects.for_workspace(workspace).delete()
    AccessCodeEvent.objects.for_workspace(workspace).delete()


def booking_event(booking, seconds, kind="note"):
    return BookingEvent.objects.create(
        workspace_id=booking.workspace_id,
        booking=booking,
        kind=kind,
        message=f"booking {seconds}",
        created_at=BASE + dt.timedelta(seconds=seconds),
    )


def code_event(access_code, seconds, kind="note"):
    return AccessCodeEvent.objects.create(
        workspace_id=access_code.workspace_id,
        access_code=access_code,
        kind=kind,
        message=f"code {seconds}",
        created_at=BASE + dt.timedelta(seconds=seconds),
    )


def a_booking_code(workspace, booking):
    return AccessCode.objects.for_workspace(workspace).get(
        pk=BookingCode.objects.for_workspace(workspace).filter(booking=booking).values("access_code_id")[:1]
    )


def page_through(api, params, *, between_pages=None):
    seen, url, pages = [], EVENTS, 0
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [(row["source"], row["id"]) for row in body["results"]]
        pages += 1
        if body["next"] is None:
            return seen, pages
        if between_pages:
            between_pages()
        response = api.get(body["next"])


def test_both_tables_merge_newest_first_with_the_code_events_door_and_booking(workspace_a, api):
    booking = make_booking(workspace_a)
    access_code = a_booking_code(workspace_a, booking)
    clear_timeline(workspace_a)
    booking_event(booking, 1)
    code_event(access_code, 2)
    booking_event(booking, 3)
    rows = api.get(EVENTS).json()["results"]
    assert [(row["source"], row["message"]) for row in rows] == [
        ("booking", "booking 3"),
        ("access_code", "code 2"),
        ("booking", "booking 1"),
    ]
    code_row = rows[1]
    assert code_row["access_code_id"] == access_code.pk
    assert code_row["device_id"] == access_code.device_id
    assert code_row["booking_id"] == booking.pk
    assert rows[0]["access_code_id"] is None and rows[0]["device_id"] is None


def test_filters(workspace_a, api):
    first, second = make_booking(workspace_a), make_booking(workspace_a)
    first_code, second_code = a_booking_code(workspace_a, first), a_booking_code(workspace_a, second)
    loose = access_code_create(workspace=workspace_a, device=door(workspace_a), name="Cleaner", code="5821")
    clear_timeline(workspace_a)
    a = booking_event(first, 1, kind="received")
    b = code_event(first_code, 2, kind="set")
    c = booking_event(second, 3, kind="received")
    d = code_event(second_code, 4, kind="set")
    e = code_event(loose, 5, kind="set")

    def found(**params):
        response = api.get(EVENTS, params)
        assert response.status_code == 200, response.content
        return {(row["source"], row["id"]) for row in response.json()["results"]}

    def ids(*events):
        return {
            ("booking" if isinstance(event, BookingEvent) else "access_code", event.pk) for event in events
        }

    assert found() == ids(a, b, c, d, e)
    assert found(booking=first.pk) == ids(a, b)
    assert found(access_code=second_code.pk) == ids(d)
    assert found(device=loose.device_id) == ids(e)
    assert found(kind="set") == ids(b, d, e)
    assert found(since=(BASE + dt.timedelta(seconds=3)).isoformat()) == ids(c, d, e)
    assert found(booking=first.pk, kind="set") == ids(b)
    assert api.get(EVENTS, {"booking": "first"}).status_code == 400
    assert api.get(EVENTS, {"cursor": "not-a-cursor"}).status_code == 400
    assert api.get(EVENTS, {"limit": 501}).status_code == 400


def test_paging_is_stable_across_inserts_and_ties(workspace_a, api):
    booking = make_booking(workspace_a)
    access_code = a_booking_code(workspace_a, booking)
    clear_timeline(workspace_a)
    expected = []
    for second in range(12):
        # Both tables write an event in the same microsecond: the order still holds, and no row is lost.
        expected.append(("booking", booking_event(booking, second).pk))
        expected.append(("access_code", code_event(access_code, second).pk))
    expected.reverse()  # newest first: within a tick access_code (ranked after booking) comes first
    inserted = []

    def insert_newer():
        inserted.append(booking_event(booking, 1000 + len(inserted)))

    seen, pages = page_through(api, {"limit": 5}, between_pages=insert_newer)
    assert seen == expected
    assert pages == 5 and len(inserted) == 4
    assert [source for source, _ in expected[:2]] == ["access_code", "booking"]


def test_a_page_costs_one_query_per_source_whatever_its_depth_or_size(workspace_a, api):
    booking = make_booking(workspace_a)
    access_code = a_booking_code(workspace_a, booking)
    clear_timeline(workspace_a)
    for second in range(60):
        booking_event(booking, second)
        code_event(access_code, second)
    api.get(EVENTS)  # the token's first use of the minute records last_used_at

    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(EVENTS, params)
        assert response.status_code == 200
        return len(captured), response.json()

    small, first_page = queries({"limit": 5})
    large, _ = queries({"limit": 100})
    deep, _ = queries({"limit": 5, "cursor": first_page["next"].split("cursor=")[1]})
    assert small == large == deep
    # Authentication and the token's workspace aside, one query per source.
    with CaptureQueriesContext(connection) as captured:
        api.get(EVENTS, {"limit": 5})
    tables = [f'FROM "{model._meta.db_table}"' for model in (BookingEvent, AccessCodeEvent, UnlockRecord)]
    timeline_queries = [query for query in captured if any(table in query["sql"] for table in tables)]
    assert len(timeline_queries) == len(SOURCES) == 3


def test_a_guest_unlock_is_on_the_timeline_of_its_booking_and_door(workspace_a, api):
    booking = make_booking(workspace_a)
    access_code = a_booking_code(workspace_a, booking)
    clear_timeline(workspace_a)
    unlock = UnlockRecord.objects.create(
        workspace=workspace_a,
        device_id=access_code.device_id,
        access_code=access_code,
        occurred_at=BASE + dt.timedelta(seconds=5),
        method="keycode",
        seam_event_id="evt_unlock_1",
    )
    booking_event(booking, 1, kind="received")
    rows = api.get(EVENTS, {"booking": booking.pk}).json()["results"]
    assert [(row["source"], row["kind"]) for row in rows] == [
        ("unlock", "lock.unlocked"),
        ("booking", "received"),
    ]
    assert rows[0]["id"] == unlock.pk
    assert rows[0]["booking_id"] == booking.pk and rows[0]["access_code_id"] == access_code.pk
    assert rows[0]["created_at"] == (BASE + dt.timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
    by_door = api.get(EVENTS, {"device": access_code.device_id, "kind": "lock.unlocked"}).json()["results"]
    assert [row["id"] for row in by_door] == [unlock.pk]
