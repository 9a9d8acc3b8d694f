import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_create
from accesscodes.views import CODES_PER_PAGE
from portal.models import Role

# A window safely in the future whatever today's date.
STARTS = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)


def create_url(device):
    return f"{reverse('access_code_create', args=[device.workspace.slug])}?device={device.pk}"


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def make_codes(workspace, device, count, first=0):
    for n in range(first, first + count):
        access_code_create(workspace=workspace, device=device, name=f"Guest {n:03d}", code=f"{4100 + n}")


def test_device_page_shows_rules_and_a_form_that_posts_to_the_codes_app(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a, "ultraloq")
    response = alice_client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert response.status_code == 200
    assert b"Rules for this lock" in response.content
    assert b"4 to 8 digits" in response.content
    assert f'action="{create_url(device)}"'.encode() in response.content


def test_create_from_the_form(alice_client, workspace_a, make_device, alice):
    device = make_device(workspace_a)
    response = alice_client.post(
        create_url(device),
        {"name": "Jane Doe", "code": "4821", "max_time_rounding": "1hour", "prefer_native_scheduling": "on"},
    )
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert response.status_code == 302
    assert response.url == reverse("access_code_detail", args=["alpha", access_code.pk])
    assert (access_code.device, access_code.name, access_code.code) == (device, "Jane Doe", "4821")
    assert access_code.created_by == alice
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE


def test_form_times_are_the_workspace_timezone(alice_client, workspace_a, make_device):
    workspace_a.timezone = "America/New_York"
    workspace_a.save()
    device = make_device(workspace_a)
    alice_client.post(
        create_url(device),
        {
            "name": "Guest",
            "code": "4821",
            "starts_at": "2031-01-10T15:00",
            "ends_at": "2031-07-12T11:00",
            "max_time_rounding": "1hour",
        },
    )
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.starts_at == dt.datetime(2031, 1, 10, 20, 0, tzinfo=dt.UTC)  # 15:00 EST
    assert access_code.ends_at == dt.datetime(2031, 7, 12, 15, 0, tzinfo=dt.UTC)  # 11:00 EDT


def test_rule_violation_comes_back_on_the_field_with_the_rules(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")
    response = alice_client.post(
        create_url(device), {"name": "Guest", "code": "123456789", "max_time_rounding": "1hour"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert b"4 to 8 digits" in response.content
    assert b'value="123456789"' in response.content  # what was typed is kept
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_removed_device_refuses_new_codes(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, removed_at=timezone.now())
    page = alice_client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert b"Create code" not in page.content
    response = alice_client.post(
        create_url(device), {"name": "Guest", "code": "4821", "max_time_rounding": "1hour"}
    )
    assert response.status_code == 400
    assert b"removed from Seam" in response.content
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


@pytest.mark.parametrize("device_param", ["", "abc", "1.5", "99999999999999999999", "-1"])
def test_create_for_a_device_that_is_not_there_is_404(alice_client, workspace_a, device_param):
    url = f"{reverse('access_code_create', args=['alpha'])}?device={device_param}"
    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url, {"name": "Guest", "code": "4821"}).status_code == 404


def test_seed_000_one_time_offline_code_with_only_a_start_is_accepted(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "igloohome")
    response = alice_client.post(
        create_url(device),
        {
            "name": "One-time guest",
            "starts_at": "2031-03-01T12:00",
            "is_offline_access_code": "on",
            "is_one_time_use": "on",
            "max_time_rounding": "1hour",
        },
    )
    assert response.status_code == 302
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.starts_at == STARTS
    assert access_code.ends_at == STARTS + dt.timedelta(hours=24)


def test_viewer_sees_codes_but_cannot_create(client, workspace_a, make_device, member):
    device = make_device(workspace_a)
    access_code_create(workspace=workspace_a, device=device, name="Existing guest", code="4821")
    client.force_login(member(workspace_a, Role.VIEWER))
    page = client.get(reverse("device_detail", args=["alpha", device.pk]))
    assert page.status_code == 200
    assert b"Existing guest" in page.content
    assert b"Create code" not in page.content
    assert client.get(create_url(device)).status_code == 403
    assert client.post(create_url(device), {"name": "x", "code": "1234"}).status_code == 403
    assert AccessCode.objects.for_workspace(workspace_a).count() == 1


def test_detail_shows_history_and_both_windows_with_their_zones(alice_client, workspace_a, make_device):
    workspace_a.timezone = "Europe/Paris"
    workspace_a.save()
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
    # The workspace's zone (23:00 UTC is midnight in Paris) and the lock's own clock (Pacific time).
    assert b'2031-03-02 00:00 <span class="zone">Europe/Paris</span>' in response.content
    assert b"2031-03-01 15:00 \xe2\x86\x92 2031-03-03 11:00" in response.content
    assert b"America/Los_Angeles" in response.content
    # The change form shows the times on the lock's clock, the clock it reads them back on, zone named.
    assert b'value="2031-03-01T15:00"' in response.content
    assert b"America/Los_Angeles, the lock&#x27;s time zone" in response.content


def test_delete_from_the_page(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="4821")
    response = alice_client.post(reverse("access_code_delete", args=["alpha", access_code.pk]))
    assert response.status_code == 302
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.REMOVED  # it never reached Seam


@pytest.mark.parametrize("name", ["access_code_retry", "access_code_backup"])
def test_actions_are_post_only(alice_client, workspace_a, make_device, name):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821"
    )
    assert alice_client.get(reverse(name, args=["alpha", access_code.pk])).status_code == 405


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
    refusal = b"cannot be deleted through the Seam API"
    page = alice_client.get(reverse("access_code_detail", args=["alpha", access_code.pk]))
    assert b"Delete from the lock" not in page.content
    assert refusal in page.content
    assert b"cannot be changed once created" in page.content
    assert b"Save change" not in page.content
    response = alice_client.post(reverse("access_code_delete", args=["alpha", access_code.pk]), follow=True)
    answers = [str(message) for message in response.context["messages"]]
    assert len(answers) == 1 and refusal.decode() in answers[0]
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
    url = f"{reverse('access_code_create', args=['bravo'])}?device={device.pk}"
    assert client.post(url, {"name": "x", "code": "1234", "max_time_rounding": "1hour"}).status_code == 404
    assert AccessCode.objects.for_workspace(workspace_a).count() == 0


def test_list_is_paginated_with_a_constant_number_of_queries(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)
    url = reverse("access_code_list", args=["alpha"])
    make_codes(workspace_a, device, 1)
    one = queries_for(alice_client, url)
    make_codes(workspace_a, device, CODES_PER_PAGE, first=1)
    many = queries_for(alice_client, url)
    assert one == many
    first = alice_client.get(url)
    assert len(first.context["rows"]) == CODES_PER_PAGE
    assert b"?page=2" in first.content
    second = alice_client.get(url, {"page": 2})
    assert [row["code"].name for row in second.context["rows"]] == ["Guest 000"]  # the oldest, last


def test_device_page_code_list_is_paginated_with_a_constant_number_of_queries(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a)
    url = reverse("device_detail", args=["alpha", device.pk])
    make_codes(workspace_a, device, 1)
    one = queries_for(alice_client, url)
    make_codes(workspace_a, device, CODES_PER_PAGE, first=1)
    many = queries_for(alice_client, url)
    assert one == many
    assert len(alice_client.get(url).context["sections"][0].context["rows"]) == CODES_PER_PAGE
    second = alice_client.get(url, {"page": 2})
    assert [row["code"].name for row in second.context["sections"][0].context["rows"]] == ["Guest 000"]


def test_detail_page_queries_do_not_grow_with_history(alice_client, workspace_a, make_device, alice):
    device = make_device(workspace_a)
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="4821")
    url = reverse("access_code_detail", args=["alpha", access_code.pk])
    one = queries_for(alice_client, url)
    AccessCodeEvent.objects.bulk_create(
        AccessCodeEvent(workspace=workspace_a, access_code=access_code, message=f"Event {n}", actor=alice)
        for n in range(30)
    )
    assert queries_for(alice_client, url) == one


def test_list_filters_by_status(alice_client, workspace_a, make_device):
    device = make_device(workspace_a)
    first = access_code_create(workspace=workspace_a, device=device, name="Set one", code="4821")
    access_code_create(workspace=workspace_a, device=device, name="Unset one", code="4822")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=first.pk).update(status="set")
    response = alice_client.get(reverse("access_code_list", args=["alpha"]), {"status": "set"})
    assert response.status_code == 200
    assert [row["code"].name for row in response.context["rows"]] == ["Set one"]


@pytest.mark.parametrize("query", [{"sync_state": "no-such-state"}, {"type": "x" * 500}, {"status": "SET"}])
def test_bad_filters_are_a_400_with_the_error_shown(alice_client, workspace_a, make_device, query):
    access_code_create(workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821")
    response = alice_client.get(reverse("access_code_list", args=["alpha"]), query)
    assert response.status_code == 400
    assert response.context["rows"] == []
    assert b"Select a valid choice" in response.content


def test_nul_in_the_query_string_is_a_400_before_any_query(alice_client, workspace_a):
    """PostgreSQL refuses NUL in text: `?status=%00` used to reach it and fail with DataError."""
    response = alice_client.get(reverse("access_code_list", args=["alpha"]), {"status": "\x00"})
    assert response.status_code == 400


def test_year_9999_code_renders_after_the_zone_moves_east(alice_client, workspace_a, make_device):
    """A code adopted from Seam can carry any date; east of UTC its local end is past year 9999."""
    device = make_device(workspace_a, "ultraloq", timezone="Asia/Tokyo")
    access_code = access_code_create(workspace=workspace_a, device=device, name="Forever", code="4821")
    far = dt.datetime(9999, 12, 31, 22, 0, tzinfo=dt.UTC)
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        starts_at=far - dt.timedelta(days=1), ends_at=far, type=AccessCode.Type.TIME_BOUND
    )
    workspace_a.timezone = "Asia/Tokyo"
    workspace_a.save()
    for url in (
        reverse("access_code_list", args=["alpha"]),
        reverse("access_code_detail", args=["alpha", access_code.pk]),
        reverse("device_detail", args=["alpha", device.pk]),
    ):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        # Shown in UTC, and saying so, rather than in a zone where the date does not exist.
        assert b'9999-12-31 22:00 <span class="zone">UTC</span>' in response.content, url
    # No change form pre-filled with a UTC time that saving would read as Tokyo time.
    detail = alice_client.get(reverse("access_code_detail", args=["alpha", access_code.pk]))
    assert b"Save change" not in detail.content
    assert b"reaches past the end of the calendar in Asia/Tokyo" in detail.content
