"""The booking hook inbox: a delivery is stored first (one INSERT), processed by a Django-Q2 task once
committed, and kept 30 days. Processing never raises: its outcome, failures included, is on the delivery,
a failure opens an alert, and "process again" re-runs it."""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.bookings.alerts import alert_notify
from accesscodes.bookings.api.payload import BookingPayloadSerializer
from accesscodes.bookings.hook_payload import CANCELLED, HookShapeError, hook_data_check, hook_event_parse
from accesscodes.bookings.models import Alert, Booking, BookingHookDelivery
from accesscodes.bookings.services import booking_cancel, booking_upsert
from accesscodes.bookings.timeline import booking_event_record
from portal.api.errors import validation_errors_of

logger = logging.getLogger(__name__)

PROCESS_TASK = "accesscodes.bookings.tasks.process_booking_hook"
RETENTION = dt.timedelta(days=30)
# A delivery still waiting this long lost its task (with Redis: the process died between commit and enqueue).
STUCK_AFTER = dt.timedelta(minutes=30)
Status = BookingHookDelivery.Status


def hook_delivery_store(
    *, source, webhook_id: str, headers: dict, body: str, event_type: str, external_id: str = ""
):
    """Store an accepted delivery and queue its processing; None when this source already sent this
    webhook id (the sender's retry: it is processed once)."""
    delivery = BookingHookDelivery(
        workspace_id=source.workspace_id,
        source=source,
        webhook_id=webhook_id,
        external_id=external_id,
        headers=headers,
        body=body,
        event_type=event_type,
    )
    # Field checks only: the source was just read, and the unique index answers duplicates in the INSERT.
    delivery.full_clean(
        exclude=["workspace", "source", "booking"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
            _enqueue(delivery)
    except IntegrityError:
        return None
    return delivery


def hook_delivery_process_again(*, delivery: BookingHookDelivery) -> None:
    """Queue the delivery to be processed again, whatever its outcome was."""
    with transaction.atomic():
        BookingHookDelivery.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.pk).update(
            status=Status.RECEIVED, outcome="Queued to be processed again."
        )
        _enqueue(delivery)


def hook_delivery_process(*, workspace_id: int, delivery_id: int) -> str | None:
    """Apply a received delivery to its booking, once; the status it ends in (None if it is gone).
    Deliveries of the same booking that arrived before it and still wait (their task is late: a worker
    died running it) are applied first, so a cancellation never overtakes the booking it cancels."""
    for earlier_id in _earlier_waiting(workspace_id=workspace_id, delivery_id=delivery_id):
        _process_one(workspace_id=workspace_id, delivery_id=earlier_id)
    return _process_one(workspace_id=workspace_id, delivery_id=delivery_id)


def _earlier_waiting(*, workspace_id: int, delivery_id: int) -> list[int]:
    deliveries = BookingHookDelivery.objects.for_workspace(workspace_id)
    delivery = deliveries.filter(pk=delivery_id).values("source_id", "external_id").first()
    if delivery is None or not delivery["external_id"]:
        return []
    return list(
        deliveries.filter(**delivery, status=Status.RECEIVED, pk__lt=delivery_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _process_one(*, workspace_id: int, delivery_id: int) -> str | None:
    with transaction.atomic():
        delivery = (
            BookingHookDelivery.objects.for_workspace(workspace_id)
            .select_for_update(of=("self",))
            .select_related("source__workspace")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Status.RECEIVED:
            return delivery and delivery.status
        delivery.attempts += 1
        try:
            # A savepoint: a failure half-way leaves nothing of the booking work behind.
            with transaction.atomic():
                delivery.status, delivery.outcome, booking = _apply(delivery)
        except ValidationError as error:
            delivery.status, delivery.outcome, booking = Status.FAILED, _sentences(error), None
        except Exception:
            logger.exception("Booking hook delivery %s could not be processed", delivery_id)
            delivery.status, booking = Status.FAILED, None
            delivery.outcome = "Unexpected error while applying it (logged); process it again once fixed."
        delivery.booking = booking or delivery.booking or _named_booking(delivery)
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "outcome", "booking", "attempts", "processed_at"])
        if delivery.status == Status.FAILED:
            _failure_alert_open(delivery)
        else:
            _failure_alert_resolve(delivery)
        return delivery.status


def hook_inbox_purge(*, now=None) -> int:
    """Forget deliveries older than the retention period, in every workspace (maintenance)."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = (
        BookingHookDelivery.objects.dangerously_all_workspaces().filter(received_at__lt=cutoff).delete()
    )
    return deleted


def hook_deliveries_requeue_stuck(*, now=None) -> int:
    """Queue again the deliveries whose task was lost; processing twice is harmless (it runs once)."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    stuck = BookingHookDelivery.objects.dangerously_all_workspaces().filter(
        status=Status.RECEIVED, received_at__lt=cutoff
    )
    rows = list(stuck.values_list("workspace_id", "pk"))
    for workspace_id, delivery_id in rows:
        async_task(PROCESS_TASK, workspace_id, delivery_id)
    return len(rows)


# -- applying one delivery ---------------------------------------------------------------------------


def _enqueue(delivery: BookingHookDelivery) -> None:
    """Queue the delivery's processing so that it runs only once the delivery is committed. With the
    database broker the task row is written in the same transaction: one commit instead of two per hook
    (the receiver's main cost), and a delivery never exists without its task. Another broker (Redis) is
    told after the commit."""
    workspace_id, delivery_id = delivery.workspace_id, delivery.pk
    if settings.Q_CLUSTER.get("orm"):
        async_task(PROCESS_TASK, workspace_id, delivery_id)
    else:
        transaction.on_commit(lambda: async_task(PROCESS_TASK, workspace_id, delivery_id))


def _apply(delivery: BookingHookDelivery) -> tuple[str, str, Booking | None]:
    source = delivery.source
    try:
        event_type, data = hook_event_parse(delivery.body.encode())
        checked = hook_data_check(event_type=event_type, data=data, source_key=source.key)
    except HookShapeError as error:  # only for a delivery stored before today's rules
        return Status.FAILED, error.message, None
    _lock_booking_reference(source, checked["external_id"])
    if event_type == CANCELLED:
        return _cancel(delivery, data, checked)
    serializer = _full_payload(source, data)
    if not serializer.is_valid():
        return Status.FAILED, _sentences(serializer.errors), None
    outcome = booking_upsert(**serializer.upsert_kwargs())
    if outcome.result == "stale":
        return Status.IGNORED, _stale_message(outcome.booking), outcome.booking
    return Status.PROCESSED, f"Booking {outcome.result}.", outcome.booking


def _cancel(delivery, data: dict, checked: dict) -> tuple[str, str, Booking | None]:
    source = delivery.source
    booking = (
        Booking.objects.for_workspace(source.workspace_id)
        .filter(source=source.key, external_id=checked["external_id"])
        .first()
    )
    if booking is not None:
        outcome = booking_cancel(booking=booking, source_updated_at=checked["source_updated_at"])
        if outcome.result == "stale":
            return Status.IGNORED, _stale_message(outcome.booking), booking
        message = "Booking was already cancelled." if outcome.result == "unchanged" else "Booking cancelled."
        return Status.PROCESSED, message, booking
    # Cancelled before its creation arrived: stored as cancelled, so an older creation arriving later is
    # recognised as stale instead of giving the guest codes.
    serializer = _full_payload(source, {**data, "status": Booking.Status.CANCELLED})
    if not serializer.is_valid():
        return Status.IGNORED, f"No booking {checked['external_id']} from this source to cancel.", None
    outcome = booking_upsert(**serializer.upsert_kwargs())
    return Status.PROCESSED, "Booking stored as cancelled (its creation has not arrived).", outcome.booking


def _full_payload(source, data: dict) -> BookingPayloadSerializer:
    return BookingPayloadSerializer(
        data=data, context={"workspace": source.workspace}, fixed_source=source.key
    )


def _lock_booking_reference(source, external_id: str) -> None:
    """One delivery at a time per booking, across workers, until the transaction ends: two deliveries of a
    booking not stored yet would otherwise both try to create it."""
    if connection.vendor != "postgresql":
        return  # SQLite takes the database's write lock at BEGIN: transactions run one at a time anyway.
    reference = f"booking-hook:{source.workspace_id}:{source.key}:{external_id}"
    lock_id = int.from_bytes(hashlib.sha256(reference.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _named_booking(delivery) -> Booking | None:
    """The booking a failed delivery names, when it exists: the alert links to it."""
    try:
        _, data = hook_event_parse(delivery.body.encode())
    except HookShapeError:
        return None
    external_id = data.get("external_id")
    if not isinstance(external_id, str):
        return None
    bookings = Booking.objects.for_workspace(delivery.workspace_id)
    return bookings.filter(source=delivery.source.key, external_id=external_id).first()


def _stale_message(booking: Booking) -> str:
    return (
        f"Older than the booking's last update ({booking.source_updated_at:%Y-%m-%d %H:%M:%S} UTC): "
        "recorded on its timeline and ignored."
    )


def _sentences(error) -> str:
    """A Django or DRF validation error as one line: "field: sentence; other: sentence"."""
    if isinstance(error, ValidationError):
        error = error.message_dict if hasattr(error, "error_dict") else error.messages
    return "; ".join(
        " ".join(sentences) if field == "non_field_errors" else f"{field}: {' '.join(sentences)}"
        for field, sentences in validation_errors_of(error).items()
    )


def _condition_key(delivery) -> str:
    return f"hook:{delivery.pk}:{Alert.Kind.HOOK_FAILED}"


def _failure_alert_open(delivery) -> None:
    alerts = Alert.objects.for_workspace(delivery.workspace_id)
    key = _condition_key(delivery)
    message = f"Booking hook {delivery.webhook_id} from {delivery.source} failed: {delivery.outcome}"
    open_alert = alerts.filter(condition_key=key, resolved_at__isnull=True).first()
    if open_alert is not None:
        open_alert.message = message
        open_alert.save(update_fields=["message"])
        return
    alert = Alert(
        workspace_id=delivery.workspace_id,
        booking=delivery.booking,
        kind=Alert.Kind.HOOK_FAILED,
        condition_key=key,
        message=message,
    )
    alert.full_clean()
    alert.save()
    if delivery.booking is not None:
        booking_event_record(
            booking=delivery.booking, kind="alert", message=message, data={"alert_id": alert.pk}
        )
    alert_id, workspace_id = alert.pk, delivery.workspace_id
    transaction.on_commit(lambda: alert_notify(alert_id=alert_id, workspace_id=workspace_id))


def _failure_alert_resolve(delivery) -> None:
    Alert.objects.for_workspace(delivery.workspace_id).filter(
        condition_key=_condition_key(delivery), resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
