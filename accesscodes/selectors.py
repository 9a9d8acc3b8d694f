from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from accesscodes.explanations import BACKUP, RETRY, access_code_issue_words, explain
from accesscodes.models import OTHER_CODE_FIELDS, AccessCode, AccessCodeEvent
from accesscodes.provider_facts import code_draft, device_facts, other_code
from accesscodes.providers import (
    FormOptions,
    deletion_block_reason,
    describe_rules,
    device_local_window,
    form_options,
    lock_zone_name,
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


class OccupyingCodes(defaultdict):
    """Lock id -> [(code id, the code as the rules engine sees it)]; `found_ids`: the codes found in Seam
    (adopted by a reconcile) rather than created by the portal."""

    def __init__(self):
        super().__init__(list)
        self.found_ids: set[int] = set()


def occupying_codes(*, workspace, device_ids) -> OccupyingCodes:
    """The codes taking a slot on these locks, by lock: each as (id, what the rules engine sees). One query."""
    occupying = (
        AccessCode.objects.for_workspace(workspace)
        .occupying_devices(device_ids)
        # Rows rather than model instances: a batch of bookings reads thousands of codes here.
        .values_list(
            "pk", "device_id", "create_attempted_at", "seam_access_code_id", *OTHER_CODE_FIELDS, named=True
        )
    )
    by_device = OccupyingCodes()
    for row in occupying:
        by_device[row.device_id].append((row.pk, other_code(row)))
        if row.create_attempted_at is None and row.seam_access_code_id:
            by_device.found_ids.add(row.pk)
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


def device_form_options(*, device) -> FormOptions:
    """Which of the code form's fields this lock supports (its provider decides)."""
    return form_options(device_facts(device))


def device_zone_name(*, device) -> str | None:
    """The zone the lock keeps time in, when it reports one the portal trusts."""
    return lock_zone_name(device_facts(device))


def code_phase(access_code: AccessCode, *, now) -> str:
    """Where the code is in its life, in a manager's words: upcoming, active, expired, failed (or removed).
    Failed wins over the window: a code Seam refused, or reports errors on, needs someone either way."""
    if access_code.is_removed:
        return "removed"
    if access_code.sync_state == AccessCode.SyncState.FAILED or access_code.errors:
        return "failed"
    if access_code.ends_at is not None and access_code.ends_at <= now:
        return "expired"
    if access_code.starts_at is not None and access_code.starts_at > now:
        return "upcoming"
    return "active"


def advised_actions(access_code: AccessCode) -> set[str]:
    """The actions the explanations of the code's errors and warnings advise."""
    issues = [*access_code.errors, *access_code.warnings]
    return {access_code_issue_words(issue).action for issue in issues} - {""}


def offered_actions(access_code: AccessCode) -> set[str]:
    """The buttons the code's page offers an editor: retry while the Seam work is not done or an issue's
    advice says to retry; a backup code when the code uses the pool and the advice names one or it failed."""
    if access_code.is_removed:
        return set()
    advised = advised_actions(access_code)
    actions = set()
    if access_code.sync_state != AccessCode.SyncState.IN_SYNC or RETRY in advised:
        actions.add(RETRY)
    if (
        access_code.use_backup_access_code_pool
        and access_code.seam_access_code_id
        and not access_code.backup_access_code
        and (BACKUP in advised or access_code.errors)
    ):
        actions.add(BACKUP)
    return actions


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
    now = timezone.now()
    return [
        {
            "code": access_code,
            "local_window": local_window(access_code=access_code),
            "issues": [explain(issue) for issue in [*access_code.errors, *access_code.warnings]],
            "scheduled": code_phase(access_code, now=now) == "upcoming",
        }
        for access_code in access_codes
    ]


def modification_refusal(access_code: AccessCode) -> str | None:
    return modification_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))


def deletion_refusal(access_code: AccessCode) -> str | None:
    return deletion_block_reason(device=device_facts(access_code.device), code=code_draft(access_code))
