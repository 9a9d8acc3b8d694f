"""Seam-shaped API errors: `{"ok": false, "error": {"type", "message", "validation_errors"?}}`."""

from __future__ import annotations

from typing import Any


class SeamApiError(Exception):
    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        *,
        validation_errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.validation_errors = validation_errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.validation_errors:
            error["validation_errors"] = self.validation_errors
        return {"ok": False, "error": error}


def invalid_input(message: str, *, field: str | None = None) -> SeamApiError:
    # Seam reports per-parameter problems in zod's format: {"param": {"_errors": [...]}}.
    validation_errors = {field: {"_errors": [message]}} if field else None
    return SeamApiError(400, "invalid_input", message, validation_errors=validation_errors)


def not_found(type: str, message: str) -> SeamApiError:
    return SeamApiError(404, type, message)


def unauthorized(message: str) -> SeamApiError:
    return SeamApiError(401, "unauthorized", message)


def rate_limited(message: str, retry_after: int) -> SeamApiError:
    return SeamApiError(429, "rate_limited", message, headers={"Retry-After": str(retry_after)})


# Error types used when a fault rule does not name one.
FAULT_TYPES = {
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
