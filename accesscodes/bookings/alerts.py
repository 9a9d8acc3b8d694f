"""Alerts: a problem a person must look at, opened once per condition, e-mailed once to the workspace's
managers, and resolved by the code that notices the condition has cleared."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accesscodes.bookings.models import Alert, Booking
from accesscodes.bookings.timeline import booking_event_record
from accesscodes.bookings.webhook_payloads import BOOKING_ALERT_OPENED, alert_data, booking_data
from portal.models import CODE_EDITOR_ROLES, Membership
from portal.outbound.services import webhook_event_emit

logger = logging.getLogger(__name__)


def condition_key(*, booking_id, device_id, kind: str) -> str:
    return f"{booking_id or '-'}:{device_id or '-'}:{kind}"


def alert_open(*, booking: Booking, device_id, kind: str, message: str) -> Alert:
    """The open alert for this condition, opened (and e-mailed after commit) if there was none. A new one
    is on the booking's timeline and sent to the webhook endpoints (`booking.alert_opened`)."""
    key = condition_key(booking_id=booking.pk, device_id=device_id, kind=kind)
    alert, opened = _open(
        workspace_id=booking.workspace_id,
        key=key,
        booking=booking,
        device_id=device_id,
        kind=kind,
        message=message,
    )
    if opened:
        booking_event_record(booking=booking, kind="alert", message=message, data={"alert_id": alert.pk})
        # The deliveries are written with the alert; they are sent once it is committed.
        webhook_event_emit(
            workspace_id=booking.workspace_id,
            event_type=BOOKING_ALERT_OPENED,
            data={"booking": booking_data(booking), "alert": alert_data(alert)},
        )
    return alert


def workspace_alert_open(*, workspace_id: int, subject: str, kind: str, message: str) -> Alert:
    """An alert about the workspace rather than a booking (e.g. a webhook endpoint that was disabled):
    at most one open per subject and kind."""
    alert, _ = _open(
        workspace_id=workspace_id,
        key=f"{subject}:{kind}",
        booking=None,
        device_id=None,
        kind=kind,
        message=message,
    )
    return alert


def _open(*, workspace_id: int, key: str, booking, device_id, kind: str, message: str) -> tuple[Alert, bool]:
    alert = (
        Alert.objects.for_workspace(workspace_id).filter(condition_key=key, resolved_at__isnull=True).first()
    )
    if alert is not None:
        return alert, False
    alert = Alert(
        workspace_id=workspace_id,
        booking=booking,
        device_id=device_id,
        kind=kind,
        condition_key=key,
        message=message,
    )
    alert.full_clean()
    alert.save()
    alert_id = alert.pk
    transaction.on_commit(lambda: alert_notify(alert_id=alert_id, workspace_id=workspace_id))
    return alert, True


def alerts_resolve(*, booking: Booking, kinds, except_device_ids=(), only_device_id=None) -> int:
    """Resolve the booking's open alerts of these kinds (for one door, or all doors but some)."""
    alerts = Alert.objects.for_workspace(booking.workspace_id).filter(
        booking=booking, kind__in=kinds, resolved_at__isnull=True
    )
    if only_device_id is not None:
        alerts = alerts.filter(device_id=only_device_id)
    alerts = alerts.exclude(
        device_id__in=[device_id for device_id in except_device_ids if device_id is not None]
    )
    return alerts.update(resolved_at=timezone.now())


def alert_notify(*, alert_id: int, workspace_id: int) -> None:
    """E-mail the workspace's managers, admins and owners once; a mail failure is logged, never raised."""
    claimed = (
        Alert.objects.for_workspace(workspace_id)
        .filter(pk=alert_id, notified_at__isnull=True)
        .update(notified_at=timezone.now())
    )
    if not claimed:
        return
    alert = Alert.objects.for_workspace(workspace_id).select_related("booking").get(pk=alert_id)
    recipients = sorted(
        Membership.objects.filter(workspace_id=workspace_id, role__in=CODE_EDITOR_ROLES)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    subject = f"[Lock portal] {alert.get_kind_display()}"
    if alert.booking_id:
        subject += f" · booking {alert.booking}"
    try:
        send_mail(subject, alert.message, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        logger.exception("Could not e-mail alert %s", alert_id)


def alert_resolve(*, alert: Alert, resolved_by: str) -> Alert:
    """A person marks the alert resolved by hand (resolving a resolved alert changes nothing); the
    booking's timeline records who. The alert opens again if its condition is still there next time."""
    with transaction.atomic():
        resolved = (
            Alert.objects.for_workspace(alert.workspace_id)
            .filter(pk=alert.pk, resolved_at__isnull=True)
            .update(resolved_at=timezone.now())
        )
        if resolved and alert.booking_id:
            booking = Booking.objects.for_workspace(alert.workspace_id).get(pk=alert.booking_id)
            booking_event_record(
                booking=booking,
                kind="alert_resolved",
                message=f"Alert resolved by hand ({resolved_by}): {alert.message}",
                data={"alert_id": alert.pk},
            )
    return Alert.objects.for_workspace(alert.workspace_id).get(pk=alert.pk)
