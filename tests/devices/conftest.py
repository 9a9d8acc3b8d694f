"""Fixtures for device sync and device screens: local Device rows, and control of the Seam sandbox."""

import itertools

import httpx
import pytest
from django_q.models import OrmQ

from devices.models import ConnectedAccount
from devices.schedules import SYNC_TASK


@pytest.fixture
def queued_sync_workspace_ids():
    """Workspace ids of the device syncs waiting in the Django-Q2 ORM queue."""

    def queued():
        return [entry.task["args"][0] for entry in OrmQ.objects.all() if entry.task["func"] == SYNC_TASK]

    return queued


@pytest.fixture
def make_account():
    counter = itertools.count(1)

    def make(workspace, **fields):
        number = next(counter)
        defaults = {
            "seam_connected_account_id": f"account-{workspace.slug}-{number}",
            "display_name": f"Acct {number}",
        }
        return ConnectedAccount.objects.create(workspace=workspace, **{**defaults, **fields})

    return make


@pytest.fixture
def sandbox_control(seam_sandbox):
    """POST to the sandbox's control endpoints (`/_sandbox/<path>`); faults are cleared afterwards."""

    def post(path, **body):
        response = httpx.post(f"{seam_sandbox.url}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    yield post
    httpx.post(f"{seam_sandbox.url}/_sandbox/faults/clear", json={}, timeout=10)


@pytest.fixture
def quick_seam_retries(settings):
    """Keep the client's bounded retries but make their backoff instant, so outage tests stay fast."""
    settings.SEAM_BACKOFF_BASE = 0.001
    settings.SEAM_CONNECT_TIMEOUT = 2
    settings.SEAM_READ_TIMEOUT = 5


@pytest.fixture
def sandbox_remove_device(seam_sandbox):
    """Take a device out of the sandbox workspace (as if unpaired from Seam); returns a `restore()`.

    The sandbox has no control operation for this, so it edits the in-process engine under its lock.
    """
    engine = seam_sandbox.sandbox

    def remove(workspace, device_id):
        with engine.lock:
            seam_workspace = engine.workspace_for_key(workspace.seam_api_key)
            device = seam_workspace.devices.pop(device_id)

        def restore():
            with engine.lock:
                seam_workspace.devices[device_id] = device

        return restore

    return remove
