"""Every route of the bookings API, every method: another workspace's id is 404 and changes nothing, a
read token's write is 403 and changes nothing, no token is 401. A new route without a matrix row fails."""

import json

import pytest
from bookings_api_helpers import api_client
from django.urls import reverse
from matrix_objects_bookings import BODIES, OBJECTS
from rest_framework.test import APIClient

from accesscodes.bookings.api.urls import urlpatterns
from accesscodes.bookings.models import (
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.models import AccessCode
from portal.models import ApiToken

pytestmark = pytest.mark.django_db
WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def routes() -> list[tuple[str, str]]:
    found = []
    for pattern in urlpatterns:
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            methods = actions
        else:
            view = pattern.callback.view_class
            methods = [name for name in ("get", "post", "patch", "put", "delete") if hasattr(view, name)]
        found += [(pattern.name, method.upper()) for method in methods]
    return sorted(found)


ROUTES = routes()


def state_of(workspace) -> tuple:
    """Everything a request could change in the workspace's bookings data."""
    return (
        list(Property.objects.for_workspace(workspace).order_by("pk").values()),
        list(Unit.objects.for_workspace(workspace).order_by("pk").values()),
        list(PropertySharedDoor.objects.for_workspace(workspace).order_by("pk").values()),
        list(UnitDoor.objects.for_workspace(workspace).order_by("pk").values()),
        list(Booking.objects.for_workspace(workspace).order_by("pk").values()),
        list(BookingCode.objects.for_workspace(workspace).order_by("pk").values()),
        list(Alert.objects.for_workspace(workspace).order_by("pk").values()),
        BookingEvent.objects.for_workspace(workspace).count(),
        list(AccessCode.objects.for_workspace(workspace).order_by("pk").values("pk", "sync_state", "code")),
    )


def send(client, method, url, body=None):
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def test_the_matrix_has_a_row_for_every_route_and_a_body_for_every_write():
    assert ROUTES, "no routes found"
    assert {name for name, _ in ROUTES} <= set(OBJECTS)
    writes_with_body = {(name, method) for name, method in ROUTES if method in {"POST", "PATCH", "PUT"}}
    assert writes_with_body <= set(BODIES)


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_another_workspaces_objects_are_out_of_reach(two_workspaces, name, method):
    workspace_a, workspace_b = two_workspaces
    kwargs = OBJECTS[name](workspace_a)
    body = BODIES[(name, method)](workspace_a) if (name, method) in BODIES else None
    before = state_of(workspace_a)
    response = send(api_client(workspace_b), method, reverse(name, kwargs=kwargs), body)
    if kwargs:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["type"] == "not_found"
    elif method == "GET":
        # A list answers only B's own rows: none of A's.
        assert response.status_code == 200
        assert response.json()["results"] == []
    elif name == "api-booking-batch":
        # Each item is answered on its own: A's unit does not resolve in B, so the item failed.
        assert response.status_code == 200, response.content
        assert [row["error"]["validation_errors"] for row in response.json()["results"]] == [
            {"unit_id": ["No such unit in this workspace."]}
        ]
    else:
        # A create names A's unit, property or doors: they do not resolve in B.
        assert response.status_code == 400, response.content
    assert state_of(workspace_a) == before


@pytest.mark.parametrize(("name", "method"), [route for route in ROUTES if route[1] in WRITES])
def test_a_read_token_may_not_write(workspace_a, name, method):
    kwargs = OBJECTS[name](workspace_a)
    body = BODIES[(name, method)](workspace_a) if (name, method) in BODIES else None
    before = state_of(workspace_a)
    client = api_client(workspace_a, scope=ApiToken.Scope.READ)
    response = send(client, method, reverse(name, kwargs=kwargs), body)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["type"] == "permission_denied"
    assert state_of(workspace_a) == before


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_no_token_is_401(workspace_a, name, method):
    kwargs = OBJECTS[name](workspace_a)
    before = state_of(workspace_a)
    response = send(APIClient(), method, reverse(name, kwargs=kwargs))
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthorized"
    assert state_of(workspace_a) == before
