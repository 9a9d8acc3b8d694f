"""The table of Seam event handlers. The portal stores and dispatches Seam's events without knowing what
they mean: each app registers the handlers for its event types in its `AppConfig.ready()`.

A handler is called as `handler(workspace=..., event=...)` with the event's JSON as Seam sent it, inside
the transaction that marks the event processed, so its writes and the event's outcome commit together.
It returns a short account of what it did, or raises:
- `EventIgnored(reason)`: nothing in this workspace concerns the event (not a failure);
- `EventRetryLater(reason)`: it cannot be applied right now (e.g. another worker holds the code); the event
  stays pending and the every-minute sweep processes it again;
- anything else: the event is marked failed with the reason, and can be processed again from the admin.
"""

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.dateparse import parse_datetime

Handler = Callable[..., str]


class EventIgnored(Exception):
    pass


class EventRetryLater(Exception):
    pass


_handlers: list[tuple[str, Handler]] = []


def register(event_type_prefix: str, handler: Handler) -> None:
    """Call `handler` for events whose type is `event_type_prefix` or starts with it and a dot
    ("access_code" matches "access_code.set_on_device" and "access_code.unmanaged.created")."""
    entry = (event_type_prefix.rstrip("."), handler)
    # Registering the same handler again (a test calling ready() twice) must not apply events twice.
    if entry not in _handlers:
        _handlers.append(entry)


def handlers_for(event_type: str) -> list[Handler]:
    return [
        handler
        for prefix, handler in _handlers
        if event_type == prefix or event_type.startswith(prefix + ".")
    ]


def seam_timestamp(value) -> dt.datetime | None:
    """An aware datetime from one of Seam's ISO 8601 timestamps; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed
