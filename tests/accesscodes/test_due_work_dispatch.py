"""The every-minute dispatcher of Seam work: one query over every workspace finds those with a push or a
poll due, and each gets one task; codes not due yet, removed or in sync with no poll due queue nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from accesscodes.tasks import dispatch_due_access_code_work
from portal.services import workspace_create

pytestmark = pytest.mark.django_db
State = AccessCode.SyncState


def workspace_with_a_code(slug, make_device, **state):
    workspace = workspace_create(
        name=slug, slug=slug, seam_api_key=f"seam_test_{slug.replace('-', '_')}_key_0000"
    )
    start = timezone.now() + dt.timedelta(days=2)
    code = access_code_create(
        workspace=workspace, device=make_device(workspace), name="Guest",
        starts_at=start, ends_at=start + dt.timedelta(days=1),
    )  # fmt: skip
    AccessCode.objects.for_workspace(workspace).filter(pk=code.pk).update(**state)
    return workspace


def queued_workspace_ids():
    return sorted(
        task.args()[0]
        for task in OrmQ.objects.all()
        if task.func() == "accesscodes.tasks.process_due_access_codes"
    )


def test_only_workspaces_with_a_push_or_poll_due_get_a_task_from_one_query(make_device):
    now = timezone.now()
    later, earlier = now + dt.timedelta(minutes=10), now - dt.timedelta(minutes=1)
    due = [
        workspace_with_a_code("new-code", make_device, sync_state=State.PENDING_CREATE, next_attempt_at=None),
        workspace_with_a_code(
            "retry-due", make_device, sync_state=State.PENDING_UPDATE, next_attempt_at=earlier
        ),
        workspace_with_a_code("poll-due", make_device, sync_state=State.IN_SYNC, next_poll_at=earlier),
    ]
    for slug, state in [
        ("retry-later", {"sync_state": State.PENDING_DELETE, "next_attempt_at": later}),
        ("poll-later", {"sync_state": State.IN_SYNC, "next_poll_at": later}),
        ("refused", {"sync_state": State.FAILED, "next_attempt_at": None}),
        ("removed", {"sync_state": State.PENDING_CREATE, "next_attempt_at": None, "removed_at": earlier}),
    ]:
        workspace_with_a_code(slug, make_device, **state)
    OrmQ.objects.all().delete()  # what creating the codes queued

    with CaptureQueriesContext(connection) as queries:
        dispatched = dispatch_due_access_code_work()

    assert dispatched == 3
    assert queued_workspace_ids() == sorted(workspace.pk for workspace in due)
    reads = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(reads) == 1, reads
