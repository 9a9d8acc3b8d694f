"""GET/POST /api/v1/access-codes/, GET/PATCH/DELETE /api/v1/access-codes/{id}/ and pull-backup: Seam's field
names, writes through the services, the provider's refusals, filters and the booking that owns a code."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accesscodes.bookings.models import Property, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts
from accesscodes.providers import deletion_block_reason, describe_rules, modification_block_reason
from accesscodes.services import access_code_create
from accesscodes.sync.converge import access_code_converge
from devices.models import Device
from devices.services import device_sync

pytestmark = pytest.mark.django_db

LIST = "/api/v1/access-codes/"


def detail(access_code) -> str:
    return f"{LIST}{access_code.pk}/"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def soon(days=1, hours=0) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days, hours=hours)).replace(microsecond=0)


def test_create_goes_through_the_service_and_answers_in_seams_field_names(api_a, workspace_a, make_device):
    device = make_device(workspace_a)
    starts, ends = soon(1), soon(3)
    response = api_a.post(
        LIST,
        {"device_id": device.pk, "name": "Guest Ada", "starts_at": iso(starts), "ends_at": iso(ends)},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert body["id"] == access_code.pk
    assert body["device_id"] == device.pk
    assert body["name"] == "Guest Ada"
    assert body["code"] == access_code.code and len(body["code"]) in device.supported_code_lengths
    assert body["type"] == "time_bound"
    assert (body["status"], body["sync_state"]) == ("unset", "pending_create")
    assert dt.datetime.fromisoformat(body["starts_at"]) == starts
    assert body["booking_id"] is None
    assert body["lock_local_window"] is None  # an August lock reports no zone
    history = AccessCodeEvent.objects.for_workspace(workspace_a).filter(access_code=access_code)
    assert [event.kind for event in history] == ["created"]


def test_another_workspaces_device_is_no_such_device(api_a, workspace_b, make_device):
    foreign = make_device(workspace_b)
    response = api_a.post(LIST, {"device_id": foreign.pk, "name": "Guest"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_input"
    assert error["validation_errors"] == {"device_id": ["No such device in this workspace."]}
    assert not AccessCode.objects.for_workspace(workspace_b).exists()


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        pytest.param({"pin": "1234"}, "pin", "not known", id="unknown-field"),
        pytest.param({"is_one_time_use": "sometimes"}, "is_one_time_use", "valid boolean", id="wrong-type"),
        pytest.param({"starts_at": "2030-01-01T10:00:00"}, "starts_at", "UTC offset", id="naive-time"),
        pytest.param({"max_time_rounding": "2h"}, "max_time_rounding", "not a valid choice", id="rounding"),
        pytest.param({"name": None}, "name", "may not be null", id="null-name"),
    ],
)
def test_bad_input_is_400_and_saves_nothing(api_a, workspace_a, make_device, body, field, fragment):
    device = make_device(workspace_a)
    response = api_a.post(LIST, {"device_id": device.pk, "name": "Guest", **body})
    assert response.status_code == 400
    assert fragment in response.json()["error"]["validation_errors"][field][0]
    assert not AccessCode.objects.for_workspace(workspace_a).exists()


def test_a_removed_device_is_refused_with_the_services_sentence(api_a, workspace_a, make_device):
    device = make_device(workspace_a, removed_at=timezone.now())
    response = api_a.post(LIST, {"device_id": device.pk, "name": "Guest"})
    assert response.status_code == 400
    assert response.json()["error"]["validation_errors"] == {
        "device_id": ["This device was removed from Seam; codes cannot be programmed on it."]
    }


def test_patch_changes_through_the_service_and_refuses_create_only_fields(api_a, workspace_a, make_device):
    access_code = access_code_create(workspace=workspace_a, device=make_device(workspace_a), name="Old")
    response = api_a.patch(detail(access_code), {"name": "New", "code": "4812"})
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["code"]) == ("New", "4812")
    history = AccessCodeEvent.objects.for_workspace(workspace_a).filter(access_code=access_code)
    assert history.first().message == "Changed code, name in the portal."

    refused = api_a.patch(detail(access_code), {"device_id": 1, "is_offline_access_code": True})
    assert refused.status_code == 400
    assert set(refused.json()["error"]["validation_errors"]) == {"device_id", "is_offline_access_code"}
    assert "cannot be changed" in refused.json()["error"]["message"]


def test_put_is_not_an_operation(api_a, workspace_a, make_device):
    access_code = access_code_create(workspace=workspace_a, device=make_device(workspace_a), name="Guest")
    response = api_a.put(detail(access_code), {"name": "New"})
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "method_not_allowed"


def test_delete_answers_202_and_removes_through_the_service(api_a, workspace_a, make_device):
    device = make_device(workspace_a)
    never_sent = access_code_create(workspace=workspace_a, device=device, name="Never sent")
    in_seam = access_code_create(workspace=workspace_a, device=device, name="In Seam")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=in_seam.pk).update(
        seam_access_code_id="seam-code-1", sync_state="in_sync"
    )

    first = api_a.delete(detail(never_sent))
    assert first.status_code == 202
    assert (first.json()["sync_state"], first.json()["is_removed"]) == ("removed", True)
    second = api_a.delete(detail(in_seam))
    assert second.status_code == 202
    assert second.json()["sync_state"] == "pending_delete"
    assert api_a.delete(detail(in_seam)).status_code == 202  # deleting twice is not an error


@pytest.fixture
def offline_code(workspace_a, make_device):
    device = make_device(workspace_a, "igloohome", timezone="Europe/London")
    start = soon(2).replace(minute=0, second=0)
    return access_code_create(
        workspace=workspace_a,
        device=device,
        name="Offline guest",
        starts_at=start,
        ends_at=start + dt.timedelta(days=2),
        is_offline_access_code=True,
    )


def test_deleting_an_offline_code_is_409_with_the_providers_message(api_a, workspace_a, offline_code):
    expected = deletion_block_reason(device=device_facts(offline_code.device), code=code_draft(offline_code))
    response = api_a.delete(detail(offline_code))
    assert response.status_code == 409
    assert response.json()["error"] == {"type": "conflict", "message": expected, "validation_errors": {}}
    offline_code.refresh_from_db()
    assert offline_code.sync_state == "pending_create" and offline_code.removed_at is None


def test_changing_an_offline_code_is_409_with_the_providers_message(api_a, offline_code):
    expected = modification_block_reason(
        device=device_facts(offline_code.device), code=code_draft(offline_code)
    )
    response = api_a.patch(detail(offline_code), {"name": "Renamed"})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == expected
    offline_code.refresh_from_db()
    assert offline_code.name == "Offline guest"


def test_lock_local_window_is_on_the_locks_clock_across_a_dst_change(api_a, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")  # America/Los_Angeles
    # 2030-03-10 is the day the clocks go forward in Los Angeles: 01:00 PST, then 03:00 PDT.
    starts = dt.datetime(2030, 3, 10, 9, 0, tzinfo=dt.UTC)
    ends = dt.datetime(2030, 3, 10, 11, 0, tzinfo=dt.UTC)
    response = api_a.post(
        LIST,
        {
            "device_id": device.pk,
            "name": "Guest",
            "code": "4812",
            "starts_at": iso(starts),
            "ends_at": iso(ends),
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["lock_local_window"] == {
        "starts_at": "2030-03-10T01:00:00-08:00",
        "ends_at": "2030-03-10T04:00:00-07:00",
        "timezone": "America/Los_Angeles",
    }


@pytest.fixture
def booked_unit(workspace_a, make_device):
    property = Property.objects.create(workspace=workspace_a, name="Maple Court", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="4B")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=make_device(workspace_a))
    return unit


def book(workspace, unit, external_id, days_ahead=10):
    check_in = timezone.now() + dt.timedelta(days=days_ahead)
    return booking_upsert(
        workspace=workspace, source="pms", external_id=external_id, unit=unit, guest_name="Ada",
        guest_phone="+49 30 5550147", check_in=check_in, check_out=check_in + dt.timedelta(days=2),
    ).booking  # fmt: skip


def test_booking_id_names_the_booking_that_owns_the_code(api_a, workspace_a, booked_unit, make_device):
    booking = book(workspace_a, booked_unit, "B-1")
    loose = access_code_create(workspace=workspace_a, device=make_device(workspace_a), name="Cleaner")
    listed = {row["id"]: row["booking_id"] for row in api_a.get(LIST).json()["results"]}
    assert listed[loose.pk] is None
    owned = [pk for pk, booking_id in listed.items() if booking_id == booking.pk]
    assert len(owned) == 1
    assert api_a.get(f"{LIST}{owned[0]}/").json()["booking_id"] == booking.pk

    assert [row["id"] for row in api_a.get(LIST, {"has_booking": "true"}).json()["results"]] == owned
    assert [row["id"] for row in api_a.get(LIST, {"has_booking": "false"}).json()["results"]] == [loose.pk]


def test_filters(api_a, workspace_a, make_device):
    august, igloo = make_device(workspace_a), make_device(workspace_a, "igloohome", timezone="Europe/London")
    online = access_code_create(workspace=workspace_a, device=august, name="Online")
    start = soon(2).replace(minute=0, second=0)
    offline = access_code_create(
        workspace=workspace_a, device=igloo, name="Offline", starts_at=start,
        ends_at=start + dt.timedelta(days=1), is_offline_access_code=True,
    )  # fmt: skip
    removed = access_code_create(workspace=workspace_a, device=august, name="Gone")
    api_a.delete(detail(removed))
    AccessCode.objects.for_workspace(workspace_a).filter(pk=online.pk).update(
        status="set", sync_state="in_sync", errors=[{"error_code": "x", "message": "y"}]
    )

    def ids(**params):
        response = api_a.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [offline.pk, online.pk]
    assert ids(include_removed="true") == [removed.pk, offline.pk, online.pk]
    assert ids(device_id=igloo.pk) == [offline.pk]
    assert ids(status="set") == [online.pk]
    assert ids(sync_state="pending_create") == [offline.pk]
    assert ids(type="ongoing") == [online.pk]
    assert ids(is_offline_access_code="true") == [offline.pk]
    assert ids(has_errors="true") == [online.pk]
    assert ids(search="offl") == [offline.pk]
    assert ids(is_managed="false") == []
    for bad in ({"status": "sett"}, {"is_offline_access_code": "yes"}, {"device_id": "x"}):
        response = api_a.get(LIST, bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["type"] == "invalid_input"


def test_pull_backup_through_the_sandbox(sandbox_workspace, token_client):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    device = Device.objects.for_workspace(workspace).filter(manufacturer="schlage").first()
    api = token_client(workspace)
    start = soon(1).replace(minute=0, second=0)
    created = api.post(
        LIST,
        {
            "device_id": device.pk, "name": "Guest", "starts_at": iso(start),
            "ends_at": iso(start + dt.timedelta(days=1)), "use_backup_access_code_pool": True,
        },
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    url = f"{LIST}{created.json()['id']}/pull-backup/"
    not_yet = api.post(url)
    assert not_yet.status_code == 409
    assert not_yet.json()["error"]["message"] == "This code has not reached Seam yet."

    assert access_code_converge(workspace=workspace, access_code_id=created.json()["id"]) == "created"
    pulled = api.post(url)
    assert pulled.status_code == 200, pulled.json()
    backup = pulled.json()["backup_access_code"]
    assert backup["code"] and backup["access_code_id"]
    assert pulled.json()["access_code"]["backup_access_code"] == backup
    assert api.post(url).json()["backup_access_code"] == backup  # the same backup every time


def test_pull_backup_without_the_pool_is_409(api_a, workspace_a, make_device):
    access_code = access_code_create(workspace=workspace_a, device=make_device(workspace_a), name="Guest")
    response = api_a.post(f"{detail(access_code)}pull-backup/")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "This code was not created with the device's backup code pool."
    )


def queries_for(client, url, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize(
    ("url", "filters"),
    [
        ("/api/v1/access-codes/", {}),
        ("/api/v1/access-codes/", {"has_booking": "false", "include_removed": "true"}),
        ("/api/v1/devices/", {}),
    ],
)
def test_list_queries_do_not_grow_with_the_page(url, filters, api_a, workspace_a, make_device, booked_unit):
    devices = [make_device(workspace_a, manufacturer) for manufacturer in ("august", "ultraloq")] * 3
    for index in range(24):
        access_code_create(workspace=workspace_a, device=devices[index % 6], name=f"Guest {index}")
    for index in range(3):
        book(workspace_a, booked_unit, f"B-{index}", days_ahead=10 + 5 * index)
    api_a.get(url)  # the token's last_used_at is written once a minute, not on every request
    small, small_rows = queries_for(api_a, url, {**filters, "limit": 2})
    large, large_rows = queries_for(api_a, url, {**filters, "limit": 500})
    assert (small_rows, large_rows > small_rows) == (2, True)
    assert small == large
    assert large <= 6


def test_the_device_api_lists_the_doors_rule_sentences(api_a, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")
    sentences = api_a.get(f"/api/v1/devices/{device.pk}/").json()["code_rules"]["sentences"]
    assert sentences == describe_rules(device_facts(device))
    assert any("4 to 8 digits" in sentence or "4-8" in sentence for sentence in sentences), sentences
