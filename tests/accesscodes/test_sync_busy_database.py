"""A busy database fails one code's step ("database is locked" on SQLite; a lock timeout here on
PostgreSQL): the failure is recorded on that code, the batch goes on, and the retry that gets through
says how late it was."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from scripted_seam import device_blind_seam

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_create
from accesscodes.sync.converge import access_codes_process_due
from devices.models import Device
from portal.services import workspace_create


@pytest.fixture
def seam():
    with device_blind_seam() as seam:
        yield seam


def lock_timeout(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{value}'")


def hold_row_lock(device, release: threading.Event, held: threading.Event):
    """Another process's long transaction on the lock's row, as a web request writing codes would hold."""
    try:
        with transaction.atomic():
            Device.objects.for_workspace(device.workspace_id).select_for_update().get(pk=device.pk)
            held.set()
            release.wait(timeout=30)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_fails_one_code_and_the_batch_goes_on(seam, settings, make_device):
    settings.SEAM_MAX_RETRIES = 0
    workspace = workspace_create(
        name="Busy", slug="busy", seam_api_key="seam_test_busy_key_000", seam_api_url=seam.server.url
    )
    busy_lock, free_lock = make_device(workspace, "august"), make_device(workspace, "august")
    blocked = access_code_create(workspace=workspace, device=busy_lock, name="Blocked", code="1357")
    free = access_code_create(workspace=workspace, device=free_lock, name="Free", code="2468")
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_row_lock, args=(busy_lock, release, held))
    holder.start()
    assert held.wait(timeout=10)
    now = timezone.now()
    lock_timeout("300ms")
    try:
        outcomes = access_codes_process_due(workspace=workspace, now=now)
    finally:
        lock_timeout("0")
        release.set()
        holder.join(timeout=30)

    assert outcomes == {"error": 1, "created": 1}
    assert (
        AccessCode.objects.for_workspace(workspace).get(pk=free.pk).sync_state == AccessCode.SyncState.IN_SYNC
    )
    blocked = AccessCode.objects.for_workspace(workspace).get(pk=blocked.pk)
    assert blocked.sync_state == AccessCode.SyncState.PENDING_CREATE
    assert "OperationalError" in blocked.last_sync_error
    assert blocked.next_attempt_at > now

    assert access_codes_process_due(workspace=workspace, now=blocked.next_attempt_at) == {"created": 1}
    sent = AccessCodeEvent.objects.for_workspace(workspace).get(access_code=blocked, kind="sent")
    assert "after it was requested; 1 earlier attempt failed." in sent.message
    assert sent.data["delay_seconds"] >= (blocked.next_attempt_at - now).total_seconds() - 1
    assert [code["code"] for code in seam.codes] == ["2468", "1357"]
    assert blocked.next_attempt_at - now >= dt.timedelta(seconds=15)
