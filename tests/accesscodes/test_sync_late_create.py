"""Defect 12: Seam answered a create with an error and processed it 75 s later; the retry a minute later
found nothing and created again, and 3 igloohome offline codes (which cannot be deleted) became 6 PINs.

The sandbox's "late" fault reproduces it: the create fails at once and is processed when the sandbox clock
passes `delay_seconds`, so these tests move that clock instead of sleeping. Also here: the event that
records a retried create says how late it got there.
"""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from scripted_seam import device_blind_seam, scripted

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_create
from accesscodes.sync.converge import access_code_converge, access_codes_process_due
from accesscodes.sync.earlier_create import UNANSWERED_CREATE_GRACE
from accesscodes.sync.reconcile import access_codes_reconcile
from devices.models import Device
from devices.services import device_sync
from portal.seam import SeamClient
from portal.seam.sandbox import SandboxServer
from portal.services import workspace_create

LATE = 75  # seconds, as observed


class Lab:
    def __init__(self, sandbox: SandboxServer):
        self.sandbox = sandbox
        self.api_key = f"seam_sandbox_{uuid.uuid4().hex}"
        self.workspace = workspace_create(
            name="Late",
            slug=f"late-{uuid.uuid4().hex[:8]}",
            seam_api_key=self.api_key,
            seam_api_url=sandbox.url,
        )
        assert device_sync(workspace=self.workspace).status == "succeeded"

    def device(self, manufacturer):
        return Device.objects.for_workspace(self.workspace).filter(manufacturer=manufacturer).first()

    def late_create(self, delay_seconds, status=504):
        self.sandbox.faults.add(
            route="access_codes/create", status=status, phase="late", delay_seconds=delay_seconds, times=1
        )

    def advance(self, seconds):
        self.sandbox.clock.advance(seconds)
        self.sandbox.tick()

    def converge(self, access_code):
        return access_code_converge(
            workspace=self.workspace, access_code_id=access_code.pk, now=self.sandbox.clock.now()
        )

    def seam_codes(self, device):
        with SeamClient(api_key=self.api_key, base_url=self.sandbox.url, max_retries=0) as client:
            return client.access_codes_list(device_id=device.seam_device_id)

    def rows(self, device):
        return list(AccessCode.objects.for_workspace(self.workspace).filter(device=device).order_by("pk"))

    def events(self, access_code, kind):
        return list(
            AccessCodeEvent.objects.for_workspace(self.workspace)
            .filter(access_code=access_code, kind=kind)
            .order_by("pk")
        )


@pytest.fixture
def lab(db, settings):
    settings.SEAM_MAX_RETRIES = 0
    with SandboxServer(host="127.0.0.1", port=0) as sandbox:
        sandbox.configure(set_delay_seconds=2, remove_delay_seconds=2)
        yield Lab(sandbox)


def offline_code(lab, device, name="Guest"):
    start = lab.sandbox.clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    return access_code_create(
        workspace=lab.workspace,
        device=device,
        name=name,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=48),
        is_offline_access_code=True,
    )


def test_a_retry_within_the_grace_period_looks_again_instead_of_creating_twice(lab):
    device = lab.device("igloohome")
    access_code = offline_code(lab, device)
    lab.late_create(LATE)
    assert lab.converge(access_code) == "deferred"

    lab.advance(60)  # the retry comes before Seam has processed the first create
    assert lab.converge(access_code) == "deferred"
    access_code.refresh_from_db()
    assert "may still be processing" in access_code.last_sync_error
    assert lab.seam_codes(device) == []

    lab.advance(LATE)
    assert lab.converge(access_code) == "linked"
    access_code.refresh_from_db()
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [access_code.seam_access_code_id]
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC


def test_a_late_code_found_by_reconcile_is_linked_to_its_row_not_adopted(lab):
    device = lab.device("igloohome")
    access_code = offline_code(lab, device)
    lab.late_create(LATE)
    assert lab.converge(access_code) == "deferred"
    lab.advance(LATE + 5)

    outcome = access_codes_reconcile(workspace=lab.workspace, now=lab.sandbox.clock.now())

    assert (outcome.linked, outcome.adopted) == (1, 0)
    assert lab.rows(device) == [access_code]
    access_code.refresh_from_db()
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [access_code.seam_access_code_id]


def test_a_duplicate_that_cannot_be_deleted_is_shown_as_a_problem(lab, client, member):
    device = lab.device("igloohome")
    access_code = offline_code(lab, device)
    very_late = UNANSWERED_CREATE_GRACE.total_seconds() + 300
    lab.late_create(very_late)
    assert lab.converge(access_code) == "deferred"
    lab.advance(UNANSWERED_CREATE_GRACE.total_seconds() + 1)
    assert lab.converge(access_code) == "created"  # the grace period is over: Seam lost it, it seems
    lab.advance(300)
    assert len(lab.seam_codes(device)) == 2  # ...but it had not: two PINs on the lock

    outcome = access_codes_reconcile(workspace=lab.workspace, now=lab.sandbox.clock.now())

    assert (outcome.duplicates, outcome.adopted, outcome.errors) == (1, 0, [])
    original, duplicate = lab.rows(device)
    assert original == access_code
    assert {original.seam_access_code_id, duplicate.seam_access_code_id} == {
        code["access_code_id"] for code in lab.seam_codes(device)
    }
    assert duplicate.sync_state == AccessCode.SyncState.IN_SYNC  # igloohome cannot delete it
    for row in (original, duplicate):
        assert "duplicate_on_lock" in [error["error_code"] for error in row.errors]
        assert len(lab.events(row, "duplicate_on_lock")) == 1

    client.force_login(member(lab.workspace))
    page = client.get(reverse("access_code_detail", args=[lab.workspace.slug, original.pk]))
    assert "Seam created this code twice on the lock" in page.content.decode()

    again = access_codes_reconcile(workspace=lab.workspace, now=lab.sandbox.clock.now())
    assert (again.duplicates, again.adopted) == (0, 0)
    original.refresh_from_db()
    assert "duplicate_on_lock" in [error["error_code"] for error in original.errors]  # Seam does not clear it


def test_a_duplicate_the_lock_can_delete_is_deleted(db, settings, make_device):
    # The sandbox refuses a second code with the same PIN, so a scripted Seam plays the lock that took both.
    settings.SEAM_MAX_RETRIES = 0
    with device_blind_seam() as seam:
        workspace = workspace_create(
            name="Dup", slug="dup", seam_api_key="seam_test_dup_key_0000", seam_api_url=seam.server.url
        )
        device = make_device(workspace, "august")
        access_code = access_code_create(workspace=workspace, device=device, name="Guest", code="4826")
        now = timezone.now()
        seam.create_replies.append(scripted.seam_error(504, "gateway_timeout"))
        assert access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=now) == "deferred"
        after_grace = now + UNANSWERED_CREATE_GRACE + dt.timedelta(seconds=1)
        assert (
            access_code_converge(workspace=workspace, access_code_id=access_code.pk, now=after_grace)
            == "created"
        )
        late = seam.code(device.seam_device_id, "4826", name="Guest")  # the first create, processed late

        outcome = access_codes_reconcile(workspace=workspace, now=after_grace)
        assert (outcome.duplicates, outcome.adopted, outcome.errors) == (1, 0, [])
        duplicate = AccessCode.objects.for_workspace(workspace).get(
            seam_access_code_id=late["access_code_id"]
        )
        assert duplicate.sync_state == AccessCode.SyncState.PENDING_DELETE
        assert duplicate.errors == []  # deleted, so no lasting problem

        access_codes_process_due(workspace=workspace, now=after_grace)
        access_codes_process_due(workspace=workspace, now=after_grace + dt.timedelta(minutes=1))

        access_code.refresh_from_db()
        assert [code["access_code_id"] for code in seam.codes] == [access_code.seam_access_code_id]
        duplicate.refresh_from_db()
        assert duplicate.sync_state == AccessCode.SyncState.REMOVED
        assert [
            event.kind
            for event in AccessCodeEvent.objects.for_workspace(workspace).filter(
                access_code=access_code, kind="duplicate_on_lock"
            )
        ] == ["duplicate_on_lock"]


def test_a_create_that_got_through_after_failures_says_how_late_it_was(lab):
    device = lab.device("august")
    access_code = access_code_create(workspace=lab.workspace, device=device, name="Guest", code="4826")
    # Refused before processing, but a 503 does not say so: the portal must assume it may still arrive.
    lab.sandbox.faults.add(route="access_codes/create", status=503, times=1)
    assert lab.converge(access_code) == "deferred"
    lab.advance(60)
    assert lab.converge(access_code) == "deferred"  # still looking for the first create's code
    lab.advance(UNANSWERED_CREATE_GRACE.total_seconds())
    assert lab.converge(access_code) == "created"

    (sent,) = lab.events(access_code, "sent")
    assert re.fullmatch(
        r"Created in Seam 6 min( \d+ s)? after it was requested; 2 earlier attempts failed\.", sent.message
    ), sent.message
    assert 360 <= sent.data["delay_seconds"] < 370
    assert sent.data["failed_attempts"] == 2
