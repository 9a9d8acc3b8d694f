"""Exceptions raised by the Seam client.

`permanent` tells a caller whether trying the same request again can help: 4xx answers are about the
request itself, while rate limits, 5xx answers and network failures are about the moment.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx


class SeamError(Exception):
    """A Seam request failed. Subclasses narrow down why; the attributes are always present."""

    default_permanent = True

    def __init__(
        self,
        message: str,
        *,
        type: str = "seam_error",  # mirrors Seam's error.type field
        validation_errors: dict | None = None,
        status_code: int | None = None,
        route: str | None = None,
        request_id: str | None = None,
        permanent: bool | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.type = type
        self.validation_errors = validation_errors or {}
        self.status_code = status_code
        self.route = route
        self.request_id = request_id
        self.permanent = self.default_permanent if permanent is None else permanent
        # How many HTTP attempts were made before giving up; set by the client.
        self.attempts = 1

    def __str__(self) -> str:
        status = self.status_code if self.status_code is not None else "no response"
        return f"Seam {self.route or '?'} failed ({status}, {self.type}): {self.message}"

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(route={self.route!r}, status_code={self.status_code!r}, "
            f"type={self.type!r}, message={self.message!r})"
        )


class SeamInvalidInput(SeamError):
    """400/422: Seam rejected the parameters; see `validation_errors`."""


class SeamAuthError(SeamError):
    """401/403: the API key is wrong, revoked or lacks access."""


class SeamNotFound(SeamError):
    """404: the object does not exist (for access codes this is also how Seam reports a removed code)."""


class SeamConflict(SeamError):
    """409: the request clashes with existing state, e.g. a duplicate code on the device."""


class SeamRateLimited(SeamError):
    """429: Seam throttled the request. `retry_after` is Seam's requested wait in seconds, if it sent one."""

    default_permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class SeamUnavailable(SeamError):
    """5xx, timeout or network failure.

    `outcome_unknown` is True when the request may have reached Seam (a read timeout, a dropped
    connection or a 5xx after sending), so a write might have taken effect and must be reconciled
    before it is repeated. It is False when the request certainly never left (connect errors).
    """

    default_permanent = False

    def __init__(self, message: str, *, outcome_unknown: bool, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown


class SeamSettingsUnusable(SeamUnavailable):
    """The workspace's key or URL cannot be used (e.g. the key cannot be decrypted), so nothing was sent.
    Unavailable rather than refused: once an owner fixes the settings, the deferred work goes through."""

    def __init__(self, message: str, *, route: str | None = None):
        super().__init__(message, type="workspace_settings_unusable", route=route, outcome_unknown=False)

    def __str__(self) -> str:
        return self.message


_STATUS_CLASSES: dict[int, type[SeamError]] = {
    400: SeamInvalidInput,
    422: SeamInvalidInput,
    401: SeamAuthError,
    403: SeamAuthError,
    404: SeamNotFound,
    409: SeamConflict,
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date), None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_from_response(route: str, response: httpx.Response, *, redact=lambda text: text) -> SeamError:
    """Map a non-2xx Seam answer to the matching exception, keeping Seam's type/message/validation_errors."""
    status = response.status_code
    error = _error_body(response)
    # `redact` guards against a server echoing the credential back inside an error message.
    message = redact(str(error.get("message") or response.reason_phrase or f"HTTP {status}"))
    validation_errors = error.get("validation_errors")
    common = {
        "type": str(error.get("type") or f"http_{status}"),
        "validation_errors": validation_errors if isinstance(validation_errors, dict) else {},
        "status_code": status,
        "route": route,
        "request_id": response.headers.get("seam-request-id"),
    }
    if status == 429:
        return SeamRateLimited(
            message, retry_after=parse_retry_after(response.headers.get("retry-after")), **common
        )
    if status >= 500:
        # The server received the request, so a write may have been applied before it failed.
        return SeamUnavailable(message, outcome_unknown=True, **common)
    return _STATUS_CLASSES.get(status, SeamError)(message, **common)


# Failures where the request certainly never reached Seam: repeating it cannot double-apply anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Our own mistakes (bad base URL scheme, malformed request): retrying cannot fix them.
_CLIENT_SIDE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def error_from_transport(route: str, exc: httpx.TransportError) -> SeamError:
    kind = exc.__class__.__name__
    if isinstance(exc, _CLIENT_SIDE):
        return SeamError(f"{kind}: {exc}", type="client_error", route=route)
    return SeamUnavailable(
        f"{kind} talking to Seam: {exc}",
        type=kind,
        route=route,
        outcome_unknown=not isinstance(exc, _NOT_SENT),
    )
