"""Seam-style cursor pagination: `limit` + `page_cursor` in, `pagination{...}` out.

A cursor is tied to the query that produced it (like Seam's), so reusing it with other filters is a 400
rather than a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from portal.seam.sandbox.api_errors import invalid_input
from portal.seam.sandbox.params import Params

_NOT_PART_OF_QUERY = {"page_cursor", "limit"}


def _query_hash(params: Params) -> str:
    query = {key: value for key, value in params.data.items() if key not in _NOT_PART_OF_QUERY}
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _decode(cursor: str, params: Params) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        offset, query = int(data["offset"]), data["query"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid_input("page_cursor is not a valid cursor", field="page_cursor") from None
    if query != _query_hash(params) or offset < 0:
        raise invalid_input("page_cursor does not belong to this query", field="page_cursor")
    return offset


def _encode(offset: int, params: Params) -> str:
    data = json.dumps({"offset": offset, "query": _query_hash(params)}).encode()
    return base64.urlsafe_b64encode(data).decode()


def _query_value(value: Any) -> str | None:
    """How a body parameter is written in a GET query string (which the sandbox also reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    return None


def paginate(
    items: list, params: Params, *, url: str, default_limit: int = 500
) -> tuple[list, dict[str, Any]]:
    limit = params.integer("limit", default_limit)
    cursor = params.text("page_cursor")
    offset = _decode(cursor, params) if cursor else 0
    page = items[offset : offset + limit]
    has_next = offset + limit < len(items)
    next_cursor = _encode(offset + limit, params) if has_next else None
    next_url = None
    if next_cursor:
        query = {key: _query_value(value) for key, value in params.data.items() if key != "page_cursor"}
        query = {key: value for key, value in query.items() if value is not None}
        next_url = f"{url}?{urlencode({**query, 'page_cursor': next_cursor})}"
    return page, {"has_next_page": has_next, "next_page_cursor": next_cursor, "next_page_url": next_url}
