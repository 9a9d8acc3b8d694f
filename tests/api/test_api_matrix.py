"""The cross-workspace matrix, generated from the URL conf: every endpoint under /api/v1/ and every method
it answers, with workspace B's token on workspace A's objects (404, or for a route naming no object an
answer that shows and changes nothing of A), A's read token on every write (403), and no token (401).

The rows come from every `tests/api/matrix_objects_*.py` module (OBJECTS and BODIES, see
matrix_objects_devices_codes.py). An endpoint or method missing from them fails
`test_every_api_route_is_in_the_matrix`: a new endpoint cannot slip past this test."""

import importlib.util
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from portal.api.errors import api_not_found
from portal.models import ApiToken, IdempotencyKey, Workspace
from portal.services import api_token_create
from portal.tenancy import TenantModel

API_PREFIX = "api/v1/"
NOT_IN_MATRIX = {"api-schema", "api-docs"}  # public documentation, no workspace data
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}
# Bookkeeping of the request itself, not the workspace's data.
NOT_SNAPSHOTTED = {ApiToken, IdempotencyKey}


def load_tables() -> tuple[dict, dict]:
    objects, bodies = {}, {}
    for path in sorted(Path(__file__).parent.glob("matrix_objects_*.py")):
        spec = importlib.util.spec_from_file_location(f"api_matrix_rows_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for table, rows in ((objects, module.OBJECTS), (bodies, module.BODIES)):
            twice = set(table) & set(rows)
            assert not twice, f"{path.name} repeats matrix rows: {sorted(twice)}"
            table.update(rows)
    return objects, bodies


OBJECTS, BODIES = load_tables()


def view_methods(callback) -> list[str]:
    if hasattr(callback, "actions"):  # a viewset route: the methods its router mapped
        methods = callback.actions
    else:
        view_class = callback.view_class
        methods = [name for name in view_class.http_method_names if hasattr(view_class, name)]
    return sorted(method.upper() for method in methods if method not in ("head", "options"))


def api_routes() -> dict[str | None, list[str]]:
    """URL name -> methods, for every pattern under /api/v1/ except the docs and the catch-all."""
    routes: dict[str | None, list[str]] = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith(API_PREFIX):
                if pattern.callback is api_not_found or pattern.name in NOT_IN_MATRIX:
                    continue
                routes.setdefault(pattern.name, []).extend(view_methods(pattern.callback))

    walk(get_resolver().url_patterns, "")
    return routes


ROUTES = api_routes()
CASES = [(name, method) for name, methods in sorted(ROUTES.items(), key=str) for method in methods]
WRITE_CASES = [(name, method) for name, method in CASES if method in WRITE_METHODS]


def test_every_api_route_is_in_the_matrix():
    assert None not in ROUTES, "every API route needs a name (the matrix is keyed by URL names)"
    assert {"api-device-list", "api-access-code-detail"} <= set(ROUTES)
    missing_objects = sorted(set(ROUTES) - set(OBJECTS))
    missing_bodies = sorted(
        (name, method)
        for name, method in CASES
        if method in METHODS_WITH_BODY and (name, method) not in BODIES
    )
    stale = sorted(set(OBJECTS) - set(ROUTES)) + sorted(set(BODIES) - set(CASES))
    assert (missing_objects, missing_bodies, stale) == ([], [], []), (
        "add the endpoint to a tests/api/matrix_objects_*.py module (OBJECTS / BODIES), "
        "or remove rows of endpoints that no longer exist"
    )


def snapshot(workspace) -> dict:
    """Every row workspace A owns, to prove a refused request changed nothing."""
    rows = {"workspace": list(Workspace.objects.filter(pk=workspace.pk).values())}
    for model in apps.get_models():
        if issubclass(model, TenantModel) and model not in NOT_SNAPSHOTTED:
            rows[model._meta.label] = list(model.objects.for_workspace(workspace).order_by("pk").values())
    return rows


def client_for(workspace, scope) -> APIClient:
    _, clear = api_token_create(workspace=workspace, name=f"matrix {scope}", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    return client


def send(client, method, url, body):
    call = getattr(client, method.lower())
    return call(url) if body is None else call(url, body, format="json")


def url_and_body(name, method, workspace):
    if name not in OBJECTS or (method in METHODS_WITH_BODY and (name, method) not in BODIES):
        pytest.fail(f"{name} {method} is not in the matrix (see test_every_api_route_is_in_the_matrix)")
    kwargs = OBJECTS[name](workspace)
    body = BODIES[(name, method)](workspace) if method in METHODS_WITH_BODY else None
    return reverse(name, kwargs=kwargs), kwargs, body


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES)
def test_another_workspaces_token_finds_nothing_and_changes_nothing(name, method, two_workspaces):
    workspace_a, workspace_b = two_workspaces
    url, kwargs, body = url_and_body(name, method, workspace_a)
    before = snapshot(workspace_a)

    response = send(client_for(workspace_b, ApiToken.Scope.WRITE), method, url, body)

    if kwargs:
        assert response.status_code == 404, (url, response.content[:300])
        assert response.json()["error"]["type"] == "not_found"
    else:
        # A route naming no object acts on B's own workspace: A's ids in the body are refused.
        assert response.status_code < 500, (url, response.content[:300])
        if body and any(key.endswith("_id") or key.endswith("_ids") for key in body):
            assert response.status_code in (400, 404), (url, response.content[:300])
        if method == "GET":
            assert response.json().get("results", []) == [], "B's list shows A's rows"
    assert snapshot(workspace_a) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), WRITE_CASES)
def test_a_read_token_may_not_write(name, method, workspace_a):
    url, _, body = url_and_body(name, method, workspace_a)
    before = snapshot(workspace_a)
    response = send(client_for(workspace_a, ApiToken.Scope.READ), method, url, body)
    assert response.status_code == 403, (url, response.content[:300])
    assert response.json()["error"]["type"] == "permission_denied"
    assert snapshot(workspace_a) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES)
def test_no_token_is_401(name, method, workspace_a):
    url, _, body = url_and_body(name, method, workspace_a)
    before = snapshot(workspace_a)
    response = send(APIClient(), method, url, body)
    assert response.status_code == 401, (url, response.content[:300])
    assert response.json()["error"]["type"] == "unauthorized"
    assert snapshot(workspace_a) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), [case for case in CASES if case[1] == "GET"])
def test_the_owning_workspace_reads_its_objects(name, method, workspace_a):
    """The control group: the same URLs answer 200 to A's own read token, so the 404s above mean scoping."""
    url, _, _ = url_and_body(name, method, workspace_a)
    response = client_for(workspace_a, ApiToken.Scope.READ).get(url)
    assert response.status_code == 200, (url, response.content[:300])
    if "results" in response.json():
        assert response.json()["results"], "the maker created a row the list should show"
