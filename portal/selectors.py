from portal.models import Membership, Role, Workspace


def workspaces_for_user(*, user, roles=None):
    """Workspaces the user belongs to (with one of `roles` when given). Superusers see every workspace."""
    if not user.is_authenticated:
        return Workspace.objects.none()
    if user.is_superuser:
        return Workspace.objects.all()
    memberships = Membership.objects.for_user(user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Workspace.objects.filter(pk__in=memberships.values("workspace_id"))


def workspace_role(*, user, workspace) -> str | None:
    if user.is_superuser:
        return Role.OWNER
    membership = Membership.objects.for_user(user).filter(workspace=workspace).first()
    return membership.role if membership else None
