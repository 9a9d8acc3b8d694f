"""OpenAPI (drf-spectacular): bearer authentication, and the error envelope documented on every operation
with the status codes that operation can answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from portal.api.serializers import ErrorEnvelopeSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (a body or a filter): the message is the rule's own sentence; validation_errors "
    "per field.",
    "401": "No token, or an unknown or revoked one.",
    "403": "The token may not do this (read-only token, or an admin-only action).",
    "404": "No such object in this token's workspace (on a list: an unknown cursor).",
    "409": "Conflict with the current state, or the same Idempotency-Key still running.",
    "422": "The Idempotency-Key was used with a different request.",
    "429": "Too many requests for this token: wait Retry-After seconds.",
    "500": "Our error, logged with the request_id.",
}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="1 to 255 characters. The same key and body within 24 hours replay the first answer "
    "(header Idempotent-Replayed: true) without doing anything again; another body is 422; a retry while "
    "the first request still runs is 409.",
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API token: `Authorization: Bearer lp_…`.",
        }


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorEnvelopeSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["401", "429", "500"]
        # A collection GET answers 400 for a bad filter and 404 for an unknown cursor.
        collection = self.method == "GET" and (self._is_list() or "{" not in self.path)
        if self.method != "GET" or "{" in self.path or collection:
            codes.append("404")
        if collection:
            codes.append("400")
        if self.method != "GET":
            codes += ["400", "403"]
        if self.method == "POST":
            codes += ["409", "422"]
        return sorted(codes)

    def _is_list(self) -> bool:
        return self.method == "GET" and self._is_list_view()
