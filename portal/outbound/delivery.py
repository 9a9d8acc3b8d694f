"""One attempt of one delivery, and what follows from its answer: delivered, retried with backoff, or
failed; a 410 answer, or deliveries that keep failing, disable the endpoint.

An attempt first claims the delivery (an UPDATE that only one worker can win), so the task queued at emit
time and the every-minute dispatcher never send the same attempt twice. A worker that dies while sending
leaves the claim to expire, and the event is sent again: receivers deduplicate with `webhook-id`.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from portal.fields import UnreadableSecret
from portal.outbound.events import event_body
from portal.outbound.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.outbound.sender import SendResult, webhook_post
from portal.outbound.services import webhook_endpoint_disable

logger = logging.getLogger(__name__)

# The wait after each failed attempt: 7 attempts over about 25 hours.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Deliveries in a row that used up every attempt before the endpoint is disabled (about a day of failures).
FAILED_DELIVERIES_BEFORE_DISABLING = 5
# Longer than any attempt takes (timeouts included): after it a claimed attempt counts as lost.
CLAIM_DURATION = dt.timedelta(minutes=2)
GONE = 410


def webhook_delivery_attempt(*, workspace_id: int, delivery_id: int, now=None) -> str:
    """Send the delivery if it is due. Returns what happened; never raises: an unexpected error is
    recorded on the delivery, which is tried again later."""
    now = now or timezone.now()
    try:
        return _attempt(workspace_id, delivery_id, now)
    except Exception as error:
        logger.exception("webhook delivery %s: unexpected error", delivery_id)
        try:
            _crash_record(workspace_id, delivery_id, error, now)
        except Exception as second:  # e.g. the database went away: the claim expires and it runs again
            logger.warning("webhook delivery %s: could not record the error: %r", delivery_id, second)
        return "error"


def _attempt(workspace_id: int, delivery_id: int, now) -> str:
    deliveries = WebhookDelivery.objects.for_workspace(workspace_id)
    claimed = deliveries.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_DURATION)
    if not claimed:
        return "not_due"  # delivered, failed, deleted, waiting for a retry, or being sent by another worker
    delivery = deliveries.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.last_error = f"Not sent: the endpoint is disabled. {endpoint.disabled_reason}"
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return "endpoint_disabled"
    if isinstance(endpoint.secret, UnreadableSecret):
        result = SendResult(
            error="Not sent: the endpoint's signing secret cannot be decrypted with this server's "
            "FIELD_ENCRYPTION_KEY; delete the endpoint and create it again."
        )
    else:
        result = webhook_post(
            url=endpoint.url,
            secret=endpoint.secret,
            event_id=delivery.event_id,
            body=event_body(delivery.payload),
        )
    return _record(delivery, result, now)


@transaction.atomic
def _record(delivery: WebhookDelivery, result: SendResult, now) -> str:
    endpoint = (
        WebhookEndpoint.objects.for_workspace(delivery.workspace_id)
        .select_for_update()
        .get(pk=delivery.endpoint_id)
    )
    WebhookAttempt.objects.create(
        workspace_id=delivery.workspace_id,
        delivery=delivery,
        attempted_at=now,
        response_code=result.response_code,
        response_excerpt=result.response_excerpt,
        error=result.error,
        duration_ms=result.duration_ms,
    )
    delivery.attempt_count += 1
    delivery.last_response_code = result.response_code
    delivery.last_response_excerpt = result.response_excerpt
    delivery.last_error = result.error
    outcome = _outcome(delivery, endpoint, result, now)
    delivery.save(
        update_fields=[
            "attempt_count", "last_response_code", "last_response_excerpt", "last_error", "status",
            "next_attempt_at", "delivered_at",
        ]
    )  # fmt: skip
    return outcome


def _outcome(delivery: WebhookDelivery, endpoint: WebhookEndpoint, result: SendResult, now) -> str:
    if result.delivered:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        if endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
        return "delivered"
    if result.response_code == GONE:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        webhook_endpoint_disable(
            endpoint=endpoint,
            reason=f"The endpoint answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC: it wants no more events.",
            now=now,
        )
        return "gone"
    if delivery.attempt_count < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempt_count - 1]
        return "retry"
    delivery.status = WebhookDelivery.Status.FAILED
    delivery.next_attempt_at = None
    endpoint.consecutive_failures += 1
    endpoint.save(update_fields=["consecutive_failures"])
    if endpoint.consecutive_failures >= FAILED_DELIVERIES_BEFORE_DISABLING:
        webhook_endpoint_disable(
            endpoint=endpoint,
            reason=(
                f"{endpoint.consecutive_failures} deliveries in a row failed all {MAX_ATTEMPTS} attempts "
                f"(last: {_problem(result)})."
            ),
            now=now,
        )
    return "failed"


def _problem(result: SendResult) -> str:
    return f"HTTP {result.response_code}" if result.response_code is not None else result.error


def _crash_record(workspace_id: int, delivery_id: int, error: Exception, now) -> None:
    delivery = WebhookDelivery.objects.for_workspace(workspace_id).filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return
    delivery.last_error = (
        f"The portal could not finish this attempt ({type(error).__name__}: {error}); it tries again later."
    )
    delivery.next_attempt_at = now + RETRY_DELAYS[0]
    delivery.save(update_fields=["last_error", "next_attempt_at"])
