"""Bookings through the API: POST is an upsert (201 new, 200 updated), the answer holds what the planner
decided, PATCH merges with the stored booking, cancel and preview, filters, and a constant number of
queries per list page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bookings_api_helpers import api_client, booking_body, days_ahead, door, rental
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accesscodes.bookings.models import Booking, BookingCode, BookingEvent, UnitDoor
from accesscodes.bookings.retention import guest_data_redact
from accesscodes.bookings.services import booking_preview
from accesscodes.models import AccessCode

pytestmark = pytest.mark.django_db
BOOKINGS = "/api/v1/bookings/"


@pytest.fixture
def api(workspace_a):
    return api_client(workspace_a)


@pytest.fixture
def place(workspace_a):
    """Canal House (Berlin): an online entrance, an online front door and an offline igloohome gate."""
    place = rental(workspace_a, external_id="L-1")
    place["gate"] = door(workspace_a, "igloohome", name="Garden gate", timezone="Europe/Berlin")
    UnitDoor.objects.create(workspace=workspace_a, unit=place["unit"], device=place["gate"])
    return place


def moment(text):
    return parse_datetime(text) if text else None


def planned_rows(planned_codes):
    return sorted(
        (row["device_id"], row["kind"], row["code"], moment(row["starts_at"]), moment(row["ends_at"]))
        for row in planned_codes
    )


def code_rows(access_codes):
    return sorted(
        (row["device_id"], row["kind"], row["code"], moment(row["starts_at"]), moment(row["ends_at"]))
        for row in access_codes
    )


def stored_codes(workspace, booking_id):
    links = (
        BookingCode.objects.for_workspace(workspace)
        .filter(booking_id=booking_id, released_at__isnull=True)
        .select_related("access_code")
    )
    return {link.device_id: link.access_code for link in links}


def test_post_creates_201_then_updates_200_and_the_same_body_changes_nothing(workspace_a, api, place):
    body = booking_body(place["unit"])
    created = api.post(BOOKINGS, body, format="json")
    assert created.status_code == 201, created.content
    assert created["Booking-Result"] == "created"
    booking = created.json()
    assert booking["status"] == "confirmed" and booking["unit_id"] == place["unit"].pk
    assert booking["property_id"] == place["property"].pk
    assert booking["pin"] == "2468"
    assert booking["timeline_url"].endswith(f"/api/v1/events/?booking={booking['id']}")
    codes = stored_codes(workspace_a, booking["id"])
    assert {row["device_id"] for row in booking["access_codes"]} == set(codes)
    for row in booking["access_codes"]:
        access_code = codes[row["device_id"]]
        assert row["access_code_id"] == access_code.pk
        assert row["sync_state"] == access_code.sync_state == "pending_create"
        assert row["status"] == access_code.status
    events = BookingEvent.objects.for_workspace(workspace_a).count()

    again = api.post(BOOKINGS, body, format="json")
    assert again.status_code == 200 and again["Booking-Result"] == "unchanged"
    assert again.json()["id"] == booking["id"]
    assert BookingEvent.objects.for_workspace(workspace_a).count() == events

    moved = api.post(BOOKINGS, {**body, "check_out": days_ahead(13).isoformat()}, format="json")
    assert moved.status_code == 200 and moved["Booking-Result"] == "updated"
    assert Booking.objects.for_workspace(workspace_a).count() == 1
    front = next(row for row in moved.json()["access_codes"] if row["device_id"] == place["front"].pk)
    assert moment(front["ends_at"]).astimezone(ZoneInfo("Europe/Berlin")).date() == days_ahead(13)
    assert front["code"] == "2468"  # the PIN stays when the stay moves


def test_the_answer_holds_what_the_planner_decided(workspace_a, api, place):
    body = booking_body(place["unit"])
    preview = api.post(f"{BOOKINGS}preview/", body, format="json")
    assert preview.status_code == 200, preview.content
    planned = preview.json()["planned_codes"]
    the_plan, _ = booking_preview(
        workspace=workspace_a,
        unit=place["unit"],
        check_in=days_ahead(10),
        check_out=days_ahead(12),
        guest_name="Ada Lovelace",
        guest_phone="+49 30 555 2468",
        source="hostaway",
        external_id="B-1",
    )
    assert planned_rows(planned) == sorted(
        (code.door_key, code.kind.value, code.code, code.starts_at, code.ends_at) for code in the_plan.codes
    )
    assert {row["kind"] for row in planned} == {"online_time_bound", "offline_hourly_bound"}
    gate = next(row for row in planned if row["device_id"] == place["gate"].pk)
    assert gate["code"] is None and gate["reason"]  # the provider picks an offline PIN, and it says why
    assert not Booking.objects.for_workspace(workspace_a).exists()
    assert not AccessCode.objects.for_workspace(workspace_a).exists()

    created = api.post(BOOKINGS, body, format="json").json()
    assert code_rows(created["access_codes"]) == planned_rows(planned)


@pytest.mark.parametrize(
    ("zone", "day", "check_in_utc", "check_out_utc"),
    [
        # Clocks go forward that morning: 15:00 is CEST (+2), the day before check-out too.
        ("Europe/Berlin", "2027-03-28", "2027-03-28T13:00:00+00:00", "2027-03-30T09:00:00+00:00"),
        ("America/New_York", "2027-03-14", "2027-03-14T19:00:00+00:00", "2027-03-16T15:00:00+00:00"),
        # Clocks go back: 15:00 is CET (+1) on the day itself.
        ("Europe/Berlin", "2027-10-31", "2027-10-31T14:00:00+00:00", "2027-11-02T10:00:00+00:00"),
    ],
)
def test_a_date_alone_means_the_propertys_default_time_in_its_zone_on_a_dst_day(
    workspace_a, api, zone, day, check_in_utc, check_out_utc
):
    place = rental(workspace_a, timezone_name=zone)
    check_out = (dt.date.fromisoformat(day) + dt.timedelta(days=2)).isoformat()
    response = api.post(
        BOOKINGS, booking_body(place["unit"], check_in=day, check_out=check_out), format="json"
    )
    assert response.status_code == 201, response.content
    booking = response.json()
    assert moment(booking["check_in"]) == moment(check_in_utc)
    assert moment(booking["check_out"]) == moment(check_out_utc)
    local = moment(booking["check_in"]).astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (15, 0)


def test_an_older_update_is_ignored_and_says_so(workspace_a, api, place):
    newer = timezone.now().replace(microsecond=0)
    body = booking_body(place["unit"], source_updated_at=newer.isoformat())
    booking_id = api.post(BOOKINGS, body, format="json").json()["id"]
    stale = {
        **body,
        "guest_name": "Someone Else",
        "source_updated_at": (newer - dt.timedelta(minutes=5)).isoformat(),
    }
    response = api.post(BOOKINGS, stale, format="json")
    assert response.status_code == 200
    assert response["Booking-Result"] == "stale"
    answer = response.json()
    assert answer["guest_name"] == "Ada Lovelace"
    assert moment(answer["source_updated_at"]) == newer
    assert [alert["kind"] for alert in answer["alerts"]] == ["stale_update"]
    kinds = BookingEvent.objects.for_workspace(workspace_a).filter(booking_id=booking_id)
    assert kinds.filter(kind="stale_update_ignored").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"check_in": "tomorrow"}, "check_in"),
        ({"check_in": 20270101}, "check_in"),
        ({"unit_id": "one"}, "unit_id"),
        ({"status": "maybe"}, "status"),
        ({"guest_email": "not-an-address"}, "guest_email"),
        ({"source_updated_at": "yesterday"}, "source_updated_at"),
        ({"provided_pin": "12ab"}, "provided_pin"),
        ({"unit_id": None, "unit_external_id": "L-1"}, "unit_id"),
        ({"source": ["hostaway"]}, "source"),
    ],
)
def test_unknown_fields_and_wrong_types_are_400_and_save_nothing(workspace_a, api, place, change, field):
    body = {
        key: value for key, value in {**booking_body(place["unit"]), **change}.items() if value is not None
    }
    if "unit_external_id" in change:
        body["unit_id"] = place["unit"].pk  # both ways of naming the unit at once
    response = api.post(BOOKINGS, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_input" and field in error["validation_errors"]
    assert not Booking.objects.for_workspace(workspace_a).exists()


def test_check_out_before_check_in_is_400_with_the_rules_sentence(workspace_a, api, place):
    body = booking_body(
        place["unit"], check_in=days_ahead(12).isoformat(), check_out=days_ahead(10).isoformat()
    )
    response = api.post(BOOKINGS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Check-out must be after check-in."
    assert not Booking.objects.for_workspace(workspace_a).exists()


def test_a_unit_can_be_named_by_its_external_id(workspace_a, api, place):
    body = {**booking_body(place["unit"]), "unit_external_id": "L-1"}
    del body["unit_id"]
    response = api.post(BOOKINGS, body, format="json")
    assert response.status_code == 201
    assert response.json()["unit_id"] == place["unit"].pk


def test_patch_merges_with_the_stored_booking(workspace_a, api, place):
    booking = api.post(
        BOOKINGS, booking_body(place["unit"], guest_email="ada@example.com"), format="json"
    ).json()
    url = f"{BOOKINGS}{booking['id']}/"
    response = api.patch(url, {"check_out": days_ahead(14).isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert response["Booking-Result"] == "updated"
    patched = response.json()
    assert patched["guest_email"] == "ada@example.com" and patched["guest_name"] == "Ada Lovelace"
    assert patched["check_in"] == booking["check_in"]
    assert moment(patched["check_out"]).astimezone(ZoneInfo("Europe/Berlin")).date() == days_ahead(14)
    assert patched["pin"] == booking["pin"]
    # The same patch again changes nothing.
    assert (
        api.patch(url, {"check_out": days_ahead(14).isoformat()}, format="json")["Booking-Result"]
        == "unchanged"
    )


def test_patch_may_move_the_booking_to_another_unit(workspace_a, api, place):
    other = rental(workspace_a, external_id="L-2")
    booking = api.post(BOOKINGS, booking_body(place["unit"]), format="json").json()
    response = api.patch(f"{BOOKINGS}{booking['id']}/", {"unit_external_id": "L-2"}, format="json")
    assert response.status_code == 200, response.content
    moved = response.json()
    assert moved["unit_id"] == other["unit"].pk
    assert {row["device_id"] for row in moved["access_codes"]} == {other["entrance"].pk, other["front"].pk}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": "airbnb"}, "source"),
        ({"external_id": "B-2"}, "external_id"),
        ({"nights": 3}, "nights"),
        ({"check_out": "next week"}, "check_out"),
    ],
)
def test_patch_refuses_renaming_unknown_fields_and_wrong_types(workspace_a, api, place, change, field):
    api.post(BOOKINGS, booking_body(place["unit"]), format="json")
    before = Booking.objects.for_workspace(workspace_a).values().get()
    response = api.patch(f"{BOOKINGS}{before['id']}/", change, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["validation_errors"]
    assert Booking.objects.for_workspace(workspace_a).values().get() == before


def test_cancel_removes_the_online_codes_and_flags_the_offline_one(workspace_a, api, place):
    booking = api.post(BOOKINGS, booking_body(place["unit"]), format="json").json()
    codes = stored_codes(workspace_a, booking["id"])
    response = api.post(f"{BOOKINGS}{booking['id']}/cancel/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response["Booking-Result"] == "cancelled"
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["access_codes"] == []
    assert [(alert["kind"], alert["device_id"]) for alert in cancelled["alerts"]] == [
        ("offline_code_still_valid", place["gate"].pk)
    ]
    for device_id in (place["entrance"].pk, place["front"].pk):
        codes[device_id].refresh_from_db()
        assert codes[device_id].sync_state in {"pending_delete", "removed"}
    again = api.post(f"{BOOKINGS}{booking['id']}/cancel/", {}, format="json")
    assert again.status_code == 200 and again["Booking-Result"] == "unchanged"
    assert api.post(f"{BOOKINGS}{booking['id']}/cancel/", {"reason": "x"}, format="json").status_code == 400


def test_guest_data_reads_null_after_retention(workspace_a, api, place):
    booking = api.post(
        BOOKINGS, booking_body(place["unit"], guest_email="ada@example.com"), format="json"
    ).json()
    guest_data_redact(booking=Booking.objects.for_workspace(workspace_a).get(), now=timezone.now())
    answer = api.get(f"{BOOKINGS}{booking['id']}/").json()
    assert answer["guest_name"] is None and answer["guest_email"] is None and answer["guest_phone"] is None
    assert answer["pin"] is None and answer["guest_data_redacted_at"] is not None
    assert answer["external_id"] == "B-1"


def test_list_filters(workspace_a, api, place):
    other = rental(workspace_a, external_id="L-2")
    rows = [
        (place["unit"], "B-1", "Ada Lovelace", 10),
        (place["unit"], "B-2", "Grace Hopper", 20),
        (other["unit"], "B-3", "Alan Turing", 30),
    ]
    ids = {}
    for unit, external_id, guest, days in rows:
        body = booking_body(
            unit,
            external_id=external_id,
            guest_name=guest,
            check_in=days_ahead(days).isoformat(),
            check_out=days_ahead(days + 2).isoformat(),
        )
        ids[external_id] = api.post(BOOKINGS, body, format="json").json()["id"]
    api.post(f"{BOOKINGS}{ids['B-2']}/cancel/", {}, format="json")

    def found(**params):
        response = api.get(BOOKINGS, params)
        assert response.status_code == 200, response.content
        return {row["external_id"] for row in response.json()["results"]}

    assert found() == {"B-1", "B-2", "B-3"}
    assert found(unit=other["unit"].pk) == {"B-3"}
    assert found(status="cancelled") == {"B-2"}
    assert found(check_in_after=f"{days_ahead(15)}T00:00:00Z") == {"B-2", "B-3"}
    assert found(
        check_in_after=f"{days_ahead(15)}T00:00:00Z", check_in_before=f"{days_ahead(25)}T00:00:00Z"
    ) == {"B-2"}
    assert found(search="hopper") == {"B-2"}
    assert found(search="B-3") == {"B-3"}
    assert api.get(BOOKINGS, {"status": "maybe"}).status_code == 400
    assert api.get(BOOKINGS, {"check_in_after": "soon"}).status_code == 400
    # Offsets Python reads and PostgreSQL refuses (beyond ±15:59) are compared in UTC, not a 500.
    assert found(check_in_after=f"{days_ahead(15)}T21:41:00+21:41") == {"B-2", "B-3"}
    assert api.get(BOOKINGS, {"check_in_before": "0001-01-01T00:00:00+05:00"}).status_code == 400


def test_list_queries_do_not_grow_with_the_page(workspace_a, api, place):
    def queries_for(count):
        while Booking.objects.for_workspace(workspace_a).count() < count:
            number = Booking.objects.for_workspace(workspace_a).count()
            body = booking_body(
                place["unit"],
                external_id=f"Q-{number}",
                check_in=days_ahead(5 + 3 * number).isoformat(),
                check_out=days_ahead(6 + 3 * number).isoformat(),
            )
            assert api.post(BOOKINGS, body, format="json").status_code == 201
        with CaptureQueriesContext(connection) as captured:
            response = api.get(BOOKINGS, {"limit": 100})
        results = response.json()["results"]
        assert len(results) == count
        assert all(len(row["access_codes"]) == 3 for row in results)
        return len(captured)

    assert queries_for(2) == queries_for(10)


@pytest.mark.parametrize(
    "change",
    [
        {"check_in": "0001-01-01T00:30:00"},  # before Berlin's first offset: no UTC instant to convert to
        {"check_out": "9999-12-31T23:00:00-05:00"},
        {"check_in": "1999-12-31"},
        {"source_updated_at": "9999-01-01T00:00:00Z"},  # would make every later update look stale
    ],
)
@pytest.mark.parametrize("path", [BOOKINGS, f"{BOOKINGS}preview/"])
def test_a_stay_beyond_the_years_2000_to_2100_is_400_not_500(workspace_a, api, place, change, path):
    response = api.post(path, {**booking_body(place["unit"]), **change}, format="json")
    assert response.status_code == 400, response.content
    (field,) = change
    assert response.json()["error"]["validation_errors"][field] == [
        "Use a date between the years 2000 and 2100."
    ]
    assert not Booking.objects.for_workspace(workspace_a).exists()


def test_json_nested_deeper_than_the_parser_goes_is_400_not_500(workspace_a, api, place):
    response = api.post(BOOKINGS, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["type"] == "invalid_input"
