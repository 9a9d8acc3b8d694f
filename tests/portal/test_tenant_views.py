"""The one view base every workspace page uses: workspace and role resolved once, 404/403, the zone."""

import datetime as dt

import pytest
from django.db import connection
from django.template import engines
from django.template.response import TemplateResponse
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.models import Role
from portal.tenant_views import WorkspaceView, workspace_access


def workspace_patterns(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from workspace_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("w/"):
            yield route, pattern


def test_every_workspace_page_uses_the_view_base():
    routes = dict(workspace_patterns())
    assert len(routes) >= 9
    not_based = [
        route
        for route, pattern in routes.items()
        if not issubclass(getattr(pattern.callback, "view_class", object), WorkspaceView)
    ]
    assert not_based == []


@pytest.mark.parametrize("slug", ["bravo", "no-such-workspace"])
def test_non_members_get_the_same_404_as_for_a_missing_workspace(alice_client, two_workspaces, slug):
    assert alice_client.get(reverse("workspace_detail", args=[slug])).status_code == 404


def test_anonymous_is_sent_to_login(client, workspace_a):
    response = client.get(reverse("device_list", args=["alpha"]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_superuser_sees_every_workspace_as_owner(client, make_user, two_workspaces):
    client.force_login(make_user("root", superuser=True))
    response = client.get(reverse("workspace_detail", args=["bravo"]))
    assert response.status_code == 200
    assert (response.context["role"], response.context["can_edit"]) == (Role.OWNER, True)


@pytest.mark.parametrize(
    ("role", "can_edit", "sync_status"),
    [(Role.VIEWER, False, 403), (Role.MANAGER, True, 302), (Role.ADMIN, True, 302), (Role.OWNER, True, 302)],
)
def test_role_decides_what_may_be_done(client, workspace_a, member, role, can_edit, sync_status):
    client.force_login(member(workspace_a, role=role, username=f"{role}-user"))
    page = client.get(reverse("device_list", args=["alpha"]))
    assert (page.status_code, page.context["role"], page.context["can_edit"]) == (200, role, can_edit)
    assert page.context["zone_name"] == workspace_a.timezone
    assert client.post(reverse("device_sync_now", args=["alpha"])).status_code == sync_status


def test_workspace_and_role_come_from_one_query(alice, two_workspaces):
    with CaptureQueriesContext(connection) as captured:
        access = workspace_access(user=alice, slug="alpha")
    assert (access.workspace.slug, access.role, len(captured)) == ("alpha", Role.OWNER, 1)


def test_a_lazy_template_response_renders_in_the_workspace_zone(rf, alice, workspace_a):
    """A TemplateResponse renders after the view returns; the base renders it while the zone is active."""
    workspace_a.timezone = "Asia/Tokyo"
    workspace_a.save()
    template = engines["django"].from_string("{% load portal_time %}{{ when|local_time }}")

    class LazyPage(WorkspaceView):
        def get(self, request):
            return TemplateResponse(
                request, template, {"when": dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)}
            )

    request = rf.get("/")
    request.user = alice
    response = LazyPage.as_view()(request, workspace_slug="alpha")
    assert b'2031-03-01 21:00 <span class="zone">Asia/Tokyo</span>' in response.content
