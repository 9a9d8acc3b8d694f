"""Standard Webhooks signatures: only a body signed with the source's secret, within 5 minutes, is stored;
a rotation lets both secrets verify until the previous one expires."""

import datetime as dt

import pytest
from django.utils import timezone
from hook_signing import booking_data, hook_body, signed_headers

from accesscodes.bookings.hook_sources import booking_source_create, booking_source_secret_rotate
from accesscodes.bookings.models import BookingHookDelivery

pytestmark = pytest.mark.django_db


def stored(workspace):
    return BookingHookDelivery.objects.for_workspace(workspace).count()


def assert_refused(response, workspace, words):
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["type"] == "unauthorized"
    assert words in error["message"]
    assert stored(workspace) == 0


def test_a_validly_signed_hook_is_stored_without_its_signature(send, hook_source, workspace_a):
    source, url, secret = hook_source
    body = hook_body(**booking_data())
    response = send(url, body, secret=secret, webhook_id="msg_1")
    assert response.status_code == 202, response.content
    assert response.json() == {"webhook_id": "msg_1", "id": response.json()["id"], "status": "received"}
    delivery = BookingHookDelivery.objects.for_workspace(workspace_a).get()
    assert (delivery.source, delivery.webhook_id, delivery.event_type) == (source, "msg_1", "booking.created")
    assert delivery.status == BookingHookDelivery.Status.RECEIVED
    assert delivery.body == body.decode()
    assert delivery.headers["webhook-id"] == "msg_1"
    assert "webhook-signature" not in delivery.headers
    assert "webhook-timestamp" in delivery.headers


def test_a_hook_signed_with_another_secret_is_refused(send, hook_source, workspace_a, workspace_b):
    _, url, _ = hook_source
    _, _, other_secret = booking_source_create(workspace=workspace_b, name="My PMS")
    response = send(url, hook_body(**booking_data()), secret=other_secret)
    assert_refused(response, workspace_a, "No matching signature")


def test_a_timestamp_older_than_five_minutes_is_refused(send, hook_source, workspace_a):
    _, url, secret = hook_source
    old = timezone.now() - dt.timedelta(minutes=6)
    response = send(url, hook_body(**booking_data()), secret=secret, at=old)
    assert_refused(response, workspace_a, "too old")


def test_a_tampered_body_is_refused(send, hook_source, workspace_a):
    _, url, secret = hook_source
    body = hook_body(**booking_data())
    headers = signed_headers(secret, body)
    response = send(url, body.replace(b"Ada", b"Eve"), headers=headers)
    assert_refused(response, workspace_a, "No matching signature")


def test_missing_signature_headers_are_refused(send, hook_source, workspace_a):
    _, url, secret = hook_source
    body = hook_body(**booking_data())
    headers = signed_headers(secret, body)
    del headers["webhook-signature"]
    assert_refused(send(url, body, headers=headers), workspace_a, "Missing required headers")


def test_after_a_rotation_both_secrets_verify_until_the_previous_one_expires(send, hook_source, workspace_a):
    source, url, old_secret = hook_source
    new_secret = booking_source_secret_rotate(source=source, overlap=dt.timedelta(hours=1))
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert send(url, hook_body(**booking_data()), secret=old_secret).status_code == 202
    assert send(url, hook_body(**booking_data()), secret=new_secret).status_code == 202

    source.refresh_from_db()
    source.previous_secret_expires_at = timezone.now() - dt.timedelta(seconds=1)
    source.save()
    response = send(url, hook_body(**booking_data()), secret=old_secret)
    assert response.status_code == 401
    assert send(url, hook_body(**booking_data()), secret=new_secret).status_code == 202
    assert stored(workspace_a) == 3


def test_secrets_are_encrypted_at_rest_and_the_url_token_only_hashed(hook_source):
    from django.db import connection

    source, url, secret = hook_source
    token = url.split("/")[-2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, token_hash FROM bookings_bookingsource WHERE id = %s", [source.pk])
        stored_secret, token_hash = cursor.fetchone()
    assert secret not in stored_secret and token not in token_hash
    source.refresh_from_db()
    assert source.secret == secret
