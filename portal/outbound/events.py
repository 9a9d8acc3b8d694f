"""The event types endpoints may subscribe to. The apps that know the events register them at start-up,
so the portal lists them without naming any app."""

import json
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


_event_types: dict[str, EventType] = {}


def webhook_event_type_register(*, name: str, description: str) -> None:
    """Idempotent (apps call it from `ready()`, which tests may run more than once)."""
    _event_types[name] = EventType(name=name, description=description)


def webhook_event_types() -> list[EventType]:
    return sorted(_event_types.values(), key=lambda event_type: event_type.name)


def is_webhook_event_type(name: str) -> bool:
    return name in _event_types


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def event_envelope(*, event_type: str, data: dict, now=None) -> dict:
    """`{"type", "timestamp", "data"}`, in JSON types only (dates as ISO 8601), as it is stored and sent."""
    envelope = {"type": event_type, "timestamp": (now or timezone.now()).isoformat(), "data": data}
    return json.loads(json.dumps(envelope, cls=DjangoJSONEncoder))


def event_body(payload: dict) -> str:
    """The bytes that are signed and sent. Sorted keys: the same text on every attempt, whatever order the
    database returns the stored JSON in (PostgreSQL's jsonb reorders keys)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
