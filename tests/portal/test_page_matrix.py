"""The cross-workspace matrix of the pages, generated from the URL conf: every page under `w/<slug>/` and
every method it answers, with two workspaces (tests/matrix_world.py) and every role.

- A's owner (also when an admin of B too) naming B's objects under A's slug gets 404 (or, where only the
  body names them, a form error), and nothing of B changes;
- A's owner asking B's slug gets 404, and nothing of B changes;
- each role of A is allowed or refused as the row in page_matrix_rows.py says, and a refusal changes
  nothing of A; anonymous requests go to the login page;
- no page of A shows anything of B, and after any request no row of A points to a row of B;
- a page or method missing from the rows fails `test_every_workspace_page_is_in_the_matrix`."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from matrix_world import ROLE_RANK, ROLES, world_fixture
from page_matrix_rows import ROWS, VARIANTS, no_kwargs, no_query
from tenant_snapshot import foreign_references, tenant_snapshot

from portal.models import Role
from portal.services import membership_set
from portal.tenant_views import READ_METHODS

world = world_fixture()
WORKSPACE_PREFIX = "w/<slug:workspace_slug>/"


def view_methods(callback) -> list[str]:
    view_class = callback.view_class
    methods = [name for name in view_class.http_method_names if hasattr(view_class, name)]
    return sorted(method.upper() for method in methods if method not in ("head", "options"))


def workspace_pages() -> dict[tuple[str, str], str]:
    """(URL name, METHOD) -> route, for every pattern under w/<slug>/."""
    pages = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(WORKSPACE_PREFIX):
                for method in view_methods(pattern.callback):
                    pages[(pattern.name, method)] = route

    walk(get_resolver().url_patterns, "")
    return pages


PAGES = workspace_pages()
CASES = sorted(PAGES)
ROLE_CASES = [(name, method, ROWS.get((name, method))) for name, method in CASES] + [
    (variant.name, variant.method, variant.row) for variant in VARIANTS
]


def case_id(name, method, row=None) -> str:
    return f"{name}-{method}" + (f"-{row.minimum}-up" if row else "")


def test_every_workspace_page_is_in_the_matrix():
    assert len(PAGES) >= 50 and None not in {name for name, _ in PAGES}, "every page needs a URL name"
    missing = [
        f"{name} {method} ({PAGES[(name, method)]})" for name, method in CASES if (name, method) not in ROWS
    ]
    stale = [f"{name} {method}" for name, method in sorted(set(ROWS) - set(PAGES))]
    assert (missing, stale) == ([], []), (
        f"pages missing from tests/portal/page_matrix_rows.py ROWS: {missing}; "
        f"rows of pages that no longer exist: {stale}"
    )


def row_of(name, method):
    if (name, method) not in ROWS:
        pytest.fail(
            f"{name} {method} is not in page_matrix_rows.ROWS (see test_every_workspace_page_is_in_the_matrix)"
        )
    return ROWS[(name, method)]


def send(client, method, slug, name, row, w):
    """`row`'s request for URL `name` under workspace `slug`, naming the objects (and body) of world `w`."""
    url = reverse(name, kwargs={"workspace_slug": slug, **row.kwargs(w)}) + row.query(w)
    if method in READ_METHODS:
        return client.get(url)
    return client.post(url, row.body(w))


def names_an_object(row, w) -> bool:
    return bool(row.kwargs(w) or row.query(w))


def names_objects_anywhere(name, method) -> bool:
    """Whether the row's request names a row of the workspace (in the URL, or by id in its body)."""
    row = ROWS.get((name, method))
    if row is None:
        return True  # fails in the test, naming the missing row
    in_url = row.kwargs is not no_kwargs or row.query is not no_query
    return in_url or (method == "POST" and row.body_names_objects)


OBJECT_CASES = [case for case in CASES if names_objects_anywhere(*case)]


def owner_of_a(alpha, bravo):
    return alpha.users["owner"]


def owner_of_a_and_admin_of_b(alpha, bravo):
    """A page must scope by the workspace in its URL, not by every workspace its user belongs to."""
    user = alpha.users["owner"]
    membership_set(workspace=bravo.workspace, user=user, role=Role.ADMIN)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [owner_of_a, owner_of_a_and_admin_of_b])
@pytest.mark.parametrize(("name", "method"), OBJECT_CASES, ids=[case_id(*case) for case in OBJECT_CASES])
def test_a_member_of_a_naming_bs_objects_under_as_slug_finds_nothing(client, world, name, method, actor):
    alpha, bravo = world
    row = row_of(name, method)
    client.force_login(actor(alpha, bravo))
    before = tenant_snapshot(bravo.workspace)

    response = send(client, method, alpha.slug, name, row, bravo)

    if names_an_object(row, bravo):
        assert response.status_code == 404, (name, method, response.status_code)
    else:  # only the body names B's rows: the form refuses them (a live preview answers its partial, 200)
        assert response.status_code in (200, 400), (name, method, response.status_code)
        assert response.context["form"].errors, (name, method, "B's ids in the body were accepted")
    assert tenant_snapshot(bravo.workspace) == before
    assert foreign_references(alpha.workspace) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES, ids=[case_id(*case) for case in CASES])
def test_a_member_of_a_asking_bs_slug_gets_404(client, world, name, method):
    alpha, bravo = world
    row = row_of(name, method)
    before = tenant_snapshot(bravo.workspace)
    client.force_login(alpha.users["owner"])

    response = send(client, method, bravo.slug, name, row, bravo)

    assert response.status_code == 404, (name, method, response.status_code)
    assert tenant_snapshot(bravo.workspace) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "row"), ROLE_CASES, ids=[case_id(*case) for case in ROLE_CASES])
def test_each_role_is_allowed_or_refused_as_its_row_says(client, world, name, method, row, role):
    alpha, _ = world
    if row is None:
        row_of(name, method)
    before = tenant_snapshot(alpha.workspace)
    client.force_login(alpha.users[role])

    response = send(client, method, alpha.slug, name, row, alpha)

    if ROLE_RANK[role] >= ROLE_RANK[row.minimum]:
        assert response.status_code in (200, 302), (name, method, role, response.status_code)
        assert foreign_references(alpha.workspace) == []
    else:
        assert response.status_code == row.refusal_for(role), (name, method, role, response.status_code)
        assert tenant_snapshot(alpha.workspace) == before


GET_CASES = [case for case in CASES if case[1] == "GET"]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), GET_CASES, ids=[case_id(*case) for case in GET_CASES])
def test_as_own_pages_show_nothing_of_b(client, world, name, method):
    """Every name in B's world says "Bravo" and its slug is "bravo": no page of A may show either, in a
    list, a form's choices or a link."""
    alpha, _ = world
    client.force_login(alpha.users["owner"])
    response = send(client, method, alpha.slug, name, row_of(name, method), alpha)
    assert response.status_code == 200
    content = response.content.decode().lower()
    assert "bravo" not in content, content[max(0, content.find("bravo") - 300) : content.find("bravo") + 100]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES, ids=[case_id(*case) for case in CASES])
def test_anonymous_is_sent_to_login_and_changes_nothing(client, world, name, method):
    alpha, _ = world
    before = tenant_snapshot(alpha.workspace)
    response = send(client, method, alpha.slug, name, row_of(name, method), alpha)
    assert (response.status_code, response.url.split("?")[0]) == (302, reverse("login"))
    assert tenant_snapshot(alpha.workspace) == before
