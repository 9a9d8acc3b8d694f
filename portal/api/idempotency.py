"""`Idempotency-Key` on POST: the first answer is kept for 24 hours and replayed to the same token for the
same body; the same key with another body is 422, and a retry while the first is still running is 409.

The key is claimed in its own committed row before the request runs, so two concurrent requests cannot
both run; a 5xx answer releases the claim so the client may retry with the same key."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from portal.api.errors import Conflict, Unprocessable
from portal.models import IdempotencyKey

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class Replay(Exception):
    def __init__(self, response: HttpResponse):
        super().__init__("replayed answer")
        self.response = response


@dataclass
class Claim:
    row: IdempotencyKey

    def finish(self, response) -> None:
        scoped = IdempotencyKey.objects.for_workspace(self.row.workspace_id).filter(pk=self.row.pk)
        if response.status_code >= 500:
            scoped.delete()
            return
        body = JSONRenderer().render(response.data) if response.data is not None else b""
        scoped.update(response_status=response.status_code, response_body=body)


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.content_type or ""):
        digest.update(part.encode() + b"\0")
    digest.update(request._request.body)
    return digest.hexdigest()


def idempotency_claim(request) -> Claim | None:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters.")
    token = request.auth
    fingerprint = request_fingerprint(request)
    keys = IdempotencyKey.objects.for_workspace(token.workspace_id).filter(token=token)
    keys.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                workspace_id=token.workspace_id, token=token, key=key, request_fingerprint=fingerprint
            )
        return Claim(row=row)
    except IntegrityError:
        pass
    first = keys.filter(key=key).first()
    if first is None:  # released by a failed first request a moment ago
        raise Conflict("A request with this Idempotency-Key just failed; retry it.")
    if first.request_fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was used for a different request; use a new key for a new request."
        )
    if first.response_status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    response = HttpResponse(bytes(first.response_body), status=first.response_status)
    response["Content-Type"] = "application/json"
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)
