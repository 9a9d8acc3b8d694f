"""Standard-Webhooks-signed booking hook requests, as a booking system sends them."""

import datetime as dt
import json
import uuid

from django.utils import timezone
from svix.webhooks import Webhook


def hook_body(event_type="booking.created", **data) -> bytes:
    return json.dumps({"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}).encode()


def booking_data(**overrides) -> dict:
    check_in = (timezone.now() + dt.timedelta(days=10)).date()
    return {
        "unit_external_id": "L-1",
        "external_id": "R-100",
        "guest_name": "Ada Lovelace",
        "guest_phone": "+49 30 555 2468",
        "check_in": check_in.isoformat(),
        "check_out": (check_in + dt.timedelta(days=2)).isoformat(),
        **overrides,
    }


def signed_headers(secret: str, body: bytes, *, webhook_id=None, at=None) -> dict:
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = at or timezone.now()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
    }
