"""A short lease on a code's row, so one worker at a time talks to Seam about it."""

import datetime as dt

from django.db.models import Q

from accesscodes.models import AccessCode

LEASE = dt.timedelta(minutes=2)


def lease_held(*, access_code: AccessCode, now) -> bool:
    """Whether a worker holds this code's lease (and may be talking to Seam about it right now)."""
    return access_code.sync_lease_until is not None and access_code.sync_lease_until >= now


def lease_claim(*, workspace, access_code_id: int, now) -> bool:
    return (
        AccessCode.objects.for_workspace(workspace)
        .filter(pk=access_code_id)
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_until=now + LEASE)
        == 1
    )


def lease_release(*, workspace, access_code_id: int) -> None:
    AccessCode.objects.for_workspace(workspace).filter(pk=access_code_id).update(sync_lease_until=None)
