"""Creating and editing properties and units in the portal: owners and admins only, through the property
services (doors from the workspace's devices, refusals as field errors), another workspace's ids 404."""

import pytest
from django.urls import reverse

from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor
from portal.models import Role

pytestmark = pytest.mark.django_db


def url(name, *args, slug="alpha"):
    return reverse(name, args=[slug, *args])


@pytest.fixture
def admin_client(client, member, workspace_a):
    client.force_login(member(workspace_a, Role.ADMIN))
    return client


PROPERTY_FORM = {
    "name": "Harbour View",
    "timezone": "America/New_York",
    "check_in_time": "16:00",
    "check_out_time": "10:00",
    "pin_source": "random",
    "pin_length": "",
    "early_access_minutes": "30",
    "late_access_minutes": "0",
    "same_pin_on_every_door": "on",
    "offline_fallback": "on",
    "readiness_lead_minutes": "120",
    "guest_data_retention_days": "30",
}


def test_an_admin_creates_and_edits_a_property_with_its_shared_doors(admin_client, workspace_a, make_device):
    gate, entrance = make_device(workspace_a, name="Gate"), make_device(workspace_a, name="Entrance")
    assert "Shared doors" in admin_client.get(url("property_create")).content.decode()
    response = admin_client.post(url("property_create"), {**PROPERTY_FORM, "shared_door_ids": [gate.pk]})
    property = Property.objects.for_workspace(workspace_a).get(name="Harbour View")
    assert response.status_code == 302
    assert response["Location"] == url("property_detail", property.pk)
    assert (property.timezone, property.pin_source, property.early_access_minutes) == (
        "America/New_York",
        "random",
        30,
    )
    links = PropertySharedDoor.objects.for_workspace(workspace_a).filter(property=property)
    assert list(links.values_list("device_id", flat=True)) == [gate.pk]

    edit = admin_client.get(url("property_edit", property.pk))
    assert edit.context["form"].initial["name"] == "Harbour View"
    response = admin_client.post(
        url("property_edit", property.pk),
        {**PROPERTY_FORM, "name": "Harbour", "shared_door_ids": [entrance.pk]},
    )
    assert response.status_code == 302
    property.refresh_from_db()
    assert property.name == "Harbour"
    assert list(links.values_list("device_id", flat=True)) == [entrance.pk]


def test_bad_input_is_a_field_error_and_nothing_is_written(
    admin_client, workspace_a, workspace_b, make_device
):
    other_door = make_device(workspace_b, name="Bravo door")
    response = admin_client.post(
        url("property_create"), {**PROPERTY_FORM, "shared_door_ids": [other_door.pk]}
    )
    assert response.status_code == 400
    assert "shared_door_ids" in response.context["form"].errors
    # The service's own check (full_clean), shown on its field.
    response = admin_client.post(url("property_create"), {**PROPERTY_FORM, "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "is not an IANA timezone" in response.context["form"].errors["timezone"][0]
    response = admin_client.post(url("property_create"), {**PROPERTY_FORM, "early_access_minutes": "-5"})
    assert response.status_code == 400
    assert "early_access_minutes" in response.context["form"].errors
    assert not Property.objects.for_workspace(workspace_a).exists()


def test_an_admin_adds_a_unit_whose_empty_policy_follows_the_property(
    admin_client, workspace_a, property_with_doors, make_device
):
    property = property_with_doors["property"]
    door = make_device(workspace_a, name="6D door")
    form = {"name": "6D", "external_id": "L-6D", "same_pin_on_every_door": "unknown", "door_ids": [door.pk]}
    response = admin_client.post(url("unit_create", property.pk), form)
    assert response.status_code == 302
    unit = Unit.objects.for_workspace(workspace_a).get(name="6D")
    assert (unit.property_id, unit.external_id, unit.same_pin_on_every_door, unit.early_access_minutes) == (
        property.pk,
        "L-6D",
        None,
        None,
    )
    assert list(
        UnitDoor.objects.for_workspace(workspace_a).filter(unit=unit).values_list("device_id", flat=True)
    ) == [door.pk]
    # The same external id twice is the service's refusal, shown on its field.
    response = admin_client.post(url("unit_create", property.pk), {**form, "name": "6E", "door_ids": []})
    assert response.status_code == 400
    assert "Another unit of this workspace has this external id." in response.content.decode()

    response = admin_client.post(
        url("unit_edit", unit.pk), {**form, "early_access_minutes": "15", "door_ids": []}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.early_access_minutes == 15
    assert not UnitDoor.objects.for_workspace(workspace_a).filter(unit=unit).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
def test_viewers_and_managers_cannot_create_or_edit(client, member, workspace_a, property_with_doors, role):
    client.force_login(member(workspace_a, role))
    property, unit = property_with_doors["property"], property_with_doors["units"]["4B"]
    for page in [
        url("property_create"),
        url("property_edit", property.pk),
        url("unit_create", property.pk),
        url("unit_edit", unit.pk),
        url("settings_properties"),
    ]:
        assert client.get(page).status_code == 403, page
        assert client.post(page, {**PROPERTY_FORM, "name": "Taken over"}).status_code == 403, page
    property.refresh_from_db()
    assert property.name == "Maple Court"
    assert "Edit the property" not in client.get(url("property_detail", property.pk)).content.decode()


def test_another_workspaces_property_and_unit_are_404(alice_client, workspace_b):
    property = Property.objects.create(workspace=workspace_b, name="Bravo House", timezone="UTC")
    unit = Unit.objects.create(workspace=workspace_b, property=property, name="1")
    for page in [
        url("property_edit", property.pk),
        url("unit_create", property.pk),
        url("unit_edit", unit.pk),
    ]:
        assert alice_client.get(page).status_code == 404, page
        assert alice_client.post(page, {**PROPERTY_FORM, "name": "Mine"}).status_code == 404, page
    property.refresh_from_db()
    assert property.name == "Bravo House"
