"""A workspace's webhook endpoints, each delivery of an event to one of them, and every attempt made.

Imported by `portal.models`, so they are the portal app's models (migrations in portal/migrations)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from portal.fields import EncryptedTextField
from portal.outbound.destination import validate_webhook_url
from portal.outbound.events import is_webhook_event_type
from portal.tenancy import TenantModel

EXCERPT_LENGTH = 500


class WebhookEndpoint(TenantModel):
    url = models.URLField(max_length=500, validators=[validate_webhook_url], verbose_name="URL")
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(
        default=list, blank=True, help_text="The events sent to this endpoint; none chosen means all."
    )
    # Shown once, when the endpoint is created; the receiver verifies every delivery's signature with it.
    secret = EncryptedTextField(editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    # Deliveries in a row that failed every attempt; a success starts it again at 0.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return self.description or self.url

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def clean(self):
        super().clean()
        if not isinstance(self.event_types, list) or not all(
            isinstance(name, str) for name in self.event_types
        ):
            raise ValidationError({"event_types": "Give a list of event type names."})
        unknown = sorted(name for name in self.event_types if not is_webhook_event_type(name))
        if unknown:
            raise ValidationError({"event_types": f"Unknown event types: {', '.join(unknown)}."})


class WebhookDelivery(TenantModel):
    """One event for one endpoint: retried with backoff until it is delivered or its attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    # The Standard Webhooks message id (`webhook-id`): the same for every endpoint and every attempt.
    event_id = models.CharField(max_length=40, db_index=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Attempts since the event was queued or last redelivered (the log below keeps every attempt).
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_excerpt = models.CharField(max_length=EXCERPT_LENGTH, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="one_delivery_per_event_and_endpoint"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.event_id})"


class WebhookAttempt(TenantModel):
    """The delivery log: one row per request sent (or refused before sending)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="+")
    attempted_at = models.DateTimeField(default=timezone.now)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=EXCERPT_LENGTH, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "pk"]
        verbose_name = "webhook attempt"

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.response_code or self.error[:40]}"
