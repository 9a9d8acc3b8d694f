"""The receiver at /hooks/seam/<token>/: Svix signatures checked against the workspace's own secret, each
event stored once, every refusal in Seam's error envelope and nothing stored for it."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from portal.hooks.endpoints import seam_webhook_endpoint_set
from portal.hooks.tokens import new_webhook_secret
from portal.models import SeamEvent, SeamWebhookEndpoint
from tests.events.conftest import seam_event, signed_headers

pytestmark = pytest.mark.django_db


def stored(workspace):
    return SeamEvent.objects.for_workspace(workspace)


def error_type(response):
    body = response.json()
    assert body["ok"] is False and set(body["error"]) == {"type", "message", "validation_errors"}
    return body["error"]["type"]


def test_a_signed_event_is_stored_once_and_queued_once(
    workspace_a, endpoint_of, deliver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_of(workspace_a)
    event = seam_event("device.disconnected", device_id="d-1")
    with django_capture_on_commit_callbacks() as queued:
        response = deliver(endpoint, event)
    assert response.status_code == 200 and response.json() == {"ok": True, "duplicate": False}
    row = stored(workspace_a).get()
    assert (row.seam_event_id, row.event_type, row.via, row.outcome) == (
        event["event_id"], "device.disconnected", "webhook", "pending",
    )  # fmt: skip
    assert row.payload == event and row.occurred_at is not None
    assert len(queued) == 1

    # Seam retries with the same event (a new attempt, a fresh signature): a no-op that still says 200.
    with django_capture_on_commit_callbacks() as queued_again:
        again = deliver(endpoint, event)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert stored(workspace_a).count() == 1 and queued_again == []


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "old_timestamp", "future_timestamp", "tampered_body", "no_signature"],
)
def test_a_delivery_that_fails_verification_is_401_and_stores_nothing(
    workspace_a, endpoint_of, client, tamper
):
    endpoint = endpoint_of(workspace_a)
    body = json.dumps(seam_event("device.connected", device_id="d-1"))
    secret, at = str(endpoint.secret), timezone.now()
    if tamper == "wrong_secret":
        secret = new_webhook_secret()
    elif tamper == "old_timestamp":
        at -= dt.timedelta(minutes=6)
    elif tamper == "future_timestamp":
        at += dt.timedelta(minutes=6)
    headers = signed_headers(body, secret, at=at)
    if tamper == "tampered_body":
        body = body.replace("device.connected", "device.removed")
    if tamper == "no_signature":
        headers.pop("HTTP_SVIX_SIGNATURE")
    response = client.post(endpoint.path, data=body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert error_type(response) == "invalid_signature"
    assert not stored(workspace_a).exists()


def test_a_timestamp_within_five_minutes_is_accepted(workspace_a, endpoint_of, deliver):
    endpoint = endpoint_of(workspace_a)
    response = deliver(endpoint, seam_event("device.connected"), at=timezone.now() - dt.timedelta(minutes=4))
    assert response.status_code == 200


def test_after_a_secret_change_the_previous_secret_verifies_for_an_hour(workspace_a, endpoint_of, deliver):
    endpoint = endpoint_of(workspace_a)
    old_secret = str(endpoint.secret)
    new_secret = new_webhook_secret()
    endpoint = seam_webhook_endpoint_set(workspace=workspace_a, secret=new_secret)
    assert endpoint.receives_deliveries
    assert deliver(endpoint, seam_event("device.connected"), secret=new_secret).status_code == 200
    assert deliver(endpoint, seam_event("device.connected"), secret=old_secret).status_code == 200
    SeamWebhookEndpoint.objects.for_workspace(workspace_a).update(
        previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    endpoint.refresh_from_db()
    assert deliver(endpoint, seam_event("device.connected"), secret=old_secret).status_code == 401
    assert stored(workspace_a).count() == 2


def test_an_unknown_token_is_404_in_the_envelope(workspace_a, endpoint_of, client):
    endpoint_of(workspace_a)
    body = json.dumps(seam_event("device.connected"))
    response = client.post(
        "/hooks/seam/not-a-token/",
        data=body,
        content_type="application/json",
        **signed_headers(body, new_webhook_secret()),
    )
    assert response.status_code == 404 and error_type(response) == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", None),
        ("[1, 2]", "body"),
        (json.dumps({"event_type": "device.connected"}), "event_id"),
        (json.dumps({"event_id": "e-1", "event_type": ""}), "event_type"),
        (json.dumps({"event_id": "e" * 101, "event_type": "device.connected"}), "event_id"),
    ],
)
def test_a_signed_body_that_is_not_a_seam_event_is_400_and_stores_nothing(
    workspace_a, endpoint_of, deliver, body, field
):
    endpoint = endpoint_of(workspace_a)
    response = deliver(endpoint, None, body=body)
    assert response.status_code == 400
    if field is None:
        assert error_type(response) == "invalid_json"
    else:
        assert error_type(response) == "invalid_input"
        assert field in response.json()["error"]["validation_errors"]
    assert not stored(workspace_a).exists()


def test_only_post_is_answered(workspace_a, endpoint_of, client):
    endpoint = endpoint_of(workspace_a)
    response = client.get(endpoint.path)
    assert response.status_code == 405 and error_type(response) == "method_not_allowed"


def test_workspace_a_endpoint_never_touches_workspace_b(two_workspaces, endpoint_of, deliver):
    workspace_a, workspace_b = two_workspaces
    endpoint_a, endpoint_b = endpoint_of(workspace_a), endpoint_of(workspace_b)
    assert endpoint_a.token != endpoint_b.token and endpoint_a.secret != endpoint_b.secret

    # B's secret does not open A's URL, nor A's secret B's.
    event = seam_event("device.connected")
    assert deliver(endpoint_a, event, secret=str(endpoint_b.secret)).status_code == 401
    assert deliver(endpoint_b, event, secret=str(endpoint_a.secret)).status_code == 401
    # The same Seam event id in both workspaces is two events, each stored in its own workspace.
    assert deliver(endpoint_a, event).status_code == 200
    assert deliver(endpoint_b, event).json()["duplicate"] is False
    assert stored(workspace_a).count() == 1 and stored(workspace_b).count() == 1


def test_the_token_and_secret_are_not_stored_in_plain_text(workspace_a, endpoint_of):
    from django.db import connection

    endpoint = endpoint_of(workspace_a)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_hash, token, secret FROM portal_seamwebhookendpoint WHERE id = %s", [endpoint.pk]
        )
        token_hash, token, secret = cursor.fetchone()
    assert str(endpoint.token) not in (token_hash, token)
    assert str(endpoint.secret) != secret and "whsec_" not in secret
