"""The whole path with nobody touching it: a code created in the browser is pushed to Seam by a real
Django-Q2 worker on commit and polled until the sandbox reports it `set`."""

import re
import time

import pytest
from django.urls import reverse

from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync

DEADLINE_SECONDS = 150


@pytest.mark.django_db(transaction=True)
def test_code_created_in_the_browser_reaches_set(client, sandbox_workspace, alice, django_q_worker):
    workspace = sandbox_workspace(owner=alice)
    assert device_sync(workspace=workspace).status == "succeeded"
    device = Device.objects.for_workspace(workspace).filter(manufacturer="august").first()
    client.force_login(alice)
    worker = django_q_worker()

    response = client.post(
        f"{reverse('access_code_create', args=[workspace.slug])}?device={device.pk}",
        {"name": "Jane Doe", "max_time_rounding": "1hour", "prefer_native_scheduling": "on"},
    )
    assert response.status_code == 302
    access_code = AccessCode.objects.for_workspace(workspace).get()

    deadline = time.monotonic() + DEADLINE_SECONDS
    while access_code.status != AccessCode.Status.SET:
        assert worker.poll() is None, "the Django-Q2 cluster exited"
        assert time.monotonic() < deadline, f"still {access_code.status}/{access_code.sync_state}"
        time.sleep(1)
        access_code.refresh_from_db()

    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert access_code.seam_access_code_id
    page = client.get(reverse("access_code_detail", args=[workspace.slug, access_code.pk])).content.decode()
    assert re.search(r'title="Seam.s status for the code">Seam: set<', page), (
        "the status badge does not say set"
    )
    assert "Status setting → set." in page  # the history shows how it got there
    assert AccessCode.SyncState.PENDING_CREATE.label not in page
