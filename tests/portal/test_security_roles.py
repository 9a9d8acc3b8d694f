"""Role rules in the admin: a workspace admin cannot reach the owners' powers, nobody changes their own
role, and a workspace always keeps an owner."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import Membership, Role
from portal.services import membership_change, membership_remove, membership_set, workspace_create

CHANGELIST = "admin:portal_membership_changelist"


def membership_url(membership):
    return reverse("admin:portal_membership_change", args=[membership.pk])


def role_of(user, workspace):
    return Membership.objects.get(user=user, workspace=workspace).role


@pytest.fixture
def carol(workspace_a, member):
    """An admin of Alice's workspace."""
    return member(workspace_a, Role.ADMIN, username="carol")


@pytest.fixture
def dave(workspace_a, member):
    return member(workspace_a, Role.VIEWER, username="dave")


@pytest.fixture
def carol_client(client, carol):
    client.force_login(carol)
    return client


def post_role(client, membership, role):
    return client.post(membership_url(membership), {"role": role})


def test_admin_cannot_make_themselves_owner(carol_client, carol, workspace_a):
    own = Membership.objects.get(user=carol, workspace=workspace_a)
    response = post_role(carol_client, own, Role.OWNER)
    assert response.status_code == 200  # the form again, with the refusal
    assert response.context["adminform"].form.errors["role"]
    assert role_of(carol, workspace_a) == Role.ADMIN


def test_admin_cannot_promote_someone_to_owner(carol_client, dave, workspace_a):
    response = post_role(carol_client, Membership.objects.get(user=dave, workspace=workspace_a), Role.OWNER)
    assert "Only an owner" in str(response.context["adminform"].form.errors["role"])
    assert role_of(dave, workspace_a) == Role.VIEWER


def test_admin_cannot_add_an_owner(carol_client, carol, member, workspace_a):
    # Erin belongs to another workspace Carol administers, so the admin offers her.
    other = workspace_create(name="Charlie Inns", slug="charlie", seam_api_key="seam_test_charlie_0")
    membership_set(workspace=other, user=carol, role=Role.ADMIN)
    erin = member(other, Role.VIEWER, username="erin")
    response = carol_client.post(
        reverse("admin:portal_membership_add"),
        {"user": erin.pk, "workspace": workspace_a.pk, "role": "owner"},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=erin, workspace=workspace_a).exists()
    # The same as an admin role is fine: the refusal is about owners only.
    carol_client.post(
        reverse("admin:portal_membership_add"),
        {"user": erin.pk, "workspace": workspace_a.pk, "role": "admin"},
    )
    assert role_of(erin, workspace_a) == Role.ADMIN


def test_admin_cannot_demote_the_owner(carol_client, alice, workspace_a):
    owner_membership = Membership.objects.get(user=alice, workspace=workspace_a)
    assert post_role(carol_client, owner_membership, Role.VIEWER).status_code == 403
    assert role_of(alice, workspace_a) == Role.OWNER


def test_admin_cannot_delete_the_owner_membership(carol_client, alice, workspace_a):
    owner_membership = Membership.objects.get(user=alice, workspace=workspace_a)
    delete_url = reverse("admin:portal_membership_delete", args=[owner_membership.pk])
    assert carol_client.post(delete_url, {"post": "yes"}).status_code == 403
    carol_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [owner_membership.pk], "post": "yes"},
    )
    assert role_of(alice, workspace_a) == Role.OWNER


def test_admin_still_manages_members_below_owner(carol_client, dave, workspace_a):
    post_role(carol_client, Membership.objects.get(user=dave, workspace=workspace_a), Role.MANAGER)
    assert role_of(dave, workspace_a) == Role.MANAGER


def test_owner_manages_owners(alice_client, dave, workspace_a):
    post_role(alice_client, Membership.objects.get(user=dave, workspace=workspace_a), Role.OWNER)
    assert role_of(dave, workspace_a) == Role.OWNER


@pytest.mark.parametrize("username, role_after", [("alice", Role.ADMIN), ("carol", Role.VIEWER)])
def test_nobody_changes_their_own_role(client, carol, dave, workspace_a, username, role_after):
    membership_set(workspace=workspace_a, user=dave, role=Role.OWNER)  # Alice is not the only owner
    own = Membership.objects.get(user__username=username, workspace=workspace_a)
    client.force_login(own.user)
    response = post_role(client, own, role_after)
    assert "own role" in str(response.context["adminform"].form.errors["role"])
    assert role_of(own.user, workspace_a) == own.role


def test_the_last_owner_cannot_be_demoted_or_removed(client, make_user, alice, workspace_a):
    client.force_login(make_user("root", superuser=True))
    owner_membership = Membership.objects.get(user=alice, workspace=workspace_a)
    response = post_role(client, owner_membership, Role.ADMIN)
    assert "at least one owner" in str(response.context["adminform"].form.errors["role"])
    client.post(reverse("admin:portal_membership_delete", args=[owner_membership.pk]), {"post": "yes"})
    assert role_of(alice, workspace_a) == Role.OWNER


def test_removing_every_owner_at_once_keeps_one(client, make_user, alice, dave, workspace_a):
    membership_set(workspace=workspace_a, user=dave, role=Role.OWNER)
    client.force_login(make_user("root", superuser=True))
    owners = Membership.objects.filter(workspace=workspace_a, role=Role.OWNER)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [m.pk for m in owners], "post": "yes"},
        follow=True,
    )
    assert Membership.objects.filter(workspace=workspace_a, role=Role.OWNER).count() == 1
    assert b"at least one owner" in response.content


def test_the_rules_hold_in_the_services_too(carol, alice, dave, workspace_a):
    with pytest.raises(ValidationError, match="own role"):
        membership_change(actor=carol, workspace=workspace_a, user=carol, role=Role.OWNER)
    with pytest.raises(ValidationError, match="Only an owner"):
        membership_change(actor=carol, workspace=workspace_a, user=dave, role=Role.OWNER)
    with pytest.raises(ValidationError, match="Only an owner"):
        membership_remove(actor=carol, membership=Membership.objects.get(user=alice, workspace=workspace_a))
    assert role_of(alice, workspace_a) == Role.OWNER
    assert role_of(carol, workspace_a) == Role.ADMIN
    assert role_of(dave, workspace_a) == Role.VIEWER
