import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from portal.fields import EncryptedTextField


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"“{value}” is not an IANA timezone (for example Europe/Paris or America/New_York)."
        )


def validate_seam_api_key(value: str) -> None:
    if not value.startswith("seam_"):
        raise ValidationError("A Seam API key starts with “seam_”.")


class Role(models.TextChoices):
    # owner: everything, including members, the Seam key and deleting the workspace.
    OWNER = "owner", "Owner"
    # admin: workspace settings and members (except owners), devices and access codes.
    ADMIN = "admin", "Admin"
    # manager: day-to-day work: creates, changes and removes access codes, runs syncs.
    MANAGER = "manager", "Manager"
    # viewer: read-only.
    VIEWER = "viewer", "Viewer"


WORKSPACE_ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
CODE_EDITOR_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    seam_api_key = EncryptedTextField(validators=[validate_seam_api_key])
    seam_api_url = models.URLField(
        blank=True, help_text="Leave empty for Seam's production API; set it for a sandbox."
    )
    seam_workspace_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @cached_property
    def masked_seam_api_key(self) -> str:
        return mask_secret(self.seam_api_key)

    @property
    def effective_seam_api_url(self) -> str:
        return self.seam_api_url or settings.SEAM_API_URL


def mask_secret(value: str) -> str:
    if not value:
        return ""
    return f"{value[:5]}…{value[-4:]}" if len(value) > 12 else "seam_…"


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="one_membership_per_user")]
        ordering = ["workspace__name", "user__username"]

    def __str__(self):
        return f"{self.user} · {self.workspace} ({self.get_role_display()})"
