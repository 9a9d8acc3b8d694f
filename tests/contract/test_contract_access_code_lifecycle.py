"""The portal's access-code lifecycle (services + lifecycle steps) over the wire, against Seam's published
fake and the sandbox: create, update, delete until gone. The fake never moves a code's status by itself,
so statuses are only asserted where both servers agree."""

import time
import uuid

import pytest
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create, access_code_delete, access_code_update
from accesscodes.sync.converge import access_code_converge
from devices.models import Device
from devices.seam_mapping import device_fields
from portal.services import workspace_create

pytestmark = [pytest.mark.contract, pytest.mark.django_db]


@pytest.fixture
def portal_lock(seam_server, settings):
    settings.SEAM_MAX_RETRIES = 1
    settings.SEAM_BACKOFF_BASE = 0.01
    workspace = workspace_create(
        name="Contract", slug=f"contract-{uuid.uuid4().hex[:8]}", seam_api_key=seam_server.api_key,
        seam_api_url=seam_server.url,
    )  # fmt: skip
    with seam_server.client() as client:
        seam_device = client.devices_get(device_id=seam_server.fresh_lock_id())
    device = Device.objects.create(workspace=workspace, **device_fields(seam_device))
    return workspace, device


def converge(workspace, access_code):
    return access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=timezone.now())


def test_create_update_delete_over_the_wire(seam_server, portal_lock):
    workspace, device = portal_lock
    pin = str(600000 + uuid.uuid4().int % 399999)
    access_code = access_code_create(workspace=workspace, device=device, name="Contract guest", code=pin)

    assert converge(workspace, access_code) == "created"
    access_code.refresh_from_db()
    assert access_code.seam_access_code_id
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    with seam_server.client() as client:
        assert client.access_codes_get(access_code_id=access_code.seam_access_code_id)["code"] == pin

    access_code_update(access_code=access_code, name="Contract guest, renamed")
    assert converge(workspace, access_code) == "updated"
    with seam_server.client() as client:
        seam_code = client.access_codes_get(access_code_id=access_code.seam_access_code_id)
    assert seam_code["name"] == "Contract guest, renamed"

    access_code_delete(access_code=access_code)
    assert converge(workspace, access_code) == "deleting"
    deadline = time.monotonic() + 15
    outcome = None
    while outcome != "removed":
        assert time.monotonic() < deadline, f"not removed: {outcome}"
        AccessCode.objects.for_workspace(workspace).filter(pk=access_code.pk).update(
            next_poll_at=timezone.now()
        )
        outcome = converge(workspace, access_code)
        time.sleep(0.3)
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.REMOVED


def test_retried_create_after_a_crash_links_instead_of_duplicating(seam_server, portal_lock):
    """A worker that died after sending the create left `create_attempted_at`; the retry finds the code."""
    workspace, device = portal_lock
    pin = str(600000 + uuid.uuid4().int % 399999)
    access_code = access_code_create(workspace=workspace, device=device, name="Crash guest", code=pin)
    with seam_server.client() as client:
        client.access_codes_create(device_id=device.seam_device_id, name="Crash guest", code=pin)
    AccessCode.objects.for_workspace(workspace).filter(pk=access_code.pk).update(
        create_attempted_at=timezone.now(), create_request={"code": pin, "name": "Crash guest"}
    )
    assert converge(workspace, access_code) == "linked"
    with seam_server.client() as client:
        same_pin = [c for c in client.access_codes_list(device_id=device.seam_device_id) if c["code"] == pin]
    assert len(same_pin) == 1
