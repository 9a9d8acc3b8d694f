"""Every API error, 4xx and 5xx alike, in Seam's envelope:
`{"error": {"type", "message", "validation_errors"}, "request_id"}`."""

import logging
import uuid

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

ERROR_TYPES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable_entity"


def request_id(request) -> str:
    existing = getattr(request, "request_id", None)
    if existing is None:
        existing = request.request_id = uuid.uuid4().hex
    return existing


def envelope(request, *, status_code: int, message: str, validation_errors=None, error_type=None) -> dict:
    return {
        "error": {
            "type": error_type or ERROR_TYPES.get(status_code, "server_error"),
            "message": message,
            "validation_errors": validation_errors or {},
        },
        "request_id": request_id(request),
    }


def validation_errors_of(detail) -> dict[str, list[str]]:
    """DRF's and Django's error shapes as `{"field": ["sentence", ...]}`; errors of the whole object
    are under `non_field_errors`."""
    if isinstance(detail, dict):
        # A model's clean() files whole-object errors under Django's "__all__".
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else str(field)): _sentences(value)
            for field, value in detail.items()
        }
    return {"non_field_errors": _sentences(detail)}


def _sentences(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {sentence}" for key, inner in value.items() for sentence in _sentences(inner)]
    if isinstance(value, list | tuple):
        return [sentence for item in value for sentence in _sentences(item)]
    return [str(value)]


def django_validation_detail(exc: DjangoValidationError) -> dict:
    """A model's or service's ValidationError as DRF's detail: `{"field": [...]}`, the whole object's
    errors under `non_field_errors`, as DRF names them."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): value for field, value in errors.items()
    }


def invalid_input_error(detail) -> dict:
    """The envelope's `error` for refused input (a ValidationError's detail): the first sentence leads."""
    errors = validation_errors_of(detail)
    return {"type": ERROR_TYPES[400], "message": _first_sentence(errors), "validation_errors": errors}


def _first_sentence(errors: dict[str, list[str]]) -> str:
    for field, sentences in errors.items():
        if sentences:
            return sentences[0] if field == "non_field_errors" else f"{field}: {sentences[0]}"
    return "The request is not valid."


def exception_handler(exc, context):
    request = context["request"]
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", extra={"request_id": request_id(request)})
        body = envelope(
            request,
            status_code=500,
            message="Something went wrong on our side; it has been logged. Try again, or quote the request_id.",
        )
        return Response(body, status=500)

    headers = {}
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
        exc.status_code = 401
    if isinstance(exc, exceptions.ValidationError):
        body = {"error": invalid_input_error(exc.detail), "request_id": request_id(request)}
    else:
        body = envelope(request, status_code=exc.status_code, message=str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


@csrf_exempt  # the API takes no cookies: a POST to an unknown URL is a 404, not the CSRF page's HTML 403
def api_not_found(request, unmatched=""):
    """A URL under the API that names no endpoint: the envelope, not an HTML page."""
    body = envelope(request, status_code=404, message=f"No endpoint at {request.path}.")
    return JsonResponse(body, status=404)
