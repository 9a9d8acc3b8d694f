"""Bookings and webhooks out: the booking events sent to the workspace's endpoints, and an alert when the
portal disables an endpoint.

`booking.codes_ready` / `booking.codes_failed` are decided after the code's change is committed, with the
booking locked, so of two doors that become ready at once the later one sees both. Each is sent once per
state of the booking's codes: the same doors, PINs and windows announce nothing new.
"""

import hashlib
import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from accesscodes.bookings.alerts import workspace_alert_open
from accesscodes.bookings.models import Alert, Booking, BookingCode, BookingEvent
from accesscodes.bookings.readiness import door_ready
from accesscodes.bookings.timeline import booking_event_record
from accesscodes.bookings.webhook_payloads import (
    BOOKING_CODES_FAILED,
    BOOKING_CODES_READY,
    BOOKING_FIRST_ENTRY,
    EVENT_TYPES,
    booking_data,
    door_data,
)
from accesscodes.models import AccessCode
from accesscodes.signals import access_code_status_changed
from portal.models import WebhookEndpoint
from portal.outbound.events import webhook_event_type_register
from portal.outbound.services import webhook_event_emit
from portal.signals import webhook_endpoint_disabled

logger = logging.getLogger(__name__)

# Timeline kinds that remember what was announced last.
ANNOUNCED_KINDS = {BOOKING_CODES_READY: "codes_ready", BOOKING_CODES_FAILED: "codes_failed"}


def connect() -> None:
    for name, description in EVENT_TYPES.items():
        webhook_event_type_register(name=name, description=description)
    access_code_status_changed.connect(
        booking_codes_check_after_commit, sender=AccessCode, dispatch_uid="bookings-codes-announce"
    )
    webhook_endpoint_disabled.connect(
        endpoint_disabled_alert_open, sender=WebhookEndpoint, dispatch_uid="bookings-webhook-endpoint-alert"
    )


def booking_codes_check_after_commit(sender, *, access_code: AccessCode, changed, **kwargs) -> None:
    workspace_id, access_code_id = access_code.workspace_id, access_code.pk
    # robust: a failure here is logged and never undoes, or breaks, the code's own (committed) work.
    transaction.on_commit(
        lambda: booking_codes_announce(workspace_id=workspace_id, access_code_id=access_code_id), robust=True
    )


def booking_codes_announce(*, workspace_id: int, access_code_id: int) -> str | None:
    """Send `booking.codes_ready` or `booking.codes_failed` for the booking that owns this code, when its
    codes reached a state not announced yet. Returns the event type sent, if any."""
    link = (
        BookingCode.objects.for_workspace(workspace_id)
        .filter(access_code_id=access_code_id, released_at__isnull=True)
        .first()
    )
    if link is None:
        return None
    with transaction.atomic():
        booking = (
            Booking.objects.for_workspace(workspace_id)
            .select_for_update()
            .select_related("unit")
            .get(pk=link.booking_id)
        )
        if booking.status != Booking.Status.CONFIRMED:
            return None
        links = _active_links(booking)
        failed = [link for link in links if link.access_code.sync_state == AccessCode.SyncState.FAILED]
        if failed:
            event_type = BOOKING_CODES_FAILED
            doors = [{**door_data(link), "error": link.access_code.last_sync_error} for link in failed]
            message = f"Codes failed on {_names(failed)}: the booking system was told."
        elif links and all(_on_the_lock(link.access_code) for link in links):
            event_type = BOOKING_CODES_READY
            doors = [door_data(link) for link in links]
            message = f"Every door's code is ready ({_names(links)}): the booking system was told."
        else:
            return None
        data = {"booking": booking_data(booking), "pin": booking.pin, "doors": doors}
        fingerprint = _fingerprint(event_type, data)
        if _last_announced(booking) == (ANNOUNCED_KINDS[event_type], fingerprint):
            return None
        booking_event_record(
            booking=booking,
            kind=ANNOUNCED_KINDS[event_type],
            message=message,
            data={"fingerprint": fingerprint},
        )
        webhook_event_emit(workspace_id=workspace_id, event_type=event_type, data=data)
        return event_type


def _active_links(booking: Booking) -> list[BookingCode]:
    return list(
        BookingCode.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking, released_at__isnull=True, access_code__removed_at__isnull=True)
        .exclude(
            access_code__sync_state__in=[AccessCode.SyncState.REMOVED, AccessCode.SyncState.PENDING_DELETE]
        )
        .select_related("access_code", "device")
        .order_by("device_id", "part")
    )


def _on_the_lock(access_code: AccessCode) -> bool:
    # Ready for arrival, and nothing left to send: a code still being changed is not announced yet.
    return door_ready(access_code) and access_code.sync_state == AccessCode.SyncState.IN_SYNC


def _names(links: list[BookingCode]) -> str:
    return ", ".join(dict.fromkeys(link.device.name for link in links))


def _fingerprint(event_type: str, data: dict) -> str:
    text = json.dumps([event_type, data], cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _last_announced(booking: Booking) -> tuple[str, str] | None:
    last = (
        BookingEvent.objects.for_workspace(booking.workspace_id)
        .filter(booking=booking, kind__in=ANNOUNCED_KINDS.values())
        .order_by("-created_at", "-pk")
        .first()
    )
    return (last.kind, last.data.get("fingerprint")) if last else None


def booking_first_entry_emit(*, booking: Booking, device, occurred_at, data: dict | None = None) -> None:
    """For the unlock audit: call it, inside the transaction that records the stay's first unlock by the
    guest's code, to send `booking.first_entry`. `data` adds fields (e.g. the unlock record's id)."""
    webhook_event_emit(
        workspace_id=booking.workspace_id,
        event_type=BOOKING_FIRST_ENTRY,
        data={
            "booking": booking_data(booking),
            "door": {"device_id": device.pk, "seam_device_id": device.seam_device_id, "name": device.name},
            "occurred_at": occurred_at,
            **(data or {}),
        },
    )


def endpoint_disabled_alert_open(sender, *, endpoint: WebhookEndpoint, reason: str, **kwargs) -> None:
    workspace_alert_open(
        workspace_id=endpoint.workspace_id,
        subject=f"webhook-endpoint-{endpoint.pk}",
        kind=Alert.Kind.WEBHOOK_ENDPOINT_DISABLED,
        message=f"The webhook endpoint {endpoint.url} was disabled and gets no more events: {reason} "
        "Fix the receiver, then enable the endpoint again and redeliver what it missed.",
    )
