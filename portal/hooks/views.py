"""The Seam webhook receiver: verify, store once, answer. Processing happens later, in a task."""

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.views.decorators.csrf import csrf_exempt
from svix.webhooks import Webhook, WebhookVerificationError

from portal.fields import UnreadableSecret
from portal.hooks.endpoints import endpoint_for_token, endpoint_secrets
from portal.hooks.envelope import error_response, ok_response
from portal.hooks.inbox import seam_event_problems, seam_event_store
from portal.models import SeamEvent

logger = logging.getLogger(__name__)


@csrf_exempt
def seam_webhook_receive(request, token: str):
    if request.method != "POST":
        return error_response(405, type="method_not_allowed", message="Seam webhooks are POSTed.")
    endpoint = endpoint_for_token(token)
    if endpoint is None:
        return error_response(404, type="not_found", message="No Seam webhook endpoint at this URL.")
    try:
        body = request.body
    except RequestDataTooBig:
        return error_response(413, type="payload_too_large", message="The request body is too large.")
    if isinstance(endpoint.secret, UnreadableSecret):
        # Not the sender's fault: an error status makes Seam retry while the operator restores the key.
        logger.error("Workspace %s: its Seam webhook secret cannot be decrypted", endpoint.workspace_id)
        return error_response(
            503, type="secret_unreadable", message="This endpoint cannot verify signatures right now."
        )
    if not _signed_by_any(body, dict(request.headers.items()), endpoint_secrets(endpoint)):
        return error_response(
            401,
            type="invalid_signature",
            message="The svix-signature does not match the body, or svix-timestamp is too old.",
        )
    try:
        event = json.loads(body)
    except ValueError:
        return error_response(400, type="invalid_json", message="The body is not JSON.")
    problems = seam_event_problems(event)
    if problems:
        return error_response(
            400, type="invalid_input", message="This is not a Seam event.", validation_errors=problems
        )
    with transaction.atomic():
        stored = seam_event_store(workspace=endpoint.workspace, event=event, via=SeamEvent.Via.WEBHOOK)
    return ok_response(duplicate=stored is None)


def _signed_by_any(body: bytes, headers: dict, secrets: list) -> bool:
    for secret in secrets:
        if isinstance(secret, UnreadableSecret):
            continue
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            continue
        return True
    return False
