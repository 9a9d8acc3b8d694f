import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from portal.fields import SecretText
from portal.models import ApiToken, Heartbeat, Membership, Role, Workspace
from portal.role_rules import membership_change_refusal, workspace_change_refusals, workspace_members_lock
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
    workspace_created.send(sender=Workspace, workspace=workspace)
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete the workspace, every row it owns and, through `workspace_deleted`, what the apps above keep
    for it (e.g. their schedules)."""
    workspace_id = workspace.pk
    workspace.delete()
    workspace_deleted.send(sender=Workspace, workspace_id=workspace_id)


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


API_TOKEN_PREFIX = "lp_"


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, workspace: Workspace, name: str, scope: str = ApiToken.Scope.WRITE, created_by=None):
    """A new token and its clear text, which is returned here once and stored nowhere."""
    clear = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace=workspace,
        name=name,
        scope=scope,
        prefix=clear[:10],
        token_hash=api_token_hash(clear),
        created_by=created_by,
    )
    # A hash of 256 random bits is unique; the unique index would still refuse a collision.
    token.full_clean(validate_unique=False)
    token.save()
    return token, clear


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def workspace_seam_key_replace(*, actor, workspace: Workspace, seam_api_key: str) -> Workspace:
    """Replace the workspace's Seam API key on behalf of `actor` (owners only, `workspace_change_refusals`)."""
    refusals = workspace_change_refusals(actor=actor, workspace=workspace, changed_fields=["seam_api_key"])
    if refusals:
        raise ValidationError(refusals)
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    workspace.seam_api_key = SecretText(seam_api_key)
    workspace.full_clean()
    workspace.save(update_fields=["seam_api_key"])
    return workspace


def heartbeat_beat(*, name: str, now=None) -> None:
    """Record that `name` (a Heartbeat.Name) just worked: one INSERT ... ON CONFLICT UPDATE, so several
    processes may beat at once."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, beat_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beat_at"],
    )
