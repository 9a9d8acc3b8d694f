"""Reading request parameters the way Seam accepts them: JSON bodies, or query strings for reads.

Query strings only carry text, so every getter also accepts the textual form ("true", "20", "a,b").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from portal.seam.sandbox.api_errors import invalid_input


def new_id() -> str:
    return str(uuid.uuid4())


def iso(value: datetime | None) -> str | None:
    """Seam's timestamp format: UTC, milliseconds, `Z` suffix."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise invalid_input(f"{field} must be an ISO 8601 timestamp", field=field) from None
    else:
        raise invalid_input(f"{field} must be an ISO 8601 timestamp", field=field)
    if parsed.tzinfo is None:
        # Seam reads timestamps without an offset as UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class Params:
    def __init__(self, data: dict[str, Any]):
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid_input(f"Required: {name}", field=name)
            return None
        if not isinstance(value, str):
            raise invalid_input(f"{name} must be a string", field=name)
        return value

    def flag(self, name: str, default: bool | None = False) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise invalid_input(f"{name} must be a boolean", field=name)

    def integer(self, name: str, default: int | None = None, *, minimum: int = 1) -> int | None:
        value = self.data.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid_input(f"{name} must be an integer", field=name) from None
        if isinstance(value, bool) or number < minimum:
            raise invalid_input(f"{name} must be an integer >= {minimum}", field=name)
        return number

    def strings(self, name: str) -> list[str] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return [item for item in value.split(",") if item]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise invalid_input(f"{name} must be a list of strings", field=name)

    def timestamp(self, name: str) -> datetime | None:
        value = self.data.get(name)
        return None if value is None else parse_time(value, name)
