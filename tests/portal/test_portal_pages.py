import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_opens_the_dashboard_of_ones_only_workspace(client, two_workspaces):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw-for-tests-only"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("workspace_detail", args=["alpha"])
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content
    assert b"Bravo Hotels" not in response.content


def test_home_lists_the_workspaces_of_someone_in_several(client, alice, two_workspaces):
    from portal.models import Membership, Role

    Membership.objects.create(user=alice, workspace=two_workspaces[1], role=Role.VIEWER)
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content and b"Bravo Hotels" in response.content


def test_workspace_page_for_member(client, alice, two_workspaces):
    client.force_login(alice)
    response = client.get(reverse("workspace_detail", args=["alpha"]))
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content


@pytest.mark.parametrize("url_name", ["workspace_detail", "device_list", "access_code_list"])
def test_other_workspace_pages_are_404(client, alice, two_workspaces, url_name):
    client.force_login(alice)
    assert client.get(reverse(url_name, args=["bravo"])).status_code == 404


def test_logout(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    assert client.get(reverse("admin:login")).status_code == 200


def test_workspace_page_health_cards_show_the_numbers(alice_client, two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    for _ in range(3):
        make_device(workspace_a)
    make_device(workspace_a, online=False)
    make_device(workspace_a, online=False, battery_level=0.05)
    make_device(workspace_a, removed_at=timezone.now())
    make_device(workspace_b, online=False)
    response = alice_client.get(reverse("workspace_detail", args=["alpha"]))
    assert response.status_code == 200
    for card, number in [("total", 5), ("online", 3), ("offline", 2), ("low-battery", 1)]:
        assert f'<div class="stat" id="devices-{card}">{number}</div>'.encode() in response.content, card


def test_workspace_page_shows_code_counts_and_last_sync_in_its_zone(alice_client, workspace_a, make_device):
    from accesscodes.models import AccessCode
    from accesscodes.services import access_code_create
    from devices.models import SyncRun

    workspace_a.timezone = "Asia/Kolkata"
    workspace_a.save()
    device = make_device(workspace_a)
    access_code_create(workspace=workspace_a, device=device, name="Waiting", code="4821")
    refused = access_code_create(workspace=workspace_a, device=device, name="Refused", code="4822")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=refused.pk).update(sync_state="failed")
    sync = SyncRun.objects.create(workspace=workspace_a, status=SyncRun.Status.SUCCEEDED)
    SyncRun.objects.for_workspace(workspace_a).filter(pk=sync.pk).update(
        started_at=dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    )
    response = alice_client.get(reverse("workspace_detail", args=["alpha"]))
    assert b'<div class="stat" id="codes-total">2</div>' in response.content
    assert b'<div class="stat" id="codes-waiting">1</div>' in response.content
    assert b'<div class="stat" id="codes-refused">1</div>' in response.content
    assert b'2030-01-01 17:30 <span class="zone">Asia/Kolkata</span>' in response.content


def test_workspace_page_queries_do_not_grow_with_devices_or_codes(alice_client, workspace_a, make_device):
    from accesscodes.services import access_code_create

    url = reverse("workspace_detail", args=["alpha"])

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    device = make_device(workspace_a)
    access_code_create(workspace=workspace_a, device=device, name="Guest", code="4100")
    with_one = queries_for_page()
    for n in range(1, 15):
        access_code_create(
            workspace=workspace_a, device=make_device(workspace_a), name="Guest", code=f"{4100 + n}"
        )
    assert queries_for_page() == with_one
