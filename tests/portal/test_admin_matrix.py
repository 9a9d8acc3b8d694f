"""The cross-workspace matrix of the admin, generated from `admin.site._registry`: for every ModelAdmin of a
workspace's rows, a staff member of A (owner of A, not a superuser, not a member of B) sees none of B's rows
in the changelist, with a search or without; B's change, delete and history pages do not open; posting to
them or running any action with B's ids changes nothing of B and queues nothing. Each role of A sees the
changelist or gets 403, and a role below the row's editing role changes nothing of A by any of those doors.
The rows are in admin_matrix_rows.py."""

import pytest
from admin_matrix_rows import ADMIN_ROWS
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.urls import reverse
from matrix_world import ROLE_RANK, ROLES, world_fixture
from tenant_snapshot import foreign_references, tenant_snapshot

from portal.models import Membership, Role, Workspace
from portal.services import membership_set
from portal.tenancy import TenantModel

world = world_fixture()
WORKSPACE_MODELS = (Workspace, Membership)  # scoped by workspace without being TenantModels


def tenant_admins() -> dict[str, admin.ModelAdmin]:
    return {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if issubclass(model, TenantModel) or model in WORKSPACE_MODELS
    }


ADMINS = tenant_admins()
LABELS = sorted(ADMINS)
ACTION_CASES = [(label, action) for label in LABELS for _, action, _ in ADMINS[label]._get_base_actions()]


def test_every_tenant_admin_is_in_the_matrix():
    assert len(ADMINS) >= 15
    missing, stale = sorted(set(ADMINS) - set(ADMIN_ROWS)), sorted(set(ADMIN_ROWS) - set(ADMINS))
    assert (missing, stale) == ([], []), (
        f"ModelAdmins missing from tests/portal/admin_matrix_rows.py ADMIN_ROWS: {missing}; "
        f"rows of admins that no longer exist: {stale}"
    )


def admin_url(label, view, *args):
    model = ADMINS[label].model
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def row_of(label):
    if label not in ADMIN_ROWS:
        pytest.fail(
            f"{label} is not in admin_matrix_rows.ADMIN_ROWS (see test_every_tenant_admin_is_in_the_matrix)"
        )
    return ADMIN_ROWS[label]


def object_of(label, w):
    return getattr(w, row_of(label).attribute)


def shown_pks(response) -> set:
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.django_db
@pytest.mark.parametrize("label", LABELS)
def test_the_changelist_shows_none_of_bs_rows(client, world, label):
    alpha, bravo = world
    row = row_of(label)
    client.force_login(alpha.users["owner"])
    changelist = admin_url(label, "changelist")

    assert object_of(label, alpha).pk in shown_pks(client.get(changelist))  # the control: A's row is listed
    assert object_of(label, bravo).pk not in shown_pks(client.get(changelist))
    searched = client.get(changelist, {"q": row.search.format(slug=bravo.slug)})
    assert object_of(label, bravo).pk not in shown_pks(searched)
    # The same search finds A's own row (so it would have found B's), where the admin searches at all.
    if ADMINS[label].search_fields:
        own = client.get(changelist, {"q": row.search.format(slug=alpha.slug)})
        assert object_of(label, alpha).pk in shown_pks(own)


@pytest.mark.django_db
@pytest.mark.parametrize("label", LABELS)
def test_bs_change_delete_and_history_pages_do_not_open_and_change_nothing(
    client, world, label, django_capture_on_commit_callbacks
):
    alpha, bravo = world
    client.force_login(alpha.users["owner"])
    pk = object_of(label, bravo).pk
    before = tenant_snapshot(bravo.workspace)

    with django_capture_on_commit_callbacks() as queued:
        for view in ("change", "delete", "history"):
            response = client.get(admin_url(label, view, pk))
            assert response.status_code in (302, 403, 404), (label, view, response.status_code)
        for view, data in (("change", {}), ("delete", {"post": "yes"})):
            response = client.post(admin_url(label, view, pk), data)
            assert response.status_code in (302, 403, 404), (label, view, response.status_code)

    assert tenant_snapshot(bravo.workspace) == before
    assert queued == []


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "action"), ACTION_CASES)
def test_an_action_given_bs_ids_changes_nothing(
    client, world, label, action, django_capture_on_commit_callbacks
):
    alpha, bravo = world
    client.force_login(alpha.users["owner"])
    before = tenant_snapshot(bravo.workspace)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            admin_url(label, "changelist"),
            {"action": action, "_selected_action": [object_of(label, bravo).pk], "post": "yes"},
        )

    assert response.status_code in (200, 302, 403), response.status_code
    assert tenant_snapshot(bravo.workspace) == before
    assert queued == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", LABELS)
def test_each_role_sees_and_changes_only_what_its_row_allows(
    client, world, label, role, django_capture_on_commit_callbacks
):
    alpha, _ = world
    row = row_of(label)
    client.force_login(alpha.users[role])
    pk = object_of(label, alpha).pk
    changelist = client.get(admin_url(label, "changelist"))
    if ROLE_RANK[role] >= ROLE_RANK[row.view_minimum]:
        assert pk in shown_pks(changelist)
    else:
        assert changelist.status_code == 403, changelist.status_code
    refused_actions = [
        action
        for _, action, _ in ADMINS[label]._get_base_actions()
        if ROLE_RANK[role] < ROLE_RANK[row.action_minimum(action)]
    ]
    may_edit = ROLE_RANK[role] >= ROLE_RANK[row.edit_minimum]
    if may_edit and not refused_actions:
        return
    before = tenant_snapshot(alpha.workspace)

    with django_capture_on_commit_callbacks() as queued:
        for view, data in () if may_edit else (("change", {}), ("delete", {"post": "yes"})):
            response = client.post(admin_url(label, view, pk), data)
            assert response.status_code in (302, 403), (label, view, response.status_code)
        for action in refused_actions:
            response = client.post(
                admin_url(label, "changelist"), {"action": action, "_selected_action": [pk], "post": "yes"}
            )
            assert response.status_code in (200, 302, 403), (label, action, response.status_code)

    assert tenant_snapshot(alpha.workspace) == before
    assert queued == []


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["changelist", "add", "change"])
@pytest.mark.parametrize("label", LABELS)
def test_as_admin_pages_show_nothing_of_b(client, world, label, view):
    """Every name in B's world says "Bravo" and its slug is "bravo": no admin page of A's own rows may show
    either, in the list, its filters, a form's choices or an inline."""
    alpha, _ = world
    client.force_login(alpha.users["owner"])
    args = [object_of(label, alpha).pk] if view == "change" else []
    response = client.get(admin_url(label, view, *args))
    if view == "add" and response.status_code == 403:
        pytest.skip(f"{label} rows are not added in the admin")
    assert response.status_code == 200, response.status_code
    content = response.content.decode().lower()
    assert "bravo" not in content, content[max(0, content.find("bravo") - 300) : content.find("bravo") + 100]


def bs_choice(model, bravo):
    """B's object of `model` (a user of B for the user model), or None when B's world has none."""
    if model is Workspace:
        return bravo.workspace
    if model is get_user_model():
        return bravo.users["owner"]
    return next((value for value in vars(bravo).values() if isinstance(value, model)), None)


def form_naming_bs_rows(form, bravo) -> dict:
    """For each choice field of the admin form, B's row of that model."""
    data = {}
    for name, field in form.fields.items():
        choice = bs_choice(field.queryset.model, bravo) if isinstance(field, ModelChoiceField) else None
        if choice is not None:
            data[name] = [choice.pk] if isinstance(field, ModelMultipleChoiceField) else choice.pk
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["add", "change"])
@pytest.mark.parametrize("label", LABELS)
def test_an_admin_form_given_bs_rows_refuses_each_of_them(client, world, label, view):
    alpha, bravo = world
    client.force_login(alpha.users["owner"])
    url = admin_url(label, view, *([object_of(label, alpha).pk] if view == "change" else []))
    page = client.get(url)
    if page.status_code == 403 or "adminform" not in page.context:
        pytest.skip(f"{label} rows are not {view}ed in the admin")
    data = form_naming_bs_rows(page.context["adminform"].form, bravo)
    if not data:
        pytest.skip(f"the {label} {view} form chooses no workspace row")
    before = (tenant_snapshot(alpha.workspace), tenant_snapshot(bravo.workspace))

    response = client.post(url, data)

    assert response.status_code == 200, (label, view, response.status_code, data)
    assert set(data) <= set(response.context["adminform"].form.errors), (label, view, data)
    assert (tenant_snapshot(alpha.workspace), tenant_snapshot(bravo.workspace)) == before


def field_data(form, prefix_form=None) -> dict:
    """The POST data an unchanged submit of `form` sends (split widgets by their sub-names)."""
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if hasattr(widget, "decompress"):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}{widget.widgets_names[index]}"] = part
        elif isinstance(value, list | tuple):
            data[bound.html_name] = list(value)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def unchanged_submit(page) -> dict:
    """What pressing "Save" on the admin change page `page` sends: the form and its inlines as shown."""
    data = field_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(field_data(formset.management_form))
        for form in formset.initial_forms:
            data.update(field_data(form))
    return data


def member_of_both(alpha, bravo):
    user = get_user_model().objects.create_user(username="both-admin", is_staff=True)
    for w in (alpha, bravo):
        membership_set(workspace=w.workspace, user=user, role=Role.ADMIN)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("label", LABELS)
def test_an_admin_of_both_workspaces_cannot_tie_as_rows_to_bs(client, world, label):
    """Someone who manages both workspaces may choose rows of either: A's row still never ends up pointing
    at a row of B, nor moves to B while its rows stay in A. Their unchanged submit is saved (the control)."""
    alpha, bravo = world
    client.force_login(member_of_both(alpha, bravo))
    url = admin_url(label, "change", object_of(label, alpha).pk)
    page = client.get(url)
    if (
        page.status_code != 200
        or "adminform" not in page.context
        or not page.context["has_change_permission"]
    ):
        pytest.skip(f"{label} rows are not changed in the admin")
    unchanged = unchanged_submit(page)
    pointing_at_b = {**unchanged, **form_naming_bs_rows(page.context["adminform"].form, bravo)}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        extra = form_naming_bs_rows(formset.empty_form, bravo)
        if extra:
            index = formset.initial_form_count()
            pointing_at_b[f"{formset.prefix}-TOTAL_FORMS"] = index + 1
            pointing_at_b.update({f"{formset.prefix}-{index}-{name}": value for name, value in extra.items()})
    if pointing_at_b == unchanged:
        pytest.skip(f"the {label} change form chooses no workspace row")
    before = (tenant_snapshot(alpha.workspace), tenant_snapshot(bravo.workspace))

    client.post(url, pointing_at_b)

    assert (foreign_references(alpha.workspace), foreign_references(bravo.workspace)) == ([], [])
    assert tenant_snapshot(bravo.workspace) == before[1]
    assert client.post(url, unchanged).status_code == 302, (
        "the unchanged submit is refused: the data is wrong"
    )
