"""events/list and events/get."""

from __future__ import annotations

from portal.seam.sandbox.api_errors import invalid_input, not_found
from portal.seam.sandbox.params import iso, parse_time
from portal.seam.sandbox.routes.registry import Call, route


def _id_filter(call: Call, single: str, plural: str) -> set[str] | None:
    ids = set(call.params.strings(plural) or [])
    if call.params.has(single):
        ids.add(call.params.text(single))
    return ids or None


@route("events/list")
def events_list(call: Call) -> dict:
    params = call.params
    since = params.timestamp("since")
    between = params.strings("between")
    if between is not None:
        if len(between) != 2:
            raise invalid_input("between must be [start, end]", field="between")
        low, high = (parse_time(value, "between") for value in between)
    else:
        low, high = since, None
    # Compared as Seam-formatted strings: same format, so lexical order is time order.
    low_text, high_text = iso(low), iso(high)
    device_ids = _id_filter(call, "device_id", "device_ids")
    code_ids = _id_filter(call, "access_code_id", "access_code_ids")
    account_ids = _id_filter(call, "connected_account_id", "connected_account_ids")
    event_types = _id_filter(call, "event_type", "event_types")
    limit = params.integer("limit", 500)
    found = []
    # `since`/`between` select on created_at (when Seam recorded the event), so a poller that remembers
    # the time of its last poll never misses an event whose occurred_at lies further back.
    for event in call.workspace.events:
        if low_text and event["created_at"] < low_text:
            continue
        if high_text and event["created_at"] > high_text:
            continue
        if device_ids and event.get("device_id") not in device_ids:
            continue
        if code_ids and event.get("access_code_id") not in code_ids:
            continue
        if account_ids and event.get("connected_account_id") not in account_ids:
            continue
        if event_types and event["event_type"] not in event_types:
            continue
        found.append(event)
        if len(found) >= limit:
            break
    return {"events": found}


@route("events/get")
def events_get(call: Call) -> dict:
    event_id = call.params.text("event_id", required=True)
    for event in call.workspace.events:
        if event["event_id"] == event_id:
            return {"event": event}
    raise not_found("event_not_found", "Event not found")
