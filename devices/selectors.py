from django.db.models import Count, Q, QuerySet

from devices.models import Device, SyncRun

LOW_BATTERY_LEVEL = 0.2

_HAS_WARNINGS = ~Q(warnings=[])
_HAS_ERRORS = ~Q(errors=[])
_LOW_BATTERY = Q(battery_level__lt=LOW_BATTERY_LEVEL)

# One vocabulary for "health", shared by the devices page and the admin filter.
DEVICE_HEALTH_CHOICES = [
    ("ok", "OK"),
    ("offline", "Offline"),
    ("low_battery", "Low battery"),
    ("warnings", "Warnings"),
    ("errors", "Errors"),
]
# A lock without a bridge (igloohome, dormakaba Oracode) is never online: it takes offline codes only, and
# being offline is not a fault (`devices.explanations.is_offline_by_design`).
_OFFLINE_BY_DESIGN = Q(online=False, can_program_online_access_codes=False)
_OFFLINE = Q(online=False, can_program_online_access_codes=True)

DEVICE_HEALTH_FILTERS = {
    # Battery unknown is not a problem: many locks never report one.
    "ok": (Q(online=True) | _OFFLINE_BY_DESIGN) & ~_LOW_BATTERY & ~_HAS_WARNINGS & ~_HAS_ERRORS,
    "offline": _OFFLINE,
    "low_battery": _LOW_BATTERY,
    "warnings": _HAS_WARNINGS,
    "errors": _HAS_ERRORS,
}

# Large Seam blobs that lists never show; only the detail page needs them.
DEVICE_LIST_DEFERRED = ("properties", "capabilities_supported", "code_constraints")


def devices_active(*, workspace) -> QuerySet[Device]:
    return Device.objects.for_workspace(workspace).filter(removed_at__isnull=True)


def devices_removed(*, workspace) -> QuerySet[Device]:
    return Device.objects.for_workspace(workspace).filter(removed_at__isnull=False)


def devices_filtered(
    *, workspace, manufacturer: str = "", health: str = "", removed: bool = False
) -> QuerySet[Device]:
    """The devices page's rows; the page's filter form has validated the values."""
    devices = devices_removed(workspace=workspace) if removed else devices_active(workspace=workspace)
    if manufacturer:
        devices = devices.filter(manufacturer=manufacturer)
    if health in DEVICE_HEALTH_FILTERS:
        devices = devices.filter(DEVICE_HEALTH_FILTERS[health])
    return devices.select_related("connected_account").defer(*DEVICE_LIST_DEFERRED).order_by("name", "pk")


def device_manufacturers(*, workspace) -> list[str]:
    return list(
        Device.objects.for_workspace(workspace)
        .filter(removed_at__isnull=True)
        .exclude(manufacturer="")
        .order_by("manufacturer")
        .values_list("manufacturer", flat=True)
        .distinct()
    )


def device_health_summary(*, workspace) -> dict:
    """Counts for the health cards in one query: active devices by health, plus how many were removed."""
    active = Q(removed_at__isnull=True)
    counts = {
        "total": active,
        "online": active & Q(online=True),
        "offline": active & _OFFLINE,
        "offline_by_design": active & _OFFLINE_BY_DESIGN,
        "low_battery": active & _LOW_BATTERY,
        "with_warnings": active & _HAS_WARNINGS,
        "with_errors": active & _HAS_ERRORS,
        "with_issues": active & (_HAS_ERRORS | _HAS_WARNINGS),
        "removed": Q(removed_at__isnull=False),
    }
    # Aliases get a suffix: an aggregate may not share its name with a field it filters on ("online").
    totals = Device.objects.for_workspace(workspace).aggregate(
        **{f"{name}_count": Count("pk", filter=condition) for name, condition in counts.items()}
    )
    return {name: totals[f"{name}_count"] for name in counts}


def device_last_seen(*, device: Device, last_good_sync: SyncRun | None):
    """When Seam last reported this lock: the workspace's last successful sync (it reads every device, and
    did not mark this one removed), or a later Seam event about its health. None for a removed lock or
    before the first successful sync. Not `last_changed_at`: an unchanged lock is still seen."""
    if device.removed_at is not None:
        return None
    moments = [
        moment for moment in (last_good_sync and last_good_sync.started_at, device.health_event_at) if moment
    ]
    return max(moments, default=None)


def sync_run_latest(*, workspace) -> SyncRun | None:
    return SyncRun.objects.for_workspace(workspace).order_by("-started_at").first()


def sync_run_latest_succeeded(*, workspace) -> SyncRun | None:
    return (
        SyncRun.objects.for_workspace(workspace)
        .filter(status=SyncRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
