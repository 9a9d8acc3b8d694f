"""Deliveries to a real local receiver: signed, retried with backoff, logged, disabled on 410 or repeated
failure (with an alert), redelivered on demand, filtered by event type, and kept within their workspace."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from svix.webhooks import Webhook, WebhookVerificationError

from accesscodes.bookings.models import Alert
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.outbound.delivery import (
    FAILED_DELIVERIES_BEFORE_DISABLING,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    webhook_delivery_attempt,
)
from portal.outbound.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_event_emit,
)

pytestmark = pytest.mark.django_db
CODE_SET = "access_code.set"


def endpoint_for(workspace, receiver, **fields) -> WebhookEndpoint:
    endpoint, secret = webhook_endpoint_create(workspace=workspace, url=receiver.url, **fields)
    receiver.secret = secret
    return endpoint


def emit(workspace, event_type=CODE_SET, now=None, **data):
    return webhook_event_emit(
        workspace_id=workspace.pk, event_type=event_type, data=data or {"access_code": {"id": 1}}, now=now
    )


def attempt_log(delivery) -> list:
    attempts = WebhookAttempt.objects.for_workspace(delivery.workspace_id).filter(delivery=delivery)
    return list(attempts.values_list("response_code", flat=True))


def run_until_settled(deliver_due, start) -> list[str]:
    """Every attempt of every pending delivery, each at the moment it falls due."""
    outcomes, now = [], start
    while True:
        outcomes += deliver_due(now)
        upcoming = (
            WebhookDelivery.objects.dangerously_all_workspaces()
            .filter(status=WebhookDelivery.Status.PENDING)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if upcoming is None:
            return outcomes
        now = upcoming


def test_a_failing_receiver_gets_the_event_again_after_each_backoff_until_it_accepts(
    workspace_a, webhook_receiver, deliver_due
):
    receiver = webhook_receiver(script=[500, 503])
    endpoint = endpoint_for(workspace_a, receiver)
    start = timezone.now()
    [delivery] = emit(workspace_a, now=start, access_code={"id": 7, "code": "0147"})

    assert deliver_due(start) == ["retry"]
    assert deliver_due(start + RETRY_DELAYS[0] - dt.timedelta(seconds=1)) == []  # not before its backoff
    assert deliver_due(start + RETRY_DELAYS[0]) == ["retry"]
    second_retry = start + RETRY_DELAYS[0] + RETRY_DELAYS[1]
    assert deliver_due(second_retry - dt.timedelta(seconds=1)) == []
    assert deliver_due(second_retry) == ["delivered"]

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempt_count, delivery.last_response_code) == (3, 200)
    assert attempt_log(delivery) == [500, 503, 200]
    # Every attempt was signed for this endpoint, with the same message id and the same body.
    assert [request.verified for request in receiver.received] == [True, True, True]
    assert {request.headers["webhook-id"] for request in receiver.received} == {delivery.event_id}
    assert len({request.body for request in receiver.received}) == 1
    event = receiver.received[0].event
    assert event["type"] == CODE_SET
    assert event["data"] == {"access_code": {"id": 7, "code": "0147"}}
    assert dt.datetime.fromisoformat(event["timestamp"]) == start
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.consecutive_failures == 0


def test_the_retry_schedule_spans_about_a_day_with_at_least_six_attempts():
    assert MAX_ATTEMPTS >= 6
    assert dt.timedelta(hours=20) <= sum(RETRY_DELAYS, dt.timedelta()) <= dt.timedelta(hours=36)


def test_a_receiver_with_another_secret_refuses_and_a_tampered_body_does_not_verify(
    workspace_a, webhook_receiver, deliver_due
):
    receiver = webhook_receiver()
    endpoint_for(workspace_a, receiver)
    genuine_secret = receiver.secret
    receiver.secret = "whsec_" + "QUJD" * 8  # a receiver configured with another endpoint's secret
    [delivery] = emit(workspace_a)
    assert deliver_due() == ["retry"]
    assert attempt_log(delivery) == [401]

    request = receiver.received[0]
    Webhook(genuine_secret).verify(request.body, request.headers)  # the genuine secret verifies it
    tampered = request.body.replace(b'"id":1', b'"id":2')
    with pytest.raises(WebhookVerificationError):
        Webhook(genuine_secret).verify(tampered, request.headers)


def test_a_410_answer_disables_the_endpoint_at_once_and_opens_an_alert(
    workspace_a, webhook_receiver, deliver_due
):
    receiver = webhook_receiver(default_answer=410)
    endpoint = endpoint_for(workspace_a, receiver)
    start = timezone.now()
    [first] = emit(workspace_a, now=start)
    [waiting] = emit(workspace_a, now=start + dt.timedelta(hours=1))  # due later: never sent

    assert deliver_due(start) == ["gone"]

    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert "410" in endpoint.disabled_reason
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert (first.status, first.last_response_code) == (WebhookDelivery.Status.FAILED, 410)
    assert waiting.status == WebhookDelivery.Status.FAILED and "disabled" in waiting.last_error
    alert = Alert.objects.for_workspace(workspace_a).get(kind=Alert.Kind.WEBHOOK_ENDPOINT_DISABLED)
    assert alert.booking is None and endpoint.url in alert.message and "410" in alert.message
    assert emit(workspace_a) == []  # a disabled endpoint gets no new deliveries
    assert deliver_due(start + dt.timedelta(days=2)) == []
    assert len(receiver.received) == 1


def test_deliveries_that_keep_failing_disable_the_endpoint_with_an_alert(
    workspace_a, webhook_receiver, deliver_due
):
    receiver = webhook_receiver(default_answer=500)
    endpoint = endpoint_for(workspace_a, receiver)
    start = timezone.now()
    for _ in range(FAILED_DELIVERIES_BEFORE_DISABLING - 1):
        emit(workspace_a, now=start)
    outcomes = run_until_settled(deliver_due, start)
    assert outcomes.count("failed") == FAILED_DELIVERIES_BEFORE_DISABLING - 1
    assert outcomes.count("retry") == (FAILED_DELIVERIES_BEFORE_DISABLING - 1) * (MAX_ATTEMPTS - 1)
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.consecutive_failures == FAILED_DELIVERIES_BEFORE_DISABLING - 1
    assert not Alert.objects.for_workspace(workspace_a).exists()

    later = start + dt.timedelta(days=2)
    emit(workspace_a, now=later)
    run_until_settled(deliver_due, later)

    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert f"{FAILED_DELIVERIES_BEFORE_DISABLING} deliveries in a row" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    alert = Alert.objects.for_workspace(workspace_a).get(kind=Alert.Kind.WEBHOOK_ENDPOINT_DISABLED)
    assert endpoint.url in alert.message


def test_a_success_starts_the_count_of_failed_deliveries_again(workspace_a, webhook_receiver, deliver_due):
    receiver = webhook_receiver(default_answer=500)
    endpoint = endpoint_for(workspace_a, receiver)
    start = timezone.now()
    for _ in range(FAILED_DELIVERIES_BEFORE_DISABLING - 1):
        emit(workspace_a, now=start)
    run_until_settled(deliver_due, start)
    receiver.default_answer = 204
    emit(workspace_a, now=start + dt.timedelta(days=2))
    assert run_until_settled(deliver_due, start + dt.timedelta(days=2)) == ["delivered"]
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.consecutive_failures == 0


def test_redelivery_sends_the_same_event_again_and_needs_an_enabled_endpoint(
    workspace_a, webhook_receiver, deliver_due
):
    receiver = webhook_receiver()
    endpoint = endpoint_for(workspace_a, receiver)
    [delivery] = emit(workspace_a)
    assert deliver_due() == ["delivered"]

    webhook_delivery_redeliver(delivery=delivery)
    assert deliver_due() == ["delivered"]
    assert attempt_log(delivery) == [200, 200]
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    assert first.body == second.body

    receiver.default_answer = 410
    webhook_delivery_redeliver(delivery=delivery)
    assert deliver_due() == ["gone"]
    with pytest.raises(ValidationError, match="enable it"):
        webhook_delivery_redeliver(delivery=delivery)
    webhook_endpoint_enable(endpoint=endpoint)
    receiver.default_answer = 200
    webhook_delivery_redeliver(delivery=delivery)
    assert deliver_due() == ["delivered"]


def test_endpoints_get_only_the_event_types_they_subscribe_to(workspace_a, webhook_receiver, deliver_due):
    every, codes, alerts = webhook_receiver(), webhook_receiver(), webhook_receiver()
    endpoint_for(workspace_a, every)
    endpoint_for(workspace_a, codes, event_types=[CODE_SET, "access_code.failed"])
    endpoint_for(workspace_a, alerts, event_types=["booking.alert_opened"])

    assert len(emit(workspace_a, event_type=CODE_SET)) == 2
    assert len(emit(workspace_a, event_type="booking.alert_opened", booking={"id": 3})) == 2
    assert deliver_due() == ["delivered"] * 4
    assert [event["type"] for event in every.events()] == [CODE_SET, "booking.alert_opened"]
    assert [event["type"] for event in codes.events()] == [CODE_SET]
    assert [event["type"] for event in alerts.events()] == ["booking.alert_opened"]

    with pytest.raises(ValidationError, match=r"Unknown event types: access_code\.exploded"):
        webhook_endpoint_create(workspace=workspace_a, url=every.url, event_types=["access_code.exploded"])
    with pytest.raises(ValueError, match="not a registered"):
        emit(workspace_a, event_type="access_code.exploded")


def test_a_workspace_events_never_reach_another_workspace_endpoints(
    two_workspaces, webhook_receiver, deliver_due
):
    workspace_a, workspace_b = two_workspaces
    receiver_a, receiver_b = webhook_receiver(), webhook_receiver()
    endpoint_for(workspace_a, receiver_a)
    endpoint_for(workspace_b, receiver_b)

    [delivery] = emit(workspace_a, access_code={"id": 1, "code": "1234"})
    # A task naming the wrong workspace finds nothing to send.
    assert webhook_delivery_attempt(workspace_id=workspace_b.pk, delivery_id=delivery.pk) == "not_due"
    assert deliver_due() == ["delivered"]

    assert [event["data"]["access_code"]["code"] for event in receiver_a.events()] == ["1234"]
    assert receiver_b.received == []
    assert not WebhookDelivery.objects.for_workspace(workspace_b).exists()


def test_an_unreachable_receiver_is_recorded_on_the_delivery_and_retried(workspace_a, deliver_due):
    webhook_endpoint_create(workspace=workspace_a, url="http://127.0.0.1:9/nobody-listens")
    [delivery] = emit(workspace_a)
    assert deliver_due() == ["retry"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_response_code is None and "ConnectError" in delivery.last_error
    assert webhook_delivery_attempt(workspace_id=workspace_a.pk, delivery_id=10**9) == "not_due"


def test_an_event_of_work_that_is_rolled_back_is_never_delivered(workspace_a, webhook_receiver, deliver_due):
    from django.db import transaction

    receiver = webhook_receiver()
    endpoint_for(workspace_a, receiver)
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(workspace_a)
        raise RuntimeError("the work failed")
    assert not WebhookDelivery.objects.for_workspace(workspace_a).exists()
    assert deliver_due() == []


def test_the_stored_body_is_what_is_signed_on_every_attempt(workspace_a, webhook_receiver, deliver_due):
    receiver = webhook_receiver(script=[500])
    endpoint_for(workspace_a, receiver)
    start = timezone.now()
    emit(workspace_a, now=start, booking={"b": 1, "a": [1, 2], "check_in": start})
    deliver_due(start)
    deliver_due(start + RETRY_DELAYS[0])
    first, second = receiver.received
    assert first.body == second.body
    booking = json.loads(first.body)["data"]["booking"]
    assert booking["a"] == [1, 2]
    assert dt.datetime.fromisoformat(booking["check_in"]) == start.replace(
        microsecond=start.microsecond // 1000 * 1000
    )
