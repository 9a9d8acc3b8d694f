"""Processing the inbox: handlers from the registry, failures kept with their reason and processed again,
the polling fallback, and the same event through webhook and polling applied once."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.models import AccessCode, AccessCodeEvent
from devices.models import Device
from devices.services import device_sync
from portal import seam_events
from portal.hooks.inbox import (
    seam_event_process,
    seam_event_store,
    seam_events_process_again,
    seam_events_process_pending,
)
from portal.hooks.polling import seam_events_poll
from portal.hooks.selectors import workspaces_needing_catch_up
from portal.models import SeamEvent, SeamEventCursor
from portal.seam import seam_client_for_workspace
from tests.events.conftest import seam_event
from tests.events.scenario import DOORS, settle

pytestmark = pytest.mark.django_db


def store_and_process(workspace, event, via=SeamEvent.Via.WEBHOOK):
    row = seam_event_store(workspace=workspace, event=event, via=via, enqueue=False)
    seam_event_process(workspace=workspace, seam_event_pk=row.pk)
    row.refresh_from_db()
    return row


def test_an_event_no_app_handles_is_ignored_with_the_reason(workspace_a):
    row = store_and_process(workspace_a, seam_event("thermostat.heating_started"))
    assert row.outcome == "ignored" and "does not act on thermostat.heating_started" in row.result
    assert row.processed_at is not None


def test_a_failing_handler_rolls_back_is_explained_and_can_be_processed_again(workspace_a, make_device):
    device = make_device(workspace_a)
    calls = []

    def flaky(*, workspace, event):
        Device.objects.for_workspace(workspace).filter(pk=device.pk).update(name="half-written")
        calls.append(event["event_id"])
        if len(calls) == 1:
            raise RuntimeError("the lock vendor is down")
        return "done"

    seam_events.register("test.flaky", flaky)
    try:
        row = store_and_process(workspace_a, seam_event("test.flaky"))
        assert (row.outcome, row.error) == ("failed", "RuntimeError: the lock vendor is down")
        device.refresh_from_db()
        assert device.name != "half-written"  # nothing of the failed attempt stays

        assert seam_events_process_again(workspace=workspace_a, seam_event_pks=[row.pk]) == 1
        seam_event_process(workspace=workspace_a, seam_event_pk=row.pk)
        row.refresh_from_db()
        assert (row.outcome, row.error, row.attempts, row.result) == ("applied", "", 2, "done")
        # An applied event is not applied again, whatever asks.
        assert seam_events_process_again(workspace=workspace_a, seam_event_pks=[row.pk]) == 0
        assert seam_event_process(workspace=workspace_a, seam_event_pk=row.pk) == "done"
        assert len(calls) == 2
    finally:
        seam_events._handlers.remove(("test.flaky", flaky))


def test_an_unlock_on_a_device_not_synced_yet_fails_visibly_and_succeeds_after_the_sync(
    workspace_a, make_device
):
    event = seam_event("lock.unlocked", device_id="device-later", method="manual")
    row = store_and_process(workspace_a, event)
    assert row.outcome == "failed" and "not in this workspace yet" in row.error
    make_device(workspace_a, seam_device_id="device-later")
    seam_events_process_again(workspace=workspace_a, seam_event_pks=[row.pk])
    seam_event_process(workspace=workspace_a, seam_event_pk=row.pk)
    row.refresh_from_db()
    assert row.outcome == "applied"


def test_the_same_event_by_webhook_and_by_polling_is_applied_once(
    sandbox_workspace, seam_sandbox, deliver, endpoint_of
):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    device = Device.objects.for_workspace(workspace).get(name=DOORS[0])
    with seam_client_for_workspace(workspace) as client:
        seam_code = client.access_codes_create(device_id=device.seam_device_id, name="Poll", code="8642")
        settle(seam_sandbox)
        events = client.events_list(access_code_id=seam_code["access_code_id"])
    set_event = next(event for event in events if event["event_type"] == "access_code.set_on_device")
    access_code = AccessCode.objects.create(
        workspace=workspace, device=device, name="Poll", code="8642",
        seam_access_code_id=seam_code["access_code_id"], sync_state=AccessCode.SyncState.IN_SYNC,
    )  # fmt: skip

    assert deliver(endpoint_of(workspace), set_event).status_code == 200
    webhook_row = SeamEvent.objects.for_workspace(workspace).get(seam_event_id=set_event["event_id"])
    seam_event_process(workspace=workspace, seam_event_pk=webhook_row.pk)
    new = seam_events_poll(workspace=workspace)
    assert new >= 1  # the created event, which no webhook brought
    assert SeamEvent.objects.for_workspace(workspace).filter(seam_event_id=set_event["event_id"]).count() == 1
    for row in SeamEvent.objects.for_workspace(workspace).filter(outcome="pending"):
        seam_event_process(workspace=workspace, seam_event_pk=row.pk)

    access_code.refresh_from_db()
    assert access_code.status == "set"
    status_changes = AccessCodeEvent.objects.for_workspace(workspace).filter(
        access_code=access_code, kind="status"
    )
    assert list(status_changes.values_list("message", flat=True)) == ["Status unset → set."]
    # Polling again reads the same minutes again (the overlap) and stores nothing new.
    assert seam_events_poll(workspace=workspace) == 0


def test_polling_keeps_its_cursor_and_records_a_seam_failure(sandbox_workspace, seam_sandbox):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    device = Device.objects.for_workspace(workspace).get(name=DOORS[0])
    seam_sandbox.control("devices/update", device_id=device.seam_device_id, online=False)
    assert seam_events_poll(workspace=workspace) == 1
    cursor = SeamEventCursor.objects.for_workspace(workspace).get()
    first_cursor = cursor.since
    assert first_cursor is not None and cursor.last_error == ""

    workspace_id = seam_sandbox.sandbox.workspace_for_key(workspace.seam_api_key).workspace_id
    fault_ids = seam_sandbox.control("simulate_workspace_outage", workspace_id=workspace_id)["fault_ids"]
    try:
        assert seam_events_poll(workspace=workspace) == 0
    finally:
        for fault_id in fault_ids:
            seam_sandbox.control("faults/clear", fault_id=fault_id)
    cursor.refresh_from_db()
    assert cursor.last_error and cursor.since == first_cursor

    row = SeamEvent.objects.for_workspace(workspace).get()
    assert (row.via, row.event_type) == ("poll", "device.disconnected")


def test_only_workspaces_seam_cannot_deliver_to_poll(two_workspaces, endpoint_of):
    from portal.hooks.endpoints import seam_webhook_endpoint_set
    from portal.hooks.tokens import new_webhook_secret

    workspace_a, workspace_b = two_workspaces
    endpoint_of(workspace_a)  # a generated secret: nobody delivers to it yet
    seam_webhook_endpoint_set(workspace=workspace_b, secret=new_webhook_secret())
    assert dict(workspaces_needing_catch_up()) == {workspace_a.pk: True}
    stale = seam_event_store(workspace=workspace_b, event=seam_event("device.connected"), via="webhook")
    SeamEvent.objects.for_workspace(workspace_b).filter(pk=stale.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert dict(workspaces_needing_catch_up()) == {workspace_a.pk: True, workspace_b.pk: False}


def test_an_event_seam_cannot_confirm_during_an_outage_waits_and_is_applied_after(
    sandbox_workspace, seam_sandbox, settings
):
    settings.SEAM_BACKOFF_BASE = 0.001
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    device = Device.objects.for_workspace(workspace).get(name=DOORS[0])
    with seam_client_for_workspace(workspace) as client:
        seam_code = client.access_codes_create(device_id=device.seam_device_id, name="Out", code="9753")
    settle(seam_sandbox)
    access_code = AccessCode.objects.create(
        workspace=workspace, device=device, name="Out", code="9753", status="set",
        seam_access_code_id=seam_code["access_code_id"], sync_state=AccessCode.SyncState.IN_SYNC,
    )  # fmt: skip
    event = seam_event("access_code.delay_in_setting_on_device", access_code_id=seam_code["access_code_id"])
    workspace_id = seam_sandbox.sandbox.workspace_for_key(workspace.seam_api_key).workspace_id
    fault_ids = seam_sandbox.control("simulate_workspace_outage", workspace_id=workspace_id)["fault_ids"]
    try:
        row = store_and_process(workspace, event)
    finally:
        for fault_id in fault_ids:
            seam_sandbox.control("faults/clear", fault_id=fault_id)
    assert (row.outcome, row.error) == ("pending", "")
    assert row.result.startswith("Waiting: Seam could not confirm")

    seam_events_process_pending(workspace=workspace, received_before=timezone.now())
    row.refresh_from_db()
    access_code.refresh_from_db()
    assert row.outcome == "applied" and access_code.status == "set"
    assert "read back from Seam" in row.result


def test_every_minute_a_catch_up_task_is_queued_per_workspace_that_polls(two_workspaces):
    from django_q.models import OrmQ, Schedule

    from portal.hooks.schedules import DISPATCH_SCHEDULE, DISPATCH_TASK
    from portal.hooks.tasks import CATCH_UP_TASK, dispatch_seam_event_work

    assert Schedule.objects.filter(name=DISPATCH_SCHEDULE, func=DISPATCH_TASK, minutes=1).exists()
    assert dispatch_seam_event_work() == 2
    queued = sorted(entry.task["args"] for entry in OrmQ.objects.all() if entry.task["func"] == CATCH_UP_TASK)
    assert queued == sorted((workspace.pk, True) for workspace in two_workspaces)
