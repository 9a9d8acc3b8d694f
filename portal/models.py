import ipaddress
import re
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from portal.fields import EncryptedTextField, UnreadableSecret
from portal.tenancy import TenantModel

# Seam's keys are "seam_" and a token of ASCII letters, digits and underscores; the length is left loose.
SEAM_API_KEY_PATTERN = re.compile(r"seam_[A-Za-z0-9_]{1,200}")
UNREADABLE_KEY_MESSAGE = (
    "The stored Seam API key cannot be decrypted with this server's FIELD_ENCRYPTION_KEY: "
    "an owner must enter the Seam API key again."
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"“{value}” is not an IANA timezone (for example Europe/Paris or America/New_York)."
        )


def validate_seam_api_key(value) -> None:
    # The messages never repeat the value: it is a secret, and error pages and logs show messages.
    if isinstance(value, UnreadableSecret):
        raise ValidationError(UNREADABLE_KEY_MESSAGE, code="unreadable")
    if not value.startswith("seam_"):
        raise ValidationError("A Seam API key starts with “seam_”.", code="prefix")
    if not SEAM_API_KEY_PATTERN.fullmatch(value):
        raise ValidationError(
            "A Seam API key is “seam_” followed by up to 200 ASCII letters, digits and underscores; "
            "this one has other characters (a space, an accent, a quote?).",
            code="format",
        )


def validate_seam_api_url(value: str) -> None:
    """The workspace's Seam API key is sent to this URL: only over TLS, or in plain HTTP to this very
    machine (a local sandbox) when the deployment allows it with SEAM_ALLOW_HTTP_LOOPBACK."""
    parts = urlsplit(value)
    if parts.scheme == "https":
        return
    if settings.SEAM_ALLOW_HTTP_LOOPBACK:
        if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
            return
        raise ValidationError(
            "The Seam API URL must start with https:// (plain http:// only to this machine: "
            "127.0.0.1, localhost or [::1]).",
            code="scheme",
        )
    raise ValidationError("The Seam API URL must start with https://.", code="scheme")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        blank=True,
        validators=[validate_seam_api_url],
        help_text="Leave empty for Seam's production API; set it for a sandbox.",
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
    def seam_api_key_unreadable(self) -> bool:
        return isinstance(self.seam_api_key, UnreadableSecret)

    @property
    def effective_seam_api_url(self) -> str:
        return self.seam_api_url or settings.SEAM_API_URL

    def seam_settings_problem(self) -> str:
        """Why this workspace's key must not be sent to its URL (empty when it may), e.g. for a row saved
        before the key and URL were validated, or a key this server can no longer decrypt."""
        try:
            validate_seam_api_key(self.seam_api_key)
            if self.seam_api_url:
                validate_seam_api_url(self.seam_api_url)
        except ValidationError as error:
            return " ".join(error.messages)
        return ""


def mask_secret(value) -> str:
    if isinstance(value, UnreadableSecret):
        return "unreadable: enter the key again"
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


class ApiToken(TenantModel):
    """A workspace's key to the API. Only the SHA-256 of the token is stored (the token is 256 random bits,
    so a fast hash is safe) with a short prefix in clear to recognise it in lists."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.WRITE)
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def role(self) -> str:
        """What the token may do, in the roles every other entry point checks: a read token reads like a
        viewer; a write token acts like a workspace admin (never on members or the Seam key)."""
        return Role.VIEWER if self.scope == self.Scope.READ else Role.ADMIN


class IdempotencyKey(TenantModel):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for 24 hours to the same token
    with the same body; `response_status` stays empty while the first request is still running."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="one_answer_per_idempotency_key")
        ]


class SeamWebhookEndpoint(TenantModel):
    """Where Seam delivers a workspace's webhooks: `/hooks/seam/<token>/`, signed with `secret`.

    The token is looked up by its hash (the URL is the only credential besides the signature); an encrypted
    copy lets the command print the URL again, since Seam's dashboard needs it before it gives the secret.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token = EncryptedTextField(editable=False)
    secret = EncryptedTextField()
    # The secret before the last change still verifies for a while: deliveries signed just before a
    # re-registration are already on their way.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the portal registered the URL with Seam itself (webhooks/create), to keep it registered.
    seam_webhook_id = models.CharField(max_length=100, blank=True)
    registered_url = models.URLField(max_length=500, blank=True)
    # Seam delivers to this endpoint (registered by the portal, or by hand with Seam's secret): such a
    # workspace needs no polling.
    receives_deliveries = models.BooleanField(default=False)
    last_registration_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="one_seam_webhook_endpoint")]

    def __str__(self):
        return f"Seam webhooks of workspace {self.workspace_id}"

    @property
    def path(self) -> str:
        return f"/hooks/seam/{self.token}/"


class SeamEvent(TenantModel):
    """One Seam event, stored once per workspace before anything acts on it."""

    class Via(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        POLL = "poll", "Polling"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Nothing to do"
        FAILED = "failed", "Failed"

    seam_event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    # When Seam recorded it: the polling cursor follows this.
    seam_created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=8, choices=Via.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    result = models.TextField(blank=True, help_text="What processing did, or why there was nothing to do.")
    error = models.TextField(blank=True, help_text="Why processing failed.")
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "seam_event_id"], name="one_seam_event_per_workspace"
            )
        ]
        indexes = [models.Index(fields=["outcome", "received_at"], name="seam_event_outcome_received")]
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.event_type} {self.seam_event_id}"


class SeamEventCursor(TenantModel):
    """How far the polling fallback has read a workspace's `events/list`."""

    since = models.DateTimeField(
        null=True, blank=True, help_text="Seam's created_at of the newest event read."
    )
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="one_seam_event_cursor")]

    def __str__(self):
        return f"Seam events cursor of workspace {self.workspace_id}"


# The webhooks-out models live in their own module; importing them here makes them the portal's models.
from portal.outbound.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401


class Heartbeat(models.Model):
    """When a part of the system last proved it works, for `/healthz`: one row per part, not per workspace."""

    class Name(models.TextChoices):
        WORKER = "worker", "Django-Q2 worker ran a task"
        SEAM = "seam", "Seam answered a sync or an event poll"

    name = models.CharField(max_length=32, primary_key=True, choices=Name.choices)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S} UTC"
