"""Every URL of the project, asked with hostile query strings and path values, as a superuser and as a
workspace member: a clear answer (200, 302, 400, 403, 404, 405), never a server error."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from devices.models import ConnectedAccount, SyncRun
from portal.models import Role
from portal.services import membership_set

HOSTILE_VALUES = [
    "\x00",
    "abc",
    "99999999999999999999",
    "999999",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "not-a-choice",
]
# Each admin changelist's own filters come on top of these.
CHANGELIST_PARAMETERS = ["p", "q", "o", "e", "all", "_to_field"]
PAGE_PARAMETERS = ["page", "status", "sync_state", "type", "manufacturer", "health", "removed", "device"]
OWN_ADMIN = ("/admin/portal/", "/admin/devices/", "/admin/accesscodes/")
# Every other page still gets a NUL and a non-id in the parameters any page may be handed.
OTHER_QUERIES = [{}, {"next": "\x00"}, {"_changelist_filters": "\x00"}, {"q": "\x00"}, {"next": "abc"}]
HOSTILE_PATH_VALUES = ["abc", "%00", "99999999999999999999", "0"]


def all_routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from all_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def concrete(route: str, values: dict) -> list[str]:
    """URL paths for a route: its parameters filled with real ids, then with hostile values."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", route)
    names = [name for pair in names for name in pair if name]

    def fill(value_for):
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(value_for(m.group(1))), route)
        return "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(value_for(m.group(1))), path)

    if not names:
        return [fill(None)]
    paths = [fill(lambda name: values.get(name, "1"))]
    for hostile in HOSTILE_PATH_VALUES:
        # The workspace slug stays real so the hostile value reaches the view behind it.
        paths.append(
            fill(lambda name, hostile=hostile: values[name] if name == "workspace_slug" else hostile)
        )
    return paths


@pytest.fixture
def world(workspace_a, make_device, make_user, alice):
    """A workspace with a row of every kind, one of them a code dated at the end of year 9999 that an
    eastern zone cannot show in local time."""
    workspace_a.timezone = "Asia/Tokyo"
    workspace_a.save()
    account = ConnectedAccount.objects.create(
        workspace=workspace_a, seam_connected_account_id="acct-1", display_name="Account"
    )
    device = make_device(workspace_a, "ultraloq", connected_account=account, timezone="Asia/Tokyo")
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="4821")
    far = access_code_create(workspace=workspace_a, device=device, name="Forever", code="4822")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=far.pk).update(
        starts_at=dt.datetime(9999, 12, 30, 0, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
        type=AccessCode.Type.TIME_BOUND,
    )
    SyncRun.objects.create(workspace=workspace_a, status=SyncRun.Status.FAILED, error_message="x")
    manager = make_user("manager-staff")
    membership_set(workspace=workspace_a, user=manager, role=Role.MANAGER)
    return {
        "values": {
            "workspace_slug": workspace_a.slug,
            "device_id": device.pk,
            "pk": access_code.pk,
        },
        "users": [make_user("root", superuser=True), manager],
        "objects": {
            "workspace": workspace_a.pk,
            "device": device.pk,
            "connectedaccount": account.pk,
            "accesscode": far.pk,
            "syncrun": SyncRun.objects.for_workspace(workspace_a).get().pk,
            "user": alice.pk,
        },
    }


def changelist_parameters(request_factory, superuser) -> dict[str, list[str]]:
    """The filter parameters of each admin changelist, as its own filters declare them."""
    parameters = {}
    for model, model_admin in admin.site._registry.items():
        request = request_factory.get("/")
        request.user = superuser
        changelist = model_admin.get_changelist_instance(request)
        names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
        parameters[f"/admin/{model._meta.app_label}/{model._meta.model_name}/"] = names
    return parameters


def test_no_url_answers_500_to_hostile_input(world, rf):
    superuser = world["users"][0]
    changelists = changelist_parameters(rf, superuser)
    paths, real_paths = set(), set()
    for route in all_routes():
        real, *hostile = concrete(route, world["values"])
        paths.update([real, *hostile])
        real_paths.add(real)
    # Admin pages of real objects: change, history and delete pages, whatever their model.
    for model in admin.site._registry:
        pk = world["objects"].get(model._meta.model_name)
        if pk is not None:
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/"
            paths.update({base + "change/", base + "history/", base + "delete/"})
            real_paths.update({base + "change/", base + "history/", base + "delete/"})

    # The portal's list pages read filters; its detail pages only see the common hostile queries.
    workspace_lists = {
        path for path in real_paths if path.startswith("/w/") and not re.search(r"/\d+/", path)
    }
    assert {
        "/login/",
        "/w/alpha/codes/",
        "/w/alpha/codes/new/",
        "/admin/accesscodes/accesscode/",
    } <= real_paths
    failures = []
    for user in world["users"]:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        # A member meets the same code on the real pages of the portal and of our own admin; hostile ids
        # in paths and third-party admin pages are walked once, as the superuser.
        member_paths = {path for path in real_paths if path.startswith(("/w/", *OWN_ADMIN))}
        for path in sorted(paths if user.is_superuser else member_paths):
            if path in changelists:
                parameters = CHANGELIST_PARAMETERS + changelists[path]
            elif path in workspace_lists:
                parameters = PAGE_PARAMETERS
            else:
                parameters = []
            queries = [{name: value} for name in parameters for value in HOSTILE_VALUES]
            queries += OTHER_QUERIES if path in real_paths else [{}]
            for query in queries:
                response = client.get(path, query)
                if response.status_code >= 500:
                    failures.append(f"{user.username} GET {path} {query!r}: {response.status_code}")
    assert failures == []


def test_admin_code_filter_by_a_device_id_that_is_not_a_number_shows_nothing(client, make_user, world):
    client.force_login(make_user("root-2", superuser=True))
    response = client.get("/admin/accesscodes/accesscode/", {"device": "abc"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
