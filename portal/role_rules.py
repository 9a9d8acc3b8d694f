"""Who may change what in a workspace: one set of rules for every entry point that changes settings or members.

Each function answers with the reasons for refusing (empty when the change is allowed), so a form can show
them next to its fields and a service can raise them. Call them inside the transaction that writes the
change, after `workspace_members_lock()`, so two concurrent changes cannot both remove "the other" owner.
"""

from portal.models import WORKSPACE_ADMIN_ROLES, Membership, Role, Workspace
from portal.selectors import workspace_role

# The key, and the URL the key is sent to: changing either can hand the workspace's Seam account to
# someone else, so they are the owners' alone.
OWNER_ONLY_WORKSPACE_FIELDS = ("seam_api_key", "seam_api_url")


def workspace_members_lock(*, workspace: Workspace) -> None:
    """Serialise membership changes of one workspace until the surrounding transaction ends."""
    Workspace.objects.select_for_update().filter(pk=workspace.pk).exists()


def workspace_change_refusals(*, actor, workspace: Workspace, changed_fields) -> dict[str, str]:
    owner_only = [name for name in OWNER_ONLY_WORKSPACE_FIELDS if name in changed_fields]
    if not owner_only or workspace_role(user=actor, workspace=workspace) == Role.OWNER:
        return {}
    return {name: "Only an owner of the workspace can change this." for name in owner_only}


def membership_change_refusal(
    *, actor, workspace: Workspace, user, role_before: str | None, role_after: str | None
) -> str:
    """Adding (role_before None), changing, or removing (role_after None) `user`'s membership."""
    actor_role = workspace_role(user=actor, workspace=workspace)
    if actor_role not in WORKSPACE_ADMIN_ROLES:
        return "Only owners and admins manage the members of a workspace."
    if user == actor and role_before is not None and role_after not in (None, role_before):
        return "Nobody changes their own role; ask another owner or admin."
    if Role.OWNER in (role_before, role_after) and actor_role != Role.OWNER:
        return "Only an owner can add, change or remove an owner."
    if role_before == Role.OWNER and role_after != Role.OWNER and not _other_owners(workspace, user):
        return "A workspace keeps at least one owner: make someone else owner first."
    return ""


def _other_owners(workspace: Workspace, user) -> bool:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).exclude(user=user).exists()
