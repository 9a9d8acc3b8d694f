"""Device, ConnectedAccount and SyncRun admin: scoped to the staff user's workspaces and read-only."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from devices.models import Device, SyncRun
from portal.models import Role
from portal.services import membership_set


def test_device_changelist_shows_only_own_devices(alice_client, two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    make_device(workspace_a, name="Alpha front door", manufacturer="yale")
    make_device(workspace_b, name="Bravo lobby", manufacturer="salto")
    response = alice_client.get(reverse("admin:devices_device_changelist"))
    assert response.status_code == 200
    assert b"Alpha front door" in response.content
    assert b"Bravo lobby" not in response.content
    # The manufacturer filter offers only values from Alice's own devices.
    assert b"salto" not in response.content


def test_other_workspaces_device_change_page_is_not_reachable(alice_client, two_workspaces, make_device):
    _, workspace_b = two_workspaces
    device = make_device(workspace_b, name="Bravo lobby")
    response = alice_client.get(reverse("admin:devices_device_change", args=[device.pk]), follow=True)
    assert b"Bravo lobby" not in response.content


@pytest.mark.parametrize(
    ("health", "expected"),
    [("ok", {"Fine"}), ("offline", {"Offline"}), ("low_battery", {"Weak"}), ("warnings", {"Warned"})],
)
def test_device_health_filter(alice_client, two_workspaces, make_device, health, expected):
    workspace_a, _ = two_workspaces
    make_device(workspace_a, name="Fine")
    make_device(workspace_a, name="Offline", online=False)
    make_device(workspace_a, name="Weak", battery_level=0.1)
    make_device(workspace_a, name="Warned", warnings=[{"warning_code": "device_has_flaky_connection"}])
    response = alice_client.get(reverse("admin:devices_device_changelist"), {"health": health})
    assert {device.name for device in response.context["cl"].result_list} == expected


def test_removed_filter(alice_client, two_workspaces, make_device):
    workspace_a, _ = two_workspaces
    make_device(workspace_a, name="Here")
    make_device(workspace_a, name="Gone", removed_at=timezone.now())
    response = alice_client.get(reverse("admin:devices_device_changelist"), {"removed": "yes"})
    assert [device.name for device in response.context["cl"].result_list] == ["Gone"]


def test_connected_account_choices_are_scoped(alice, two_workspaces, make_account):
    workspace_a, workspace_b = two_workspaces
    own = make_account(workspace_a)
    make_account(workspace_b)
    request = RequestFactory().get("/")
    request.user = alice
    formfield = site._registry[Device].formfield_for_foreignkey(
        Device._meta.get_field("connected_account"), request
    )
    assert list(formfield.queryset) == [own]


def test_devices_are_read_only_even_for_owners(alice_client, two_workspaces, make_device):
    workspace_a, _ = two_workspaces
    device = make_device(workspace_a, name="Alpha front door")
    change_url = reverse("admin:devices_device_change", args=[device.pk])
    page = alice_client.get(change_url)
    assert page.status_code == 200
    assert b'name="name"' not in page.content  # shown, not editable
    assert alice_client.post(change_url, {"name": "Renamed"}).status_code == 403
    assert alice_client.get(reverse("admin:devices_device_add")).status_code == 403
    assert (
        alice_client.post(
            reverse("admin:devices_device_delete", args=[device.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    device.refresh_from_db()
    assert device.name == "Alpha front door"


def test_owner_sync_now_action_queues_own_workspace(
    queued_sync_workspace_ids, alice_client, two_workspaces, make_device, django_capture_on_commit_callbacks
):
    workspace_a, _ = two_workspaces
    device = make_device(workspace_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("admin:devices_device_changelist"),
            {"action": "sync_now", "_selected_action": [device.pk]},
        )
    assert response.status_code == 302
    assert queued_sync_workspace_ids() == [workspace_a.pk]


def test_viewer_can_look_but_not_change_or_sync(
    queued_sync_workspace_ids, client, two_workspaces, member, make_device, django_capture_on_commit_callbacks
):
    workspace_a, _ = two_workspaces
    device = make_device(workspace_a, name="Alpha front door")
    client.force_login(member(workspace_a, role=Role.VIEWER))
    changelist = client.get(reverse("admin:devices_device_changelist"))
    assert changelist.status_code == 200
    assert b"Alpha front door" in changelist.content
    assert b"sync_now" not in changelist.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:devices_device_changelist"),
            {"action": "sync_now", "_selected_action": [device.pk]},
        )
    assert queued_sync_workspace_ids() == []
    assert (
        client.post(reverse("admin:devices_device_change", args=[device.pk]), {"name": "x"}).status_code
        == 403
    )


def test_sync_run_and_account_changelists_are_scoped(alice_client, two_workspaces, make_account):
    workspace_a, workspace_b = two_workspaces
    make_account(workspace_a, display_name="Alpha August account")
    make_account(workspace_b, display_name="Bravo Salto account")
    SyncRun.objects.create(workspace=workspace_a, status=SyncRun.Status.SUCCEEDED, devices_seen=7)
    SyncRun.objects.create(
        workspace=workspace_b, status=SyncRun.Status.FAILED, error_message="Bravo secret failure"
    )
    accounts = alice_client.get(reverse("admin:devices_connectedaccount_changelist"))
    assert b"Alpha August account" in accounts.content
    assert b"Bravo Salto account" not in accounts.content
    runs = alice_client.get(reverse("admin:devices_syncrun_changelist"))
    assert runs.status_code == 200
    assert [run.workspace_id for run in runs.context["cl"].result_list] == [workspace_a.pk]
    assert b"Bravo" not in runs.content


def test_sync_now_is_checked_in_each_selected_workspace(
    queued_sync_workspace_ids,
    client,
    two_workspaces,
    make_user,
    make_device,
    django_capture_on_commit_callbacks,
):
    workspace_a, workspace_b = two_workspaces
    user = make_user("mallory")
    membership_set(workspace=workspace_a, user=user, role=Role.MANAGER)
    membership_set(workspace=workspace_b, user=user, role=Role.VIEWER)
    client.force_login(user)
    selected = [make_device(workspace_a).pk, make_device(workspace_b).pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:devices_device_changelist"),
            {"action": "sync_now", "_selected_action": selected},
            follow=True,
        )
    assert queued_sync_workspace_ids() == [workspace_a.pk]
    messages = [str(message) for message in response.context["messages"]]
    assert "Sync queued for Alpha Rentals." in messages
    assert "Not synced: you may only view the devices of Bravo Hotels." in messages
