"""Reconcile lists a lock's codes in Seam, then reads the portal's rows. A push that creates a code in that
gap leaves a row with a Seam id that the (older) listing does not show: that row is not deleted."""

import pytest

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from accesscodes.sync.converge import access_code_converge
from accesscodes.sync.reconcile import access_codes_reconcile
from devices.models import Device
from devices.services import device_sync
from portal.seam import seam_client_for_workspace


class PushDuringListing:
    """The workspace's real Seam client; while reconcile waits for a listing, a worker pushes a code."""

    def __init__(self, client, push, device_id):
        self._client, self._push, self._device_id = client, push, device_id

    def __getattr__(self, name):
        return getattr(self._client, name)

    def access_codes_list(self, **params):
        listing = self._client.access_codes_list(**params)
        if params.get("device_id") == self._device_id:
            self._push()
        return listing


@pytest.mark.django_db
def test_a_code_created_while_reconcile_lists_the_lock_is_not_marked_deleted(sandbox_workspace):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    lock = Device.objects.for_workspace(workspace).get(manufacturer="august")
    access_code = access_code_create(workspace=workspace, device=lock, name="Guest", code="4821")

    def push():
        assert access_code_converge(workspace=workspace, access_code_id=access_code.pk) == "created"

    with seam_client_for_workspace(workspace) as client:
        outcome = access_codes_reconcile(
            workspace=workspace, client=PushDuringListing(client, push, lock.seam_device_id)
        )
    assert outcome.errors == []
    stored = AccessCode.objects.for_workspace(workspace).get(pk=access_code.pk)
    assert stored.seam_access_code_id
    assert stored.removed_at is None
    assert stored.sync_state == AccessCode.SyncState.IN_SYNC
    # The next reconcile sees it in Seam and keeps it.
    access_codes_reconcile(workspace=workspace)
    assert AccessCode.objects.for_workspace(workspace).get(pk=access_code.pk).removed_at is None
