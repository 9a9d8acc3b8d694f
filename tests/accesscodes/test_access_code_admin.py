import pytest
from django.urls import reverse

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from portal.models import Role


@pytest.fixture
def codes_in_both(two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    device_a = make_device(workspace_a, name="Alpha door")
    device_b = make_device(workspace_b, name="Bravo door")
    code_a = access_code_create(workspace=workspace_a, device=device_a, name="Alpha guest", code="4821")
    code_b = access_code_create(workspace=workspace_b, device=device_b, name="Bravo guest", code="4821")
    return code_a, code_b


def test_changelist_and_device_filter_are_scoped(alice_client, codes_in_both):
    response = alice_client.get(reverse("admin:accesscodes_accesscode_changelist"))
    assert response.status_code == 200
    assert b"Alpha guest" in response.content
    assert b"Bravo guest" not in response.content
    assert b"Alpha door" in response.content  # in the device filter
    assert b"Bravo door" not in response.content


def test_other_workspace_code_change_page_is_not_reachable(alice_client, codes_in_both):
    _, code_b = codes_in_both
    response = alice_client.get(reverse("admin:accesscodes_accesscode_change", args=[code_b.pk]), follow=True)
    assert b"Bravo guest" not in response.content


def test_add_form_device_choices_are_scoped(alice_client, codes_in_both):
    response = alice_client.get(reverse("admin:accesscodes_accesscode_add"))
    devices = response.context["adminform"].form.fields["device"].queryset
    assert [device.name for device in devices] == ["Alpha door"]


def test_admin_add_runs_the_provider_rules(alice_client, codes_in_both):
    code_a, _ = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_a.device_id, "name": "Dup", "code": "4821", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert AccessCode.objects.for_workspace(code_a.workspace).count() == 1


def test_admin_add_goes_through_the_service(alice_client, codes_in_both, alice):
    code_a, _ = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_a.device_id, "name": "From admin", "code": "5931", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 302
    created = AccessCode.objects.for_workspace(code_a.workspace).get(name="From admin")
    assert created.created_by == alice
    assert created.sync_state == AccessCode.SyncState.PENDING_CREATE


def test_admin_cannot_post_a_device_of_another_workspace(alice_client, codes_in_both):
    _, code_b = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_b.device_id, "name": "Sneaky", "code": "5931", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 200
    assert "device" in response.context["adminform"].form.errors
    assert AccessCode.objects.for_workspace(code_b.workspace).count() == 1


def test_retry_and_delete_actions_use_the_services(alice_client, codes_in_both):
    code_a, code_b = codes_in_both
    changelist = reverse("admin:accesscodes_accesscode_changelist")
    alice_client.post(
        changelist, {"action": "delete_through_seam", "_selected_action": [code_a.pk, code_b.pk]}
    )
    code_a.refresh_from_db()
    code_b.refresh_from_db()
    assert code_a.sync_state == AccessCode.SyncState.REMOVED  # never reached Seam
    assert code_b.sync_state == AccessCode.SyncState.PENDING_CREATE  # not Alice's: untouched


def test_viewer_cannot_change_codes_in_admin(client, codes_in_both, member):
    code_a, _ = codes_in_both
    viewer = member(code_a.workspace, Role.VIEWER)
    client.force_login(viewer)
    change_url = reverse("admin:accesscodes_accesscode_change", args=[code_a.pk])
    assert client.get(change_url).status_code == 200  # read-only view
    client.post(change_url, {"name": "Changed", "max_time_rounding": "1hour"})
    code_a.refresh_from_db()
    assert code_a.name == "Alpha guest"
    assert client.get(reverse("admin:accesscodes_accesscode_add")).status_code == 403
