import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from portal.models import Role


def test_device_page_shows_rules_before_typing(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")
    response = alice_client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert response.status_code == 200
    assert b"Rules for this lock" in response.content
    assert b"4 to 8 digits" in response.content
    assert b"Create code" in response.content


def test_create_from_the_form(alice_client, workspace_a, make_device, alice):
    device = make_device(workspace_a)
    response = alice_client.post(
        reverse("device_detail", args=["alpha", device.pk]),
        {"name": "Jane Doe", "code": "4821", "max_time_rounding": "1hour", "prefer_native_scheduling": "on"},
    )
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert response.status_code == 302
    assert response.url == reverse("access_code_detail", args=["alpha", access_code.pk])
    assert access_code.created_by == alice
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE


def test_form_times_are_the_workspace_timezone(alice_client, workspace_a, make_device):
    workspace_a.timezone = "America/New_York"
    workspace_a.save()
    device = make_device(workspace_a)
    start = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    alice_client.post(
        reverse("device_detail", args=["alpha", device.pk]),
        {
            "name": "Guest",
            "code": "4821",
            "starts_at": "2031-01-10T15:00",
            "ends_at": "2031-01-12T11:00",
            "max_time_rounding": "1hour",
        },
    )
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.starts_at == dt.datetime(2031, 1, 10, 20, 0, tzinfo=dt.UTC)  # 15:00 EST
    assert start  # the window above is in the future whatever today's date


def test_rule_violation_is_shown_on_the_field(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")
    response = alice_client.post(
        reverse("device_detail", args=["alpha", device.pk]),
        {"name": "Guest", "code": "123456789", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert b"4 to 8 digits" in response.content
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_viewer_sees_codes_but_cannot_create(client, workspace_a, make_device, member):
    device = make_device(workspace_a)
    client.force_login(member(workspace_a, Role.VIEWER))
    page = client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert page.status_code == 200
    assert b"Create code" not in page.content
    response = client.post(reverse("device_detail", args=["alpha", device.pk]), {"name": "x", "code": "1234"})
    assert response.status_code == 403
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_detail_shows_history_and_local_window(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq", timezone="America/Los_Angeles")
    access_code = access_code_create(
        workspace=workspace_a,
        device=device,
        name="Guest",
        code="4821",
        starts_at=dt.datetime(2031, 3, 1, 23, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2031, 3, 3, 19, 0, tzinfo=dt.UTC),
    )
    response = alice_client.get(reverse("access_code_detail", args=["alpha", access_code.pk]))
    assert response.status_code == 200
    assert b"Created in the portal" in response.content
    assert b"2031-03-01 15:00" in response.content  # 23:00 UTC on the lock's Pacific time


def test_delete_from_the_page(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="4821")
    response = alice_client.post(reverse("access_code_delete", args=["alpha", access_code.pk]))
    assert response.status_code == 302
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.REMOVED  # it never reached Seam


def test_offline_code_page_explains_what_is_possible(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "igloohome")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3)
    access_code = access_code_create(
        workspace=workspace_a,
        device=device,
        name="Guest",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=24),
        is_offline_access_code=True,
    )
    page = alice_client.get(reverse("access_code_detail", args=["alpha", access_code.pk]))
    assert b"Delete from the lock" not in page.content
    assert b"expire" in page.content
    response = alice_client.post(reverse("access_code_delete", args=["alpha", access_code.pk]), follow=True)
    assert b"expire" in response.content
    access_code.refresh_from_db()
    assert access_code.removed_at is None


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("access_code_detail", "get"),
        ("access_code_detail", "post"),
        ("access_code_delete", "post"),
        ("access_code_retry", "post"),
        ("access_code_backup", "post"),
    ],
)
def test_other_workspace_codes_are_404(client, two_workspaces, make_device, bob, name, method):
    workspace_a, _ = two_workspaces
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Alice's guest", code="4821"
    )
    client.force_login(bob)
    assert getattr(client, method)(reverse(name, args=["alpha", access_code.pk])).status_code == 404
    # Bob's own workspace slug with Alice's code id: still 404.
    assert getattr(client, method)(reverse(name, args=["bravo", access_code.pk])).status_code == 404
    access_code.refresh_from_db()
    assert access_code.removed_at is None


def test_other_workspace_device_is_404(client, two_workspaces, make_device, bob):
    workspace_a, _ = two_workspaces
    device = make_device(workspace_a)
    client.force_login(bob)
    assert client.get(reverse("device_detail", args=["bravo", device.pk])).status_code == 404
    response = client.post(reverse("device_detail", args=["bravo", device.pk]), {"name": "x", "code": "1234"})
    assert response.status_code == 404
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_list_uses_a_constant_number_of_queries(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)

    def queries_for_list():
        with CaptureQueriesContext(connection) as context:
            response = alice_client.get(reverse("access_code_list", args=["alpha"]))
        assert response.status_code == 200
        return len(context)

    for n in range(3):
        access_code_create(workspace=workspace_a, device=device, name=f"Guest {n}", code=f"{4100 + n}")
    few = queries_for_list()
    for n in range(3, 25):
        access_code_create(workspace=workspace_a, device=device, name=f"Guest {n}", code=f"{4100 + n}")
    many = queries_for_list()
    assert few == many


def test_list_filters_by_status(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)
    first = access_code_create(workspace=workspace_a, device=device, name="Set one", code="4821")
    access_code_create(workspace=workspace_a, device=device, name="Unset one", code="4822")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=first.pk).update(status="set")
    response = alice_client.get(reverse("access_code_list", args=["alpha"]), {"status": "set"})
    assert b"Set one" in response.content
    assert b"Unset one" not in response.content
