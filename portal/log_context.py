"""Structured logs: every line carries the request id and the workspace it concerns, and secrets that
slip into a message (Seam keys, API tokens, webhook secrets, hook URL tokens, phone numbers) are masked before any handler
writes it. `LOG_FORMAT=json` writes one JSON object a line (the default in production)."""

import contextvars
import json
import logging
import re
import uuid
from contextlib import contextmanager

request_id_var = contextvars.ContextVar("request_id", default="")
workspace_var = contextvars.ContextVar("workspace", default="")

# A secret starts a word: "dispatch_seam_events" is a task name, "seam_live_…" a key.
SECRET_PATTERNS = [
    (re.compile(r"(?<![A-Za-z0-9_])seam_[A-Za-z0-9_]{4,}"), "seam_***"),
    (re.compile(r"(?<![A-Za-z0-9_])lp_[A-Za-z0-9_-]{8,}"), "lp_***"),
    (re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=_-]{4,}"), "whsec_***"),
    # A hook URL's last part is its credential; Django logs the path of every 4xx answer.
    (re.compile(r"(/hooks/(?:bookings|seam)/)[^/\s?#\"']+"), r"\1***"),
    # International numbers as guests type them: +, then digits with spaces, dots, dashes or brackets.
    (re.compile(r"\+\d[\d ().-]{5,}\d"), "+***"),
]
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def mask_secrets(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@contextmanager
def bound(*, workspace="", request_id=None):
    """Lines logged inside carry this workspace (and request id, when given)."""
    tokens = [workspace_var.set(str(workspace))]
    if request_id is not None:
        tokens.append(request_id_var.set(request_id))
    try:
        yield
    finally:
        for token in reversed(tokens):
            token.var.reset(token)


def bind_workspace(workspace) -> None:
    """For the rest of this request or task (the middleware and task wrappers reset it)."""
    workspace_var.set(getattr(workspace, "slug", None) or str(workspace))


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = getattr(record, "request_id", "") or request_id_var.get()
        record.workspace = getattr(record, "workspace", "") or workspace_var.get()
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "workspace": getattr(record, "workspace", ""),
        }
        if record.exc_info:
            entry["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record):
        text = super().format(record)
        return mask_secrets(text) if record.exc_info else text


class RequestContextMiddleware:
    """A request id for every request (the caller's `X-Request-ID` when it is sane), on the response and
    on every log line the request causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if REQUEST_ID_PATTERN.fullmatch(offered) else uuid.uuid4().hex
        with bound(workspace="", request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
