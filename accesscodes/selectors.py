from collections import defaultdict

from django.db.models import Count, Q

from accesscodes.explanations import explain
from accesscodes.models import OTHER_CODE_FIELDS, AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts, other_code
from accesscodes.providers import (
    deletion_block_reason,
    describe_rules,
    device_local_window,
    modification_block_reason,
)


def access_codes_for_workspace(
    *, workspace, status: str = "", sync_state: str = "", type: str = "", device=None, include_removed=False
):
    """The code list's rows, newest first. Values are expected to be validated choices (the page's filter
    form does that): an empty one means "any"."""
    queryset = AccessCode.objects.for_workspace(workspace).select_related("device", "created_by")
    lookups = {"status": status, "sync_state": sync_state, "type": type, "device": device}
    queryset = queryset.filter(**{name: value for name, value in lookups.items() if value})
    if not include_removed:
        queryset = queryset.filter(removed_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def occupying_codes(*, workspace, device_ids) -> defaultdict[int, list]:
    """The codes taking a slot on these locks, by lock: each as (id, what the rules engine sees). One query."""
    occupying = (
        AccessCode.objects.for_workspace(workspace)
        .occupying_devices(device_ids)
        .only("device_id", *OTHER_CODE_FIELDS)
    )
    by_device = defaultdict(list)
    for access_code in occupying:
        by_device[access_code.device_id].append((access_code.pk, other_code(access_code)))
    return by_device


def access_codes_for_device(*, workspace, device):
    return access_codes_for_workspace(workspace=workspace, device=device)


def access_code_counts(*, workspace) -> dict:
    """Active codes, and how many of them wait for Seam or were refused, in one query."""
    active = Q(removed_at__isnull=True)
    pending = [
        AccessCode.SyncState.PENDING_CREATE,
        AccessCode.SyncState.PENDING_UPDATE,
        AccessCode.SyncState.PENDING_DELETE,
    ]
    # The active codes only, counted by a column their partial index holds: an index-only read of that
    # index rather than of every code ever made.
    return (
        AccessCode.objects.for_workspace(workspace)
        .filter(active)
        .aggregate(
            total=Count("sync_state"),
            waiting=Count("sync_state", filter=Q(sync_state__in=pending)),
            refused=Count("sync_state", filter=Q(sync_state=AccessCode.SyncState.FAILED)),
        )
    )


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
    try:
        window = device_local_window(
            device_facts(access_code.device), access_code.starts_at, access_code.ends_at
        )
    except OverflowError:
        # A date near year 1 or 9999 (Seam can report any) has no local time in the lock's zone.
        return None
    if window is None:
        return None
    starts, ends = window
    return {
        "starts": f"{starts:%Y-%m-%d %H:%M}",
        "ends": f"{ends:%Y-%m-%d %H:%M}",
        "zone": str(starts.tzinfo),
    }


def access_code_rows(*, access_codes) -> list[dict]:
    """What a list shows per code, from codes loaded with their device (no query per row)."""
    return [
        {
            "code": access_code,
            "local_window": local_window(access_code=access_code),
            "issues": [explain(issue) for issue in [*access_code.errors, *access_code.warnings]],
        }
        for access_code in access_codes
    ]


def modification_refusal(access_code: AccessCode) -> str | None:
    return modification_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))


def deletion_refusal(access_code: AccessCode) -> str | None:
    return deletion_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))
