"""Each request shows its own workspace's zone, and no zone outlives the request that set it: the Django
test client runs every request on this one thread, like a server thread serving request after request."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accesscodes.services import access_code_create
from portal.models import Role
from portal.services import membership_set

STARTS = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_requests_alternating_between_zones_each_show_their_own(client, alice, two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    workspace_a.timezone = "America/New_York"
    workspace_a.save()
    workspace_b.timezone = "Asia/Tokyo"
    workspace_b.save()
    membership_set(workspace=workspace_b, user=alice, role=Role.VIEWER)
    codes = {
        workspace.slug: access_code_create(
            workspace=workspace,
            device=make_device(workspace),
            name="Guest",
            code="4821",
            starts_at=STARTS,
            ends_at=STARTS + dt.timedelta(days=2),
        )
        for workspace in two_workspaces
    }
    shown = {
        "alpha": b'2031-03-01 07:00 <span class="zone">America/New_York</span>',
        "bravo": b'2031-03-01 21:00 <span class="zone">Asia/Tokyo</span>',
    }
    client.force_login(alice)
    for slug, other in [("alpha", "bravo"), ("bravo", "alpha"), ("alpha", "bravo"), ("bravo", "alpha")]:
        for url in (
            reverse("access_code_list", args=[slug]),
            reverse("access_code_detail", args=[slug, codes[slug].pk]),
            reverse("device_detail", args=[slug, codes[slug].device_id]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert shown[slug] in response.content, url
            assert shown[other] not in response.content, url
            assert timezone.get_current_timezone_name() == "UTC", f"{url} left its zone active"

    client.get(reverse("access_code_list", args=["bravo"]))
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_failing_request_does_not_leave_its_zone_behind(client, alice, workspace_a):
    workspace_a.timezone = "Asia/Tokyo"
    workspace_a.save()
    client.force_login(alice)
    assert client.get(reverse("access_code_detail", args=["alpha", 999_999])).status_code == 404
    assert timezone.get_current_timezone_name() == "UTC"
