"""What Seam's device and account events change on the devices the portal mirrors (registered in ready()).

An event updates what the devices page shows at once; the next sync rewrites the device from Seam's full
record anyway (the event clears the device's sync fingerprint), so an event the portal misreads or never
gets corrects itself within one sync interval. Events arrive out of order: one that happened before the
newest event already applied to a device changes nothing on it."""

from django.utils import timezone

from devices.models import ConnectedAccount, Device
from portal.seam_events import EventIgnored, seam_timestamp

DEVICE_OFFLINE = "device_offline"
ACCOUNT_DISCONNECTED = "account_disconnected"


def device_event_apply(*, workspace, event: dict) -> str:
    """device.connected / disconnected / low_battery / battery_status_changed / removed; other device
    events only ask the next sync to read the device again."""
    device = _device(workspace, event)
    occurred_at = seam_timestamp(event.get("occurred_at")) or timezone.now()
    event_type = event["event_type"]
    if device.health_event_at and occurred_at < device.health_event_at:
        raise EventIgnored(f"{device.name}: an event newer than this {event_type} was already applied.")
    change = HEALTH_CHANGES.get(event_type, _refresh_at_next_sync)
    summary = change(device, event)
    device.health_event_at = occurred_at
    device.content_hash = ""  # the next sync rewrites the row from Seam's device
    device.save(update_fields=HEALTH_FIELDS)
    return summary


def _device(workspace, event: dict) -> Device:
    seam_device_id = event.get("device_id")
    device = Device.objects.for_workspace(workspace).filter(seam_device_id=seam_device_id or "").first()
    if device is None:
        raise EventIgnored(f"Device {seam_device_id} is not (yet) in this workspace: the next sync adds it.")
    return device


def _online(device: Device, event: dict) -> str:
    device.online = True
    device.errors = [error for error in device.errors if error.get("error_code") != DEVICE_OFFLINE]
    return f"{device.name} is online."


def _offline(device: Device, event: dict) -> str:
    device.online = False
    device.errors = _with_error(device.errors, DEVICE_OFFLINE, "Device is offline", event)
    return f"{device.name} is offline."


def _battery(device: Device, event: dict) -> str:
    level = event.get("battery_level")
    if isinstance(level, int | float) and not isinstance(level, bool):
        device.battery_level = min(max(float(level), 0.0), 1.0)
        return f"{device.name}: battery at {round(device.battery_level * 100)} %."
    return f"{device.name}: battery {event.get('battery_status') or 'low'}."


def _removed(device: Device, event: dict) -> str:
    device.removed_at = device.removed_at or timezone.now()
    return f"{device.name} was removed from Seam."


def _refresh_at_next_sync(device: Device, event: dict) -> str:
    return f"{device.name}: {event['event_type']}; the next sync reads the device again."


HEALTH_FIELDS = ["online", "battery_level", "errors", "removed_at", "health_event_at", "content_hash"]
HEALTH_CHANGES = {
    "device.connected": _online,
    "device.disconnected": _offline,
    "device.low_battery": _battery,
    "device.battery_status_changed": _battery,
    "device.removed": _removed,
}


def _with_error(errors: list, error_code: str, message: str, event: dict) -> list:
    if any(error.get("error_code") == error_code for error in errors):
        return errors
    created_at = event.get("occurred_at") or timezone.now().isoformat()
    return [*errors, {"error_code": error_code, "message": message, "created_at": created_at}]


def connected_account_disconnected_apply(*, workspace, event: dict) -> str:
    """The lock account's login broke: its devices can do nothing until someone reconnects it."""
    seam_account_id = event.get("connected_account_id") or ""
    account = (
        ConnectedAccount.objects.for_workspace(workspace)
        .filter(seam_connected_account_id=seam_account_id)
        .first()
    )
    if account is None:
        raise EventIgnored(f"Connected account {seam_account_id} is not (yet) in this workspace.")
    message = "The connected account is disconnected: reconnect it in Seam."
    account.errors = _with_error(account.errors, ACCOUNT_DISCONNECTED, message, event)
    account.save(update_fields=["errors"])
    devices = list(Device.objects.for_workspace(workspace).filter(connected_account=account))
    for device in devices:
        device.errors = _with_error(device.errors, ACCOUNT_DISCONNECTED, message, event)
        device.content_hash = ""
    Device.objects.for_workspace(workspace).bulk_update(devices, ["errors", "content_hash"])
    return f"Account {account} disconnected: {len(devices)} device(s) marked."
