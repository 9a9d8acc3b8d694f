"""Properties and units through the API: written by the property services (full_clean, door ids resolved in
the workspace, door sets replaced as a whole), deleting one with bookings is 409, lists cost a constant
number of queries."""

import pytest
from bookings_api_helpers import api_client, door, rental
from django.db import connection
from django.test.utils import CaptureQueriesContext
from matrix_objects_bookings import make_booking

from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace_a):
    return api_client(workspace_a)


def shared_doors(workspace, property_id):
    links = PropertySharedDoor.objects.for_workspace(workspace).filter(property_id=property_id)
    return sorted(links.values_list("device_id", flat=True))


def unit_doors(workspace, unit_id):
    return sorted(
        UnitDoor.objects.for_workspace(workspace).filter(unit_id=unit_id).values_list("device_id", flat=True)
    )


def test_create_a_property_with_shared_doors_and_the_workspace_zone_by_default(workspace_a, api):
    entrance, garage = door(workspace_a), door(workspace_a)
    response = api.post(
        "/api/v1/properties/",
        {"name": "Harbour Lofts", "shared_door_ids": [garage.pk, entrance.pk], "early_access_minutes": 30},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["timezone"] == workspace_a.timezone
    assert body["check_in_time"] == "15:00:00" and body["check_out_time"] == "11:00:00"
    assert body["early_access_minutes"] == 30 and body["pin_source"] == "phone_last_digits"
    assert sorted(body["shared_door_ids"]) == sorted([entrance.pk, garage.pk])
    assert shared_doors(workspace_a, body["id"]) == sorted([entrance.pk, garage.pk])


def test_patch_replaces_the_shared_doors_as_a_whole(workspace_a, api):
    place = rental(workspace_a)
    other = door(workspace_a)
    url = f"/api/v1/properties/{place['property'].pk}/"
    response = api.patch(url, {"shared_door_ids": [other.pk], "check_in_time": "16:00"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["shared_door_ids"] == [other.pk]
    assert response.json()["check_in_time"] == "16:00:00"
    assert shared_doors(workspace_a, place["property"].pk) == [other.pk]
    # Leaving the doors out of a patch keeps them.
    assert api.patch(url, {"name": "Renamed"}, format="json").json()["shared_door_ids"] == [other.pk]


def test_a_door_of_another_workspace_is_refused_and_nothing_changes(two_workspaces, api):
    workspace_a, workspace_b = two_workspaces
    place = rental(workspace_a)
    foreign = door(workspace_b)
    before = shared_doors(workspace_a, place["property"].pk)
    url = f"/api/v1/properties/{place['property'].pk}/"
    response = api.patch(url, {"shared_door_ids": [foreign.pk], "name": "Changed"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["validation_errors"] == {
        "shared_door_ids": [f"No device with id {foreign.pk} in this workspace."]
    }
    assert shared_doors(workspace_a, place["property"].pk) == before
    assert Property.objects.for_workspace(workspace_a).get().name == "Canal House"


def test_a_bad_field_value_leaves_the_doors_as_they_were(workspace_a, api):
    """The door set and the fields are one transaction: a refused timezone keeps the old doors."""
    place = rental(workspace_a)
    before = shared_doors(workspace_a, place["property"].pk)
    response = api.patch(
        f"/api/v1/properties/{place['property'].pk}/",
        {"shared_door_ids": [door(workspace_a).pk], "timezone": "Mars/Olympus"},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()["error"]["validation_errors"]
    assert shared_doors(workspace_a, place["property"].pk) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "colour": "blue"}, "colour"),
        ({"name": "X", "early_access_minutes": "soon"}, "early_access_minutes"),
        ({"name": "X", "pin_length": 3}, "pin_length"),
        ({"name": "X", "shared_door_ids": "12"}, "shared_door_ids"),
        ({"name": "X", "check_in_time": "3pm"}, "check_in_time"),
        ({"name": "X", "pin_source": "astrology"}, "pin_source"),
        ({"timezone": "Europe/Berlin"}, "name"),
    ],
)
def test_unknown_fields_and_wrong_types_are_400(workspace_a, api, body, field):
    response = api.post("/api/v1/properties/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_input"
    assert field in response.json()["error"]["validation_errors"]
    assert not Property.objects.for_workspace(workspace_a).exists()


def test_units_crud_with_door_sets_and_policy_overrides(workspace_a, api):
    place = rental(workspace_a)
    first, second = door(workspace_a), door(workspace_a)
    created = api.post(
        "/api/v1/units/",
        {
            "property_id": place["property"].pk,
            "name": "Flat 2",
            "external_id": "LISTING-2",
            "door_ids": [first.pk],
            "pin_source": "random",
            "late_access_minutes": 60,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    unit = created.json()
    assert unit["door_ids"] == [first.pk] and unit["pin_source"] == "random"
    assert unit["pin_length"] is None and unit["same_pin_on_every_door"] is None
    url = f"/api/v1/units/{unit['id']}/"
    patched = api.patch(url, {"door_ids": [second.pk, first.pk], "pin_source": None}, format="json")
    assert patched.status_code == 200, patched.content
    assert sorted(patched.json()["door_ids"]) == sorted([first.pk, second.pk])
    assert patched.json()["pin_source"] is None  # back to the property's
    assert Unit.objects.for_workspace(workspace_a).get(pk=unit["id"]).pin_source == ""
    assert api.get(url).json()["late_access_minutes"] == 60
    assert api.delete(url).status_code == 204
    assert not Unit.objects.for_workspace(workspace_a).filter(pk=unit["id"]).exists()
    assert unit_doors(workspace_a, unit["id"]) == []


def test_a_units_external_id_is_unique_in_the_workspace(workspace_a, api):
    place = rental(workspace_a, external_id="LISTING-1")
    response = api.post(
        "/api/v1/units/",
        {"property_id": place["property"].pk, "name": "Twin", "external_id": "LISTING-1"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Another unit of this workspace has this external id."


def test_a_unit_names_a_property_of_its_own_workspace(two_workspaces, api):
    workspace_a, workspace_b = two_workspaces
    foreign = rental(workspace_b)["property"]
    response = api.post("/api/v1/units/", {"property_id": foreign.pk, "name": "Sneaky"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["validation_errors"] == {
        "property_id": ["No property with this id in this workspace."]
    }
    assert not Unit.objects.for_workspace(workspace_a).exists()


def test_deleting_a_property_or_unit_with_bookings_is_409(workspace_a, api):
    booking = make_booking(workspace_a)
    unit = booking.unit
    response = api.delete(f"/api/v1/units/{unit.pk}/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "type": "conflict",
        "message": "Flat 1 has bookings: their codes and timelines need it. Cancel them and keep the unit.",
        "validation_errors": {},
    }
    response = api.delete(f"/api/v1/properties/{unit.property_id}/")
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("Canal House has bookings")
    assert Unit.objects.for_workspace(workspace_a).filter(pk=unit.pk).exists()


def test_deleting_a_property_without_bookings_deletes_its_units_and_door_links(workspace_a, api):
    place = rental(workspace_a)
    assert api.delete(f"/api/v1/properties/{place['property'].pk}/").status_code == 204
    assert not Property.objects.for_workspace(workspace_a).exists()
    assert not Unit.objects.for_workspace(workspace_a).exists()
    assert not UnitDoor.objects.for_workspace(workspace_a).exists()
    assert not PropertySharedDoor.objects.for_workspace(workspace_a).exists()


@pytest.mark.parametrize("path", ["/api/v1/properties/", "/api/v1/units/"])
def test_list_queries_do_not_grow_with_the_page(workspace_a, api, path):
    def queries_for(count):
        while Unit.objects.for_workspace(workspace_a).count() < count:
            rental(workspace_a)
        api.get(path)  # the token's first use of the minute records last_used_at
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, {"limit": 100})
        assert response.status_code == 200
        assert len(response.json()["results"]) == count
        assert all(row.get("door_ids", row.get("shared_door_ids")) for row in response.json()["results"])
        return len(captured)

    assert queries_for(2) == queries_for(12)
