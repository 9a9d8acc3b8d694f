"""Endpoint URLs cannot point the portal into its own network (SSRF), at creation and again at sending."""

import pytest
from django.core.exceptions import ValidationError

from portal.models import WebhookAttempt, WebhookDelivery
from portal.outbound.delivery import webhook_delivery_attempt
from portal.outbound.destination import DestinationRefused, destination_resolve, validate_webhook_url
from portal.outbound.services import webhook_endpoint_create, webhook_event_emit


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/portal",  # names only over TLS
        "https://10.0.0.5/hooks",
        "https://192.168.1.20/hooks",
        "https://172.16.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://100.64.0.1/hooks",  # carrier-grade NAT
        "https://0.0.0.0/hooks",
        "https://[fd00::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "https://224.0.0.1/hooks",
        "https://user:password@hooks.example.com/portal",
        "ftp://hooks.example.com/portal",
    ],
)
def test_private_and_plain_http_destinations_are_refused(url, settings):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True
    with pytest.raises(ValidationError):
        validate_webhook_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hooks", "https://localhost/hooks", "http://[::1]:9/x"]
)
def test_this_machine_only_where_the_deployment_allows_it(url, settings):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True
    validate_webhook_url(url)
    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(ValidationError, match="no address of its own machine"):
        validate_webhook_url(url)


def test_a_public_https_endpoint_is_accepted(settings):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    validate_webhook_url("https://hooks.example.com/portal?account=7")
    validate_webhook_url("https://93.184.215.14/hooks")


def test_the_request_goes_to_the_checked_address_with_the_name_in_host(settings):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True
    destination = destination_resolve("http://localhost:8081/hooks?x=1")
    assert destination.url in ("http://127.0.0.1:8081/hooks?x=1", "http://[::1]:8081/hooks?x=1")
    assert destination.host_header == "localhost:8081"
    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(DestinationRefused):
        destination_resolve("http://localhost:8081/hooks")


@pytest.mark.django_db
def test_a_destination_no_longer_allowed_is_not_contacted_and_the_reason_is_logged(
    workspace_a, webhook_receiver, settings
):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True
    receiver = webhook_receiver()
    _, receiver.secret = webhook_endpoint_create(workspace=workspace_a, url=receiver.url)
    [delivery] = webhook_event_emit(workspace_id=workspace_a.pk, event_type="access_code.set", data={})

    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    assert webhook_delivery_attempt(workspace_id=workspace_a.pk, delivery_id=delivery.pk) == "retry"
    assert receiver.received == []
    [attempt] = WebhookAttempt.objects.for_workspace(workspace_a).filter(delivery=delivery)
    assert attempt.response_code is None and attempt.error.startswith("Not sent:")
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
