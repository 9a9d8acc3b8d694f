"""The workspace devices page, the device page and the "Sync now" button."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devices.models import Device, SyncRun
from devices.views import DEVICES_PER_PAGE
from portal.models import Role


def test_device_list_shows_only_own_workspace(alice_client, two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    make_device(workspace_a, name="Alpha front door")
    make_device(workspace_b, name="Bravo lobby")
    response = alice_client.get(reverse("device_list", args=["alpha"]))
    assert response.status_code == 200
    assert b"Alpha front door" in response.content
    assert b"Bravo lobby" not in response.content


def test_other_workspaces_device_page_is_404(client, bob, two_workspaces, make_device):
    workspace_a, _ = two_workspaces
    device = make_device(workspace_a)
    client.force_login(bob)
    # Neither through Alice's workspace (not a member) nor through Bob's own (not his device).
    assert client.get(reverse("device_detail", args=["alpha", device.pk])).status_code == 404
    assert client.get(reverse("device_detail", args=["bravo", device.pk])).status_code == 404


def test_health_cards_and_last_sync_outcome(alice_client, two_workspaces, make_device):
    workspace_a, _ = two_workspaces
    make_device(workspace_a, online=False)
    make_device(workspace_a, battery_level=0.1)
    make_device(workspace_a, errors=[{"error_code": "device_offline", "message": "Offline"}])
    make_device(workspace_a, removed_at=timezone.now())
    SyncRun.objects.create(
        workspace=workspace_a,
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error_message="Seam rejected the API key (401). Check the workspace's Seam API key.",
    )
    response = alice_client.get(reverse("device_list", args=["alpha"]))
    health = response.context["health"]
    assert (health["total"], health["offline"], health["low_battery"], health["with_errors"]) == (3, 1, 1, 1)
    assert health["removed"] == 1
    assert b"Seam rejected the API key (401)" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"manufacturer": "yale"}, {"Yale door"}),
        ({"health": "offline"}, {"Offline door"}),
        ({"health": "low_battery"}, {"Weak door"}),
        ({"health": "warnings"}, {"Warned door"}),
        ({"health": "errors"}, {"Broken door"}),
        ({"health": "ok"}, {"Yale door", "Fine door"}),
        ({"removed": "1"}, {"Gone door"}),
    ],
)
def test_device_list_filters(alice_client, two_workspaces, make_device, query, expected):
    workspace_a, _ = two_workspaces
    make_device(workspace_a, name="Yale door", manufacturer="yale")
    make_device(workspace_a, name="Fine door")
    make_device(workspace_a, name="Offline door", online=False)
    make_device(workspace_a, name="Weak door", battery_level=0.05)
    make_device(workspace_a, name="Warned door", warnings=[{"warning_code": "max_access_codes_reached"}])
    make_device(workspace_a, name="Broken door", errors=[{"error_code": "account_disconnected"}])
    make_device(workspace_a, name="Gone door", removed_at=timezone.now())
    response = alice_client.get(reverse("device_list", args=["alpha"]), query)
    assert {device.name for device in response.context["devices"]} == expected


def test_device_list_query_count_does_not_grow_with_devices(
    alice_client, two_workspaces, make_device, make_account
):
    workspace_a, _ = two_workspaces
    account = make_account(workspace_a)
    SyncRun.objects.create(workspace=workspace_a, status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    url = reverse("device_list", args=["alpha"])

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    for _ in range(3):
        make_device(workspace_a, connected_account=account, warnings=[{"warning_code": "x", "message": "y"}])
    with_three = queries_for_page()
    for _ in range(27):
        make_device(workspace_a, connected_account=account, warnings=[{"warning_code": "x", "message": "y"}])
    with_thirty = queries_for_page()
    assert with_thirty == with_three


@pytest.mark.parametrize(
    "query",
    [{"health": "no-such-health"}, {"manufacturer": "y" * 101}],
)
def test_bad_device_filters_are_a_400_with_the_error_shown(alice_client, two_workspaces, make_device, query):
    workspace_a, _ = two_workspaces
    make_device(workspace_a, name="Fine door")
    response = alice_client.get(reverse("device_list", args=["alpha"]), query)
    assert response.status_code == 400
    assert list(response.context["devices"]) == []
    assert b'class="errorlist"' in response.content


def test_nul_in_the_manufacturer_filter_is_a_400(alice_client, two_workspaces):
    """PostgreSQL refuses NUL in text: `?manufacturer=%00` used to reach it and fail with DataError."""
    assert (
        alice_client.get(reverse("device_list", args=["alpha"]), {"manufacturer": "\x00"}).status_code == 400
    )


def test_device_page_queries_do_not_grow_with_codes_or_issues(alice_client, two_workspaces, make_device):
    from accesscodes.services import access_code_create

    workspace_a, _ = two_workspaces
    device = make_device(workspace_a, warnings=[{"warning_code": "x", "message": "y"}])
    url = reverse("device_detail", args=["alpha", device.pk])

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    access_code_create(workspace=workspace_a, device=device, name="Guest 0", code="4100")
    with_one = queries_for_page()
    for n in range(1, 20):
        access_code_create(workspace=workspace_a, device=device, name=f"Guest {n}", code=f"{4100 + n}")
    assert queries_for_page() == with_one


def test_device_page_is_served_by_devices_with_sections_from_above(alice_client, two_workspaces, make_device):
    from devices.views import DeviceDetailView

    workspace_a, _ = two_workspaces
    device = make_device(workspace_a, name="Front door", errors=[{"error_code": "device_offline"}])
    response = alice_client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert response.resolver_match.func.view_class is DeviceDetailView
    assert [section.template_name for section in response.context["sections"]] == [
        "accesscodes/_device_codes.html",
        "bookings/_device_timeline.html",
    ]
    assert b"Front door" in response.content
    assert b"The lock is offline: codes will be set when it reconnects." in response.content


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.OWNER])
def test_editors_see_and_use_sync_now(
    queued_sync_workspace_ids, client, two_workspaces, member, role, django_capture_on_commit_callbacks
):
    workspace_a, _ = two_workspaces
    client.force_login(member(workspace_a, role=role, username=f"{role}-user"))
    page = client.get(reverse("device_list", args=["alpha"]))
    assert reverse("device_sync_now", args=["alpha"]).encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("device_sync_now", args=["alpha"]))
    assert response.status_code == 302
    assert queued_sync_workspace_ids() == [workspace_a.pk]


def test_viewer_neither_sees_nor_triggers_sync(
    queued_sync_workspace_ids, client, two_workspaces, member, django_capture_on_commit_callbacks
):
    workspace_a, _ = two_workspaces
    client.force_login(member(workspace_a, role=Role.VIEWER))
    page = client.get(reverse("device_list", args=["alpha"]))
    assert page.status_code == 200
    assert reverse("device_sync_now", args=["alpha"]).encode() not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("device_sync_now", args=["alpha"]))
    assert response.status_code == 403
    assert queued_sync_workspace_ids() == []


def test_sync_now_for_other_workspace_is_404(
    queued_sync_workspace_ids, alice_client, two_workspaces, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("device_sync_now", args=["bravo"]))
    assert response.status_code == 404
    assert queued_sync_workspace_ids() == []


def test_sync_now_is_post_only_and_csrf_protected(queued_sync_workspace_ids, alice, two_workspaces):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    url = reverse("device_sync_now", args=["alpha"])
    assert csrf_client.get(url).status_code == 405
    assert csrf_client.post(url).status_code == 403
    assert queued_sync_workspace_ids() == []


def test_device_list_paginates_and_keeps_filters(alice_client, two_workspaces):
    workspace_a, _ = two_workspaces
    Device.objects.bulk_create(
        Device(workspace=workspace_a, seam_device_id=f"bulk-{n}", name=f"Door {n:03d}", manufacturer="yale")
        for n in range(DEVICES_PER_PAGE + 5)
    )
    first = alice_client.get(reverse("device_list", args=["alpha"]), {"manufacturer": "yale"})
    assert len(first.context["devices"]) == DEVICES_PER_PAGE
    assert b"?manufacturer=yale&amp;page=2" in first.content
    second = alice_client.get(reverse("device_list", args=["alpha"]), {"manufacturer": "yale", "page": 2})
    assert [device.name for device in second.context["devices"]][-1] == f"Door {DEVICES_PER_PAGE + 4:03d}"
