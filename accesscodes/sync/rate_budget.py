"""Seam's per-device write limits, held across workers with one reservation row per write."""

import datetime as dt

from django.db import transaction

from accesscodes.models import AccessCode, SeamWriteReservation
from devices.models import Device

# Seam's documented per-device limits, per minute.
WRITES_PER_MINUTE = {"create": 10, "update": 10, "delete": 20}
RATE_WINDOW = dt.timedelta(minutes=1)
RESERVATIONS_KEPT = dt.timedelta(hours=1)


def write_reserve(*, access_code: AccessCode, action: str, now) -> dt.timedelta | None:
    """Take one of the device's write slots for this minute, or say how long to wait for one."""
    with transaction.atomic():
        Device.objects.for_workspace(access_code.workspace_id).select_for_update().filter(
            pk=access_code.device_id
        ).first()
        recent = list(
            SeamWriteReservation.objects.for_workspace(access_code.workspace_id)
            .filter(device_id=access_code.device_id, action=action, reserved_at__gt=now - RATE_WINDOW)
            .order_by("reserved_at")
            .values_list("reserved_at", flat=True)
        )
        if len(recent) >= WRITES_PER_MINUTE[action]:
            return recent[0] + RATE_WINDOW - now
        SeamWriteReservation.objects.create(
            workspace_id=access_code.workspace_id,
            device_id=access_code.device_id,
            action=action,
            reserved_at=now,
        )
    return None


def write_reservations_prune(*, workspace, now) -> None:
    SeamWriteReservation.objects.for_workspace(workspace).filter(
        reserved_at__lt=now - RESERVATIONS_KEPT
    ).delete()
