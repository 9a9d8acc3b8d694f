"""Standard Webhooks signatures, made with svix (the library Seam's own webhooks are signed with)."""

import base64
import os
from datetime import datetime

from svix.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_signing_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def signed_headers(*, secret: str, event_id: str, body: str, sent_at: datetime) -> dict[str, str]:
    """`webhook-id` stays the same on every attempt (receivers deduplicate with it); the timestamp and the
    signature are made for each attempt, since receivers refuse timestamps older than a few minutes."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, sent_at, body),
    }
