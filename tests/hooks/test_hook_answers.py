"""What the receiver answers a sender that must fix something: 404 unknown URL, 410 disabled source, 400
in Seam's error envelope for a body that is not JSON or lacks what a booking needs. Nothing is stored."""

import json

import pytest
from django.utils import timezone
from hook_signing import booking_data, hook_body

from accesscodes.bookings.models import BookingHookDelivery

pytestmark = pytest.mark.django_db


def assert_error(response, status, error_type, message_part, workspace):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]["type"] == error_type
    assert message_part in body["error"]["message"]
    assert BookingHookDelivery.objects.for_workspace(workspace).count() == 0
    return body["error"]


def test_an_unknown_token_is_404(send, hook_source, workspace_a):
    _, _, secret = hook_source
    response = send("/hooks/bookings/not-a-token/", hook_body(**booking_data()), secret=secret)
    assert_error(response, 404, "not_found", "No booking hook", workspace_a)


def test_a_disabled_source_is_410_gone(send, hook_source, workspace_a):
    source, url, secret = hook_source
    source.disabled_at = timezone.now()
    source.save()
    assert_error(send(url, hook_body(**booking_data()), secret=secret), 410, "gone", "disabled", workspace_a)


def test_get_is_405(client, hook_source, workspace_a):
    _, url, _ = hook_source
    assert_error(client.get(url), 405, "method_not_allowed", "POST", workspace_a)


@pytest.mark.parametrize(
    ("body", "field", "message_part"),
    [
        (b"<xml/>", None, "not JSON"),
        (b"\xff\xfe{}", None, "not JSON"),
        (b"[1, 2]", None, "JSON object"),
        (json.dumps({"data": booking_data()}).encode(), "type", "Use one of"),
        (json.dumps({"type": "booking.moved", "data": booking_data()}).encode(), "type", "Use one of"),
        (json.dumps({"type": "booking.created"}).encode(), "data", "object"),
        (hook_body(**{**booking_data(), "check_in": "next Tuesday"}), "data.check_in", "ISO 8601"),
        (
            hook_body(**{k: v for k, v in booking_data().items() if k != "check_out"}),
            "data.check_out",
            "required",
        ),
        (
            hook_body(**{k: v for k, v in booking_data().items() if k != "external_id"}),
            "data.external_id",
            "",
        ),
        (
            hook_body(**{k: v for k, v in booking_data().items() if k != "unit_external_id"}),
            "data.unit_id",
            "one of",
        ),
        (hook_body(**booking_data(source="other")), "data.source", "not known"),
        (hook_body(**booking_data(guest_name="Ada\x00")), None, "NUL"),
        (hook_body("booking.cancelled", guest_name="no id"), "data.external_id", "required"),
    ],
)
def test_a_body_that_is_not_a_booking_hook_is_400_in_the_envelope(
    send, hook_source, workspace_a, body, field, message_part
):
    _, url, secret = hook_source
    error = assert_error(send(url, body, secret=secret), 400, "invalid_input", message_part, workspace_a)
    if field:
        assert field in error["validation_errors"], error
        assert error["message"].startswith(field)


def test_an_overlong_webhook_id_is_400(send, hook_source, workspace_a):
    _, url, secret = hook_source
    response = send(url, hook_body(**booking_data()), secret=secret, webhook_id="m" * 201)
    error = assert_error(response, 400, "invalid_input", "webhook_id", workspace_a)
    assert "webhook_id" in error["validation_errors"]


def test_a_secret_this_server_cannot_decrypt_is_503_not_500(send, hook_source, workspace_a):
    from django.db import connection

    source, url, secret = hook_source
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_bookingsource SET secret = 'not-a-fernet-token' WHERE id = %s", [source.pk]
        )
    response = send(url, hook_body(**booking_data()), secret=secret)
    assert_error(response, 503, "service_unavailable", "rotate it", workspace_a)
