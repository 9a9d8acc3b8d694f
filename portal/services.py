from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from portal.models import Membership, Role, Workspace
from portal.role_rules import membership_change_refusal, workspace_members_lock
from portal.signals import workspace_created, workspace_deleted


@transaction.atomic
def workspace_create(
    *,
    name: str,
    seam_api_key: str,
    slug: str = "",
    timezone: str = "UTC",
    seam_api_url: str = "",
    owner=None,
) -> Workspace:
    workspace = Workspace(
        name=name,
        slug=slug or slugify(name)[:60],
        timezone=timezone,
        seam_api_key=seam_api_key,
        seam_api_url=seam_api_url,
    )
    workspace.full_clean()
    workspace.save()
    if owner is not None:
        membership_set(workspace=workspace, user=owner, role=Role.OWNER)
    _after_workspace_created(workspace)
    transaction.on_commit(lambda: workspace_created.send(sender=Workspace, workspace=workspace))
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete the workspace and every row it owns; the apps above drop its schedules after commit."""
    workspace_id = workspace.pk
    workspace.delete()
    transaction.on_commit(lambda: workspace_deleted.send(sender=Workspace, workspace_id=workspace_id))


def _after_workspace_created(workspace: Workspace) -> None:
    # The periodic Seam work of a workspace; imported here so the portal app does not import its children.
    from accesscodes.schedules import access_code_schedules_ensure
    from devices.services import workspace_sync_schedule_ensure

    def ensure_schedules():
        workspace_sync_schedule_ensure(workspace=workspace)
        access_code_schedules_ensure(workspace=workspace)

    transaction.on_commit(ensure_schedules)


def membership_set(*, workspace: Workspace, user, role: str) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, user=user).first() or Membership(
        workspace=workspace, user=user
    )
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


def user_get_by_username(*, username: str):
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise ValidationError({"owner": f"No user named “{username}”."}) from exc


@transaction.atomic
def membership_change(*, actor, workspace: Workspace, user, role: str) -> Membership:
    """Add or change a member on behalf of `actor`, under the workspace's role rules."""
    workspace_members_lock(workspace=workspace)
    current = Membership.objects.filter(workspace=workspace, user=user).first()
    refusal = membership_change_refusal(
        actor=actor,
        workspace=workspace,
        user=user,
        role_before=current.role if current else None,
        role_after=role,
    )
    if refusal:
        raise ValidationError({"role": refusal})
    return membership_set(workspace=workspace, user=user, role=role)


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    workspace_members_lock(workspace=membership.workspace)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        return
    refusal = membership_change_refusal(
        actor=actor, workspace=current.workspace, user=current.user, role_before=current.role, role_after=None
    )
    if refusal:
        raise ValidationError(refusal)
    current.delete()
