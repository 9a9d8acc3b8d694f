"""Write side of webhooks out: endpoints, emitting events, redelivery.

Emitting writes one delivery per subscribed endpoint inside the caller's transaction and queues the first
attempt after commit, so an event of work that is rolled back is never sent. Attempts and retries are in
`portal.outbound.delivery`.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from portal.outbound.events import event_envelope, is_webhook_event_type, new_event_id
from portal.outbound.models import WebhookDelivery, WebhookEndpoint
from portal.outbound.signing import new_signing_secret
from portal.signals import webhook_endpoint_disabled

DELIVER_TASK = "portal.outbound.tasks.deliver_webhook"
ENDPOINT_FIELDS = frozenset({"url", "description", "event_types"})


def deliveries_enqueue(*, workspace_id: int, delivery_ids: list[int]) -> None:
    """Queue an attempt for each delivery once the caller's transaction commits."""

    def enqueue():
        for delivery_id in delivery_ids:
            async_task(DELIVER_TASK, workspace_id, delivery_id)

    if delivery_ids:
        transaction.on_commit(enqueue)


@transaction.atomic
def webhook_endpoint_create(
    *, workspace, url: str, description: str = "", event_types=(), created_by=None
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret, which is shown to the person once and never again."""
    secret = new_signing_secret()
    endpoint = WebhookEndpoint(
        workspace=workspace,
        url=url,
        description=description,
        event_types=sorted(set(event_types)),
        secret=secret,
        created_by=created_by,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    unknown = set(changes) - ENDPOINT_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    endpoint = _endpoint_lock(endpoint)
    if "event_types" in changes:
        changes["event_types"] = sorted(set(changes["event_types"]))
    for field, value in changes.items():
        setattr(endpoint, field, value)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, by=None, now=None) -> WebhookEndpoint:
    """Stop sending to the endpoint: its waiting deliveries fail (they can be redelivered once it is
    enabled again). When the portal disables it (`by` is None), `webhook_endpoint_disabled` tells the
    apps, which alert a person."""
    now = now or timezone.now()
    endpoint = _endpoint_lock(endpoint)
    if not endpoint.is_enabled:
        return endpoint
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    WebhookDelivery.objects.for_workspace(endpoint.workspace_id).filter(
        endpoint=endpoint, status=WebhookDelivery.Status.PENDING
    ).update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        last_error=f"Not sent: the endpoint was disabled. {reason}",
    )
    if by is None:
        webhook_endpoint_disabled.send(sender=WebhookEndpoint, endpoint=endpoint, reason=reason)
    return endpoint


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint = _endpoint_lock(endpoint)
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures"])
    return endpoint


def _endpoint_lock(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return (
        WebhookEndpoint.objects.for_workspace(endpoint.workspace_id).select_for_update().get(pk=endpoint.pk)
    )


@transaction.atomic
def webhook_event_emit(*, workspace_id: int, event_type: str, data: dict, now=None) -> list[WebhookDelivery]:
    """One delivery of `{"type", "timestamp", "data"}` to each enabled endpoint of the workspace that
    subscribes to `event_type`; the first attempts are queued after commit."""
    if not is_webhook_event_type(event_type):
        raise ValueError(f"{event_type!r} is not a registered webhook event type.")
    now = now or timezone.now()
    endpoints = WebhookEndpoint.objects.for_workspace(workspace_id).filter(disabled_at__isnull=True)
    subscribed = [endpoint for endpoint in endpoints.only("pk", "event_types") if endpoint.wants(event_type)]
    if not subscribed:
        return []
    payload = event_envelope(event_type=event_type, data=data, now=now)
    event_id = new_event_id()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                workspace_id=workspace_id,
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in subscribed
        ]
    )
    deliveries_enqueue(workspace_id=workspace_id, delivery_ids=[delivery.pk for delivery in deliveries])
    return deliveries


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, now=None) -> WebhookDelivery:
    """Send the same event (same `webhook-id`, same body) again now, with a fresh set of retries."""
    delivery = (
        WebhookDelivery.objects.for_workspace(delivery.workspace_id)
        .select_for_update()
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_enabled:
        raise ValidationError("The endpoint is disabled: enable it before redelivering its events.")
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempt_count = 0
    delivery.next_attempt_at = now or timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["status", "attempt_count", "next_attempt_at", "last_error"])
    deliveries_enqueue(workspace_id=delivery.workspace_id, delivery_ids=[delivery.pk])
    return delivery
