"""JSON request bodies for Seam: datetimes become ISO 8601 in UTC with a `Z` suffix."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def isoformat_utc(value: dt.datetime) -> str:
    # A naive datetime has no defined instant; guessing a zone here would silently shift access windows.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Refusing to send a naive datetime to Seam: {value!r}")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return isoformat_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Cannot send {type(value).__name__} to Seam")


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, default=_default, separators=(",", ":")).encode()


def compact(**params: Any) -> dict[str, Any]:
    """Drop optional parameters the caller left as None, so Seam applies its own defaults."""
    return {key: value for key, value in params.items() if value is not None}
