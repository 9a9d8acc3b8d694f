"""Rows of the page matrix (test_page_matrix.py): for every page under `w/<slug>/` and every method it
answers, the least role that may use it and a request that, sent by that role, succeeds.

A row is keyed by (URL name, METHOD). Its fields take the world of one workspace (tests/matrix_world.py:
`w.booking`, `w.unit`, `w.feed`, ...):
- `kwargs(w)`: the URL kwargs besides the slug, naming that workspace's objects;
- `query(w)`: a query string naming an object (`?device=<id>`), "" for none;
- `body(w)`: a valid POST body in that workspace; `body_names_objects` when it names the workspace's rows
  by id (then, sent with the other workspace's body, it must be refused as bad input);
- `minimum`: the least role that may; below it the answer is 403, and nothing changes;
- `page_open_to`: where the page opens to roles below `minimum` and the service refuses them (the role
  rules: only owners replace the Seam key or make owners): the least role the page opens to; the roles
  from it up to `minimum` get the refusal as a form error (400), the roles below it 403.

Adding a page: add its row here; test_every_workspace_page_is_in_the_matrix names what is missing."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from matrix_world import ROLE_RANK

from portal.models import Role


def no_kwargs(w) -> dict:
    return {}


def no_query(w) -> str:
    return ""


def no_body(w) -> dict:
    return {}


@dataclass(frozen=True)
class Row:
    minimum: Role
    kwargs: Callable = no_kwargs
    query: Callable = no_query
    body: Callable = no_body
    body_names_objects: bool = False
    page_open_to: Role | None = None

    def refusal_for(self, role: Role) -> int:
        opens_to = self.page_open_to or self.minimum
        return 400 if ROLE_RANK[role] >= ROLE_RANK[opens_to] else 403


@dataclass(frozen=True)
class Variant:
    """A second request to a route already in ROWS, with its own role rule (e.g. promoting to owner)."""

    name: str
    method: str
    row: Row


def pk(attribute: str, kwarg: str = "pk") -> Callable:
    return lambda w: {kwarg: getattr(w, attribute).pk}


def days_ahead(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def stay(w) -> dict:
    return {"check_in_date": days_ahead(30), "check_out_date": days_ahead(33)}


def booking_form(w) -> dict:
    return {
        "unit": w.unit.pk,
        **stay(w),
        "guest_name": "Grace Hopper",
        "guest_phone": "+49 30 555 7319",
        "status": "confirmed",
        "confirm": "1",
    }


PROPERTY_FORM = {
    "name": "Harbour View",
    "timezone": "America/New_York",
    "check_in_time": "16:00",
    "check_out_time": "10:00",
    "pin_source": "random",
    "pin_length": "",
    "early_access_minutes": "30",
    "late_access_minutes": "0",
    "same_pin_on_every_door": "on",
    "offline_fallback": "on",
    "readiness_lead_minutes": "120",
    "guest_data_retention_days": "30",
}


def property_form(w) -> dict:
    return {**PROPERTY_FORM, "shared_door_ids": [w.entrance.pk]}


def unit_form(w) -> dict:
    return {
        "name": "Flat 9",
        "external_id": "L-9",
        "same_pin_on_every_door": "unknown",
        "door_ids": [w.door.pk],
    }


def feed_form(w) -> dict:
    return {
        "unit": w.unit.pk,
        "name": "VRBO",
        "url": "https://example.com/matrix.ics",
        "block_patterns": "",
        "poll_interval_minutes": "10",
    }


def access_code_form(w) -> dict:
    start = timezone.localtime(timezone.now() + dt.timedelta(days=40)).replace(second=0, microsecond=0)
    return {
        "name": "Matrix guest",
        "code": "7391",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "max_time_rounding": "1hour",
        "prefer_native_scheduling": "on",
    }


VIEWER, MANAGER, ADMIN, OWNER = Role.VIEWER, Role.MANAGER, Role.ADMIN, Role.OWNER
booking = pk("booking")

ROWS: dict[tuple[str, str], Row] = {
    # the workspace page
    ("workspace_detail", "GET"): Row(VIEWER),
    ("workspace_sections", "GET"): Row(VIEWER),
    # devices
    ("device_list", "GET"): Row(VIEWER),
    ("device_detail", "GET"): Row(VIEWER, kwargs=pk("door", "device_id")),
    ("device_sync_now", "POST"): Row(MANAGER),
    # access codes
    ("access_code_list", "GET"): Row(VIEWER),
    ("access_code_create", "GET"): Row(MANAGER, query=lambda w: f"?device={w.spare_door.pk}"),
    ("access_code_create", "POST"): Row(
        MANAGER, query=lambda w: f"?device={w.spare_door.pk}", body=access_code_form
    ),
    ("access_code_detail", "GET"): Row(VIEWER, kwargs=pk("access_code")),
    ("access_code_detail", "POST"): Row(
        MANAGER,
        kwargs=pk("access_code"),
        body=lambda w: {**access_code_form(w), "name": "Renamed by the matrix"},
    ),
    ("access_code_delete", "GET"): Row(MANAGER, kwargs=pk("access_code")),  # the confirmation
    ("access_code_delete", "POST"): Row(MANAGER, kwargs=pk("access_code")),
    ("access_code_retry", "POST"): Row(MANAGER, kwargs=pk("access_code")),
    ("access_code_backup", "POST"): Row(MANAGER, kwargs=pk("access_code")),
    # bookings
    ("booking_list", "GET"): Row(VIEWER),
    ("booking_detail", "GET"): Row(VIEWER, kwargs=booking),
    ("booking_create", "GET"): Row(MANAGER),
    ("booking_create", "POST"): Row(MANAGER, body=booking_form, body_names_objects=True),
    ("booking_preview", "POST"): Row(MANAGER, body=booking_form, body_names_objects=True),
    ("booking_edit", "GET"): Row(MANAGER, kwargs=booking),
    ("booking_edit", "POST"): Row(MANAGER, kwargs=booking, body=booking_form),
    ("booking_edit_preview", "POST"): Row(MANAGER, kwargs=booking, body=booking_form),
    ("booking_move", "GET"): Row(MANAGER, kwargs=booking),
    ("booking_move", "POST"): Row(MANAGER, kwargs=booking, body=lambda w: {**stay(w), "confirm": "1"}),
    ("booking_move_preview", "POST"): Row(MANAGER, kwargs=booking, body=stay),
    ("booking_change_unit", "GET"): Row(MANAGER, kwargs=booking),
    ("booking_change_unit", "POST"): Row(
        MANAGER, kwargs=booking, body=lambda w: {"unit": w.second_unit.pk, "confirm": "1"}
    ),
    ("booking_change_unit_preview", "POST"): Row(
        MANAGER, kwargs=booking, body=lambda w: {"unit": w.second_unit.pk}
    ),
    ("booking_rotate_pin", "GET"): Row(MANAGER, kwargs=booking),
    ("booking_rotate_pin", "POST"): Row(
        MANAGER, kwargs=booking, body=lambda w: {"rotation_seed": "0123456789abcdef"}
    ),
    ("booking_cancel", "GET"): Row(MANAGER, kwargs=booking),
    ("booking_cancel", "POST"): Row(MANAGER, kwargs=booking),
    # properties and units
    ("property_list", "GET"): Row(VIEWER),
    ("property_detail", "GET"): Row(VIEWER, kwargs=pk("property")),
    ("unit_detail", "GET"): Row(VIEWER, kwargs=pk("unit")),
    ("settings_properties", "GET"): Row(ADMIN),
    ("property_create", "GET"): Row(ADMIN),
    ("property_create", "POST"): Row(ADMIN, body=property_form, body_names_objects=True),
    ("property_edit", "GET"): Row(ADMIN, kwargs=pk("property")),
    ("property_edit", "POST"): Row(ADMIN, kwargs=pk("property"), body=property_form),
    ("unit_create", "GET"): Row(ADMIN, kwargs=pk("property", "property_pk")),
    ("unit_create", "POST"): Row(ADMIN, kwargs=pk("property", "property_pk"), body=unit_form),
    ("unit_edit", "GET"): Row(ADMIN, kwargs=pk("unit")),
    ("unit_edit", "POST"): Row(ADMIN, kwargs=pk("unit"), body=unit_form),
    # calendar feeds
    ("settings_sources", "GET"): Row(ADMIN),
    ("settings_sources", "POST"): Row(ADMIN, body=lambda w: {"name": "Matrix PMS"}),
    ("settings_source_secret_rotate", "POST"): Row(ADMIN, kwargs=pk("source")),
    ("settings_source_url_rotate", "POST"): Row(ADMIN, kwargs=pk("source")),
    ("settings_source_disable", "POST"): Row(ADMIN, kwargs=pk("source")),
    ("settings_feeds", "GET"): Row(ADMIN),
    ("settings_feeds", "POST"): Row(ADMIN, body=feed_form, body_names_objects=True),
    ("settings_feed_edit", "GET"): Row(ADMIN, kwargs=pk("feed")),
    ("settings_feed_edit", "POST"): Row(ADMIN, kwargs=pk("feed"), body=feed_form),
    ("settings_feed_import", "POST"): Row(ADMIN, kwargs=pk("feed")),
    # members
    ("settings_members", "GET"): Row(ADMIN),
    ("settings_members", "POST"): Row(
        ADMIN, body=lambda w: {"username": w.newcomer.username, "role": "viewer"}
    ),
    ("settings_member_change", "POST"): Row(ADMIN, kwargs=pk("member"), body=lambda w: {"action": "remove"}),
    # API tokens
    ("settings_tokens", "GET"): Row(ADMIN),
    ("settings_tokens", "POST"): Row(ADMIN, body=lambda w: {"name": "Matrix", "scope": "read"}),
    ("settings_token_revoke", "POST"): Row(ADMIN, kwargs=pk("token")),
    # outgoing webhooks
    ("settings_webhooks", "GET"): Row(ADMIN),
    ("settings_webhooks", "POST"): Row(ADMIN, body=lambda w: {"url": "https://example.com/matrix"}),
    ("settings_webhook_detail", "GET"): Row(ADMIN, kwargs=pk("endpoint")),
    ("settings_webhook_detail", "POST"): Row(
        ADMIN, kwargs=pk("endpoint"), body=lambda w: {"action": "disable"}
    ),
    ("settings_webhook_redeliver", "POST"): Row(
        ADMIN, kwargs=lambda w: {"pk": w.endpoint.pk, "delivery_pk": w.delivery.pk}
    ),
    # the Seam key: the page is the admins', replacing the key the owners'
    ("settings_seam", "GET"): Row(ADMIN),
    ("settings_seam", "POST"): Row(
        OWNER, body=lambda w: {"seam_api_key": "seam_test_matrix_key_123"}, page_open_to=ADMIN
    ),
}

# The role rules a page enforces through its service, on routes already in ROWS.
VARIANTS: list[Variant] = [
    Variant(
        "settings_member_change",
        "POST",
        Row(OWNER, kwargs=pk("member"), body=lambda w: {f"m{w.member.pk}-role": "owner"}, page_open_to=ADMIN),
    ),
    Variant(
        "settings_members",
        "POST",
        Row(OWNER, body=lambda w: {"username": w.newcomer.username, "role": "owner"}, page_open_to=ADMIN),
    ),
]
