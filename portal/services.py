from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from portal.models import Membership, Role, Workspace


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
    return workspace


def _after_workspace_created(workspace: Workspace) -> None:
    # Devices register the periodic Seam sync; imported here so portal does not depend on devices at import.
    from devices.services import workspace_sync_schedule_ensure

    transaction.on_commit(lambda: workspace_sync_schedule_ensure(workspace=workspace))


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
