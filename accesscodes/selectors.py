from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts
from accesscodes.providers import (
    deletion_block_reason,
    describe_rules,
    device_local_window,
    modification_block_reason,
)


def access_codes_for_workspace(*, workspace, filters=None):
    queryset = AccessCode.objects.for_workspace(workspace).select_related("device", "created_by")
    for name in ("status", "sync_state", "type", "device"):
        value = (filters or {}).get(name)
        if value:
            queryset = queryset.filter(**{name: value})
    if not (filters or {}).get("include_removed"):
        queryset = queryset.filter(removed_at__isnull=True)
    return queryset.order_by("-created_at")


def access_codes_for_device(*, workspace, device):
    return access_codes_for_workspace(workspace=workspace, filters={"device": device.pk})


def access_code_get(*, workspace, pk) -> AccessCode:
    return AccessCode.objects.for_workspace(workspace).select_related("device").get(pk=pk)


def access_code_history(*, workspace, access_code, limit=200):
    return (
        AccessCodeEvent.objects.for_workspace(workspace)
        .filter(access_code=access_code)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )


def device_rules(*, device) -> list[str]:
    return describe_rules(device_facts(device))


def local_window(*, access_code) -> dict | None:
    """The window on the lock's own clock (what an Ultraloq keypad uses), formatted, or None.
    Formatted here because templates would convert aware datetimes to the viewer's timezone."""
    if not access_code.starts_at:
        return None
    window = device_local_window(device_facts(access_code.device), access_code.starts_at, access_code.ends_at)
    if window is None:
        return None
    starts, ends = window
    return {
        "starts": f"{starts:%Y-%m-%d %H:%M}",
        "ends": f"{ends:%Y-%m-%d %H:%M}",
        "zone": str(starts.tzinfo),
    }


def modification_refusal(access_code: AccessCode) -> str | None:
    return modification_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))


def deletion_refusal(access_code: AccessCode) -> str | None:
    return deletion_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))
