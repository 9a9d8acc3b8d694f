"""Signed Seam deliveries (Svix's scheme, signed with the `svix` package as Seam's Svix does) and a
booking whose door codes are known to Seam by id."""

import datetime as dt
import itertools
import json
import uuid

import pytest
from django.utils import timezone
from svix.webhooks import Webhook

from accesscodes.models import AccessCode
from portal.hooks.endpoints import seam_webhook_endpoint_set

_ids = itertools.count(1)


def seam_event(event_type, *, occurred_at=None, **fields):
    now = timezone.now()
    occurred_at = occurred_at or now
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "workspace_id": "seam-workspace",
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "occurred_at": occurred_at.isoformat().replace("+00:00", "Z"),
        **fields,
    }


def signed_headers(body: str, secret: str, *, msg_id=None, at=None) -> dict:
    at = at or timezone.now()
    msg_id = msg_id or f"msg_{next(_ids)}"
    return {
        "HTTP_SVIX_ID": msg_id,
        "HTTP_SVIX_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_SVIX_SIGNATURE": Webhook(secret).sign(msg_id, at, body),
    }


@pytest.fixture
def deliver(client):
    """POST an event to an endpoint the way Seam does; `secret`, `at` and `body` override what is signed."""

    def post(endpoint, event, *, secret=None, at=None, body=None):
        signed_body = json.dumps(event) if body is None else body
        headers = signed_headers(signed_body, secret or str(endpoint.secret), at=at)
        return client.post(endpoint.path, data=signed_body, content_type="application/json", **headers)

    return post


@pytest.fixture
def endpoint_of():
    def make(workspace):
        return seam_webhook_endpoint_set(workspace=workspace)

    return make


@pytest.fixture
def make_code():
    """An access code the portal already pushed: in sync, known to Seam by `seam_access_code_id`."""

    def make(workspace, device, **fields):
        number = next(_ids)
        defaults = {
            "name": f"Guest {number}",
            "code": f"{4000 + number}",
            "seam_access_code_id": f"seam-code-{uuid.uuid4()}",
            "status": AccessCode.Status.SETTING,
            "sync_state": AccessCode.SyncState.IN_SYNC,
            "starts_at": timezone.now() - dt.timedelta(hours=1),
            "ends_at": timezone.now() + dt.timedelta(days=2),
        }
        return AccessCode.objects.create(workspace=workspace, device=device, **{**defaults, **fields})

    return make
