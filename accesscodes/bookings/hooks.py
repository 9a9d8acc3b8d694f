"""The booking hook receiver, `POST /hooks/bookings/<token>/` (Standard Webhooks).

It answers fast and stores before anything else happens: the token names the source (404 unknown, 410
disabled), svix checks the signature and the 5-minute timestamp tolerance in constant time (401, nothing
stored), the body's shape is checked (400 in Seam's error envelope), then one INSERT and 202. A webhook id
the source already delivered answers 200 and is processed once."""

import logging

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from svix.webhooks import Webhook, WebhookVerificationError

from accesscodes.bookings.hook_payload import HookShapeError, hook_data_check, hook_event_parse
from accesscodes.bookings.hook_sources import booking_source_for_token
from accesscodes.bookings.inbox import hook_delivery_store
from portal.api.errors import envelope, validation_errors_of
from portal.fields import SecretText

logger = logging.getLogger(__name__)

# Header names that may carry a credential: never stored with the delivery.
SECRET_HEADER_WORDS = ("signature", "secret", "token", "auth", "cookie", "key")
# Answers the API's envelope has no type for.
ERROR_TYPES = {410: "gone", 503: "service_unavailable"}


@csrf_exempt
def booking_hook_receive(request, token: str):
    if request.method != "POST":
        return _error(request, 405, "Send booking hooks with POST.", headers={"Allow": "POST"})
    source = booking_source_for_token(token=token)
    if source is None:
        return _error(request, 404, "No booking hook at this URL.")
    if source.disabled_at is not None:
        return _error(request, 410, "This booking source is disabled: stop sending to it.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(request, 413, "The body is too large.")

    secrets = [
        secret for secret in source.verifying_secrets(now=timezone.now()) if isinstance(secret, SecretText)
    ]
    if not secrets:
        logger.error("Booking source %s: no signing secret can be decrypted", source.pk)
        return _error(
            request,
            503,
            "This hook's signing secret cannot be read on the server: a workspace admin must rotate it.",
        )
    refusal = _signature_refusal(secrets, body, request.headers)
    if refusal:
        return _error(request, 401, f"The webhook signature does not verify: {refusal}.")

    try:
        event_type, data = hook_event_parse(body)
        hook_data_check(event_type=event_type, data=data, source_key=source.key)
        webhook_id = request.headers["webhook-id"]
        delivery = hook_delivery_store(
            source=source,
            webhook_id=webhook_id,
            headers=_storable_headers(request.headers),
            body=body.decode("utf-8"),
            event_type=event_type,
            external_id=str(data["external_id"]),
        )
    except HookShapeError as error:
        return _error(request, 400, error.message, validation_errors=error.validation_errors)
    except ValidationError as error:
        errors = validation_errors_of(error.message_dict)
        field, sentences = next(iter(errors.items()))
        return _error(request, 400, f"{field}: {sentences[0]}", validation_errors=errors)
    if delivery is None:
        return JsonResponse({"webhook_id": webhook_id, "status": "duplicate"}, status=200)
    return JsonResponse({"webhook_id": webhook_id, "id": delivery.pk, "status": "received"}, status=202)


def _signature_refusal(secrets: list[str], body: bytes, headers) -> str:
    """Empty when one of the secrets signed this body, id and timestamp; otherwise why not."""
    signed = {
        name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    refusal = ""
    for secret in secrets:
        try:
            Webhook(secret).verify(body, signed)
        except WebhookVerificationError as error:
            refusal = str(error)
        else:
            return ""
    return refusal


def _storable_headers(headers) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in headers.items()
        if not any(word in name.lower() for word in SECRET_HEADER_WORDS) and "\x00" not in value
    }


def _error(request, status_code: int, message: str, *, validation_errors=None, headers=None) -> JsonResponse:
    body = envelope(
        request,
        status_code=status_code,
        message=message,
        validation_errors=validation_errors,
        error_type=ERROR_TYPES.get(status_code),
    )
    return JsonResponse(body, status=status_code, headers=headers)
