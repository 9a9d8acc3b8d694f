import pytest
from django.urls import reverse

from portal.models import Membership, Role, Workspace
from portal.signals import workspace_created, workspace_deleted


def test_workspace_changelist_shows_only_own_workspace(alice_client, two_workspaces):
    response = alice_client.get(reverse("admin:portal_workspace_changelist"))
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content
    assert b"Bravo Hotels" not in response.content


def test_other_workspace_change_page_is_not_reachable(alice_client, two_workspaces):
    _, workspace_b = two_workspaces
    response = alice_client.get(reverse("admin:portal_workspace_change", args=[workspace_b.pk]), follow=True)
    assert b"Bravo Hotels" not in response.content
    assert b"doesn" in response.content  # "... doesn't exist. Perhaps it was deleted?"


def test_other_workspace_cannot_be_edited_by_post(alice_client, two_workspaces):
    _, workspace_b = two_workspaces
    alice_client.post(
        reverse("admin:portal_workspace_change", args=[workspace_b.pk]),
        {"name": "Hijacked", "slug": "bravo", "timezone": "UTC", "seam_api_key": "", "seam_api_url": ""},
    )
    workspace_b.refresh_from_db()
    assert workspace_b.name == "Bravo Hotels"


def test_own_workspace_can_be_edited_and_key_kept_when_blank(alice_client, two_workspaces):
    workspace_a, _ = two_workspaces
    response = alice_client.post(
        reverse("admin:portal_workspace_change", args=[workspace_a.pk]),
        {
            "name": "Alpha Renamed",
            "slug": "alpha",
            "timezone": "Europe/Paris",
            "seam_api_key": "",
            "seam_api_url": "",
        },
    )
    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert workspace_a.name == "Alpha Renamed"
    assert workspace_a.seam_api_key == "seam_test_alpha_key_000"


def test_change_page_never_shows_the_full_key(alice_client, two_workspaces):
    workspace_a, _ = two_workspaces
    response = alice_client.get(reverse("admin:portal_workspace_change", args=[workspace_a.pk]))
    assert response.status_code == 200
    assert b"seam_test_alpha_key_000" not in response.content
    assert "seam_…_000".encode() in response.content


def test_membership_changelist_and_fk_choices_are_scoped(alice_client, two_workspaces, bob):
    response = alice_client.get(reverse("admin:portal_membership_changelist"))
    assert b"Alpha Rentals" in response.content
    assert b"Bravo Hotels" not in response.content
    add_page = alice_client.get(reverse("admin:portal_membership_add"))
    workspace_choices = add_page.context["adminform"].form.fields["workspace"].queryset
    user_choices = add_page.context["adminform"].form.fields["user"].queryset
    assert [w.slug for w in workspace_choices] == ["alpha"]
    assert bob not in user_choices


def test_cannot_add_membership_to_other_workspace(alice_client, two_workspaces, alice):
    _, workspace_b = two_workspaces
    response = alice_client.post(
        reverse("admin:portal_membership_add"),
        {"user": alice.pk, "workspace": workspace_b.pk, "role": "owner"},
    )
    assert response.status_code == 200  # form redisplayed with an error
    assert not Membership.objects.filter(user=alice, workspace=workspace_b).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
def test_viewer_and_manager_cannot_edit_workspace(client, two_workspaces, member, role):
    workspace_a, _ = two_workspaces
    user = member(workspace_a, role)
    client.force_login(user)
    assert client.get(reverse("admin:portal_workspace_changelist")).status_code == 403
    response = client.post(
        reverse("admin:portal_workspace_change", args=[workspace_a.pk]),
        {"name": "Changed", "slug": "alpha", "timezone": "UTC", "seam_api_key": "", "seam_api_url": ""},
    )
    assert response.status_code in (302, 403)
    workspace_a.refresh_from_db()
    assert workspace_a.name == "Alpha Rentals"


def test_superuser_sees_every_workspace(client, two_workspaces, make_user):
    client.force_login(make_user("root", superuser=True))
    response = client.get(reverse("admin:portal_workspace_changelist"))
    assert b"Alpha Rentals" in response.content
    assert b"Bravo Hotels" in response.content


def test_only_superusers_add_workspaces(alice_client, two_workspaces):
    assert alice_client.get(reverse("admin:portal_workspace_add")).status_code == 403


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", superuser=True))
    return client


@pytest.fixture
def lifecycle_signals():
    """What the apps above the portal hear about workspaces (they attach schedules to these)."""
    heard = []

    def created(sender, workspace, **kwargs):
        heard.append(("created", workspace.pk))

    def deleted(sender, workspace_id, **kwargs):
        heard.append(("deleted", workspace_id))

    workspace_created.connect(created)
    workspace_deleted.connect(deleted)
    yield heard
    workspace_created.disconnect(created)
    workspace_deleted.disconnect(deleted)


def test_admin_add_goes_through_the_workspace_service(
    root_client, lifecycle_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(
            reverse("admin:portal_workspace_add"),
            {
                "name": "Charlie Inns",
                "slug": "charlie",
                "timezone": "Europe/Paris",
                "seam_api_key": "seam_test_charlie_key_0",
                "seam_api_url": "",
                "seam_workspace_id": "ws_charlie",
            },
        )
    assert response.status_code == 302
    workspace = Workspace.objects.get(slug="charlie")
    assert (workspace.seam_api_key, workspace.seam_workspace_id) == ("seam_test_charlie_key_0", "ws_charlie")
    assert lifecycle_signals == [("created", workspace.pk)]


def test_admin_delete_goes_through_the_workspace_service(
    root_client, two_workspaces, lifecycle_signals, django_capture_on_commit_callbacks
):
    workspace_a, workspace_b = two_workspaces
    with django_capture_on_commit_callbacks(execute=True):
        root_client.post(reverse("admin:portal_workspace_delete", args=[workspace_a.pk]), {"post": "yes"})
        root_client.post(
            reverse("admin:portal_workspace_changelist"),
            {"action": "delete_selected", "_selected_action": [workspace_b.pk], "post": "yes"},
        )
    assert not Workspace.objects.filter(pk__in=[workspace_a.pk, workspace_b.pk]).exists()
    assert lifecycle_signals == [("deleted", workspace_a.pk), ("deleted", workspace_b.pk)]


def test_owner_deletes_their_workspace_with_everything_in_it(alice_client, two_workspaces, make_device):
    workspace_a, _ = two_workspaces
    make_device(workspace_a)  # read-only in the admin, yet it goes with its workspace
    response = alice_client.post(
        reverse("admin:portal_workspace_delete", args=[workspace_a.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Workspace.objects.filter(pk=workspace_a.pk).exists()
