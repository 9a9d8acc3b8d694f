"""Lifecycle against the project's Seam sandbox over real HTTP: create, set, fail, delay, lost answers,
deletion, expiry, external changes, adoption and rate limits. Each test gets its own sandbox so that
moving its clock affects nobody else."""

import datetime as dt
import threading
import time
import uuid

import httpx
import pytest
from django.db import connections
from django_q.models import OrmQ

from accesscodes.backup import access_code_backup_pull
from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_create, access_code_delete, access_code_update
from accesscodes.sync.converge import access_code_converge, access_codes_process_due
from accesscodes.sync.reconcile import access_codes_reconcile
from accesscodes.tasks import reconcile_workspace
from devices.models import Device
from devices.services import device_sync
from devices.tasks import sync_workspace
from portal.seam import SeamClient
from portal.seam.sandbox import SandboxServer
from portal.services import workspace_create


class Lab:
    """A portal workspace wired to a private sandbox, with the sandbox's demo devices imported."""

    def __init__(self, sandbox: SandboxServer):
        self.sandbox = sandbox
        self.api_key = f"seam_sandbox_{uuid.uuid4().hex}"
        self.workspace = workspace_create(
            name="Lab",
            slug=f"lab-{uuid.uuid4().hex[:8]}",
            seam_api_key=self.api_key,
            seam_api_url=sandbox.url,
        )
        sync_run = device_sync(workspace=self.workspace)
        assert sync_run.status == "succeeded", sync_run.error_message

    def client(self):
        return SeamClient(api_key=self.api_key, base_url=self.sandbox.url, max_retries=0)

    def now(self):
        return self.sandbox.clock.now()

    def advance(self, **delta):
        self.sandbox.clock.advance(seconds=dt.timedelta(**delta).total_seconds())
        self.sandbox.tick()

    def device(self, manufacturer, **filters):
        return (
            Device.objects.for_workspace(self.workspace).filter(manufacturer=manufacturer, **filters).first()
        )

    def control(self, operation, **body):
        response = httpx.post(
            f"{self.sandbox.url}/_sandbox/{operation}", json={"api_key": self.api_key, **body}
        )
        response.raise_for_status()
        return response.json()

    def converge(self, access_code, **delta):
        return access_code_converge(
            workspace=self.workspace, access_code_id=access_code.pk, now=self.now() + dt.timedelta(**delta)
        )

    def seam_codes(self, device):
        with self.client() as client:
            return client.access_codes_list(device_id=device.seam_device_id)

    def reload(self, access_code):
        return AccessCode.objects.for_workspace(self.workspace).get(pk=access_code.pk)

    def history(self, access_code):
        return list(
            AccessCodeEvent.objects.for_workspace(self.workspace)
            .filter(access_code=access_code)
            .order_by("created_at", "pk")
            .values_list("kind", "message")
        )


@pytest.fixture
def lab(db, settings):
    settings.SEAM_MAX_RETRIES = 0
    settings.SEAM_BACKOFF_BASE = 0.01
    with SandboxServer(host="127.0.0.1", port=0) as sandbox:
        sandbox.configure(set_delay_seconds=2, remove_delay_seconds=2)
        yield Lab(sandbox)


def create(lab, device, **fields):
    fields.setdefault("name", "Guest")
    return access_code_create(workspace=lab.workspace, device=device, **fields)


def test_online_code_goes_from_setting_to_set(lab):
    device = lab.device("august")
    access_code = create(lab, device)
    assert lab.converge(access_code) == "created"
    access_code = lab.reload(access_code)
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [access_code.seam_access_code_id]
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert access_code.status == AccessCode.Status.SETTING
    assert access_code.next_poll_at is not None

    lab.advance(seconds=10)
    assert lab.converge(access_code) == "polled"
    access_code = lab.reload(access_code)
    assert access_code.status == AccessCode.Status.SET
    assert ("status", "Status setting → set.") in lab.history(access_code)
    assert access_code.next_poll_at is None  # ongoing and set: the periodic reconcile watches it now


def test_second_run_of_the_same_task_does_nothing(lab):
    access_code = create(lab, lab.device("august"))
    assert lab.converge(access_code) == "created"
    assert lab.converge(access_code) == "idle"
    assert len(lab.seam_codes(access_code.device)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_one_code(lab):
    access_code = create(lab, lab.device("august"))
    barrier = threading.Barrier(2)
    outcomes = []

    def work():
        try:
            barrier.wait(timeout=10)
            outcomes.append(lab.converge(access_code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) in (["busy", "created"], ["created", "idle"])
    assert len(lab.seam_codes(access_code.device)) == 1


def test_lost_answer_then_retry_never_duplicates(lab, settings):
    settings.SEAM_READ_TIMEOUT = 0.5
    device = lab.device("august")
    access_code = create(lab, device)
    lab.control("faults/set", route="access_codes/create", phase="after", latency_ms=1500, times=1)
    assert lab.converge(access_code) == "deferred"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE
    assert access_code.create_attempted_at is not None
    assert "may have received it" in access_code.last_sync_error
    assert len(lab.seam_codes(device)) == 1  # Seam did create it

    assert lab.converge(access_code, minutes=1) == "linked"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [access_code.seam_access_code_id]


def test_lost_answer_for_a_provider_chosen_pin_links_by_name_and_window(lab, settings):
    settings.SEAM_READ_TIMEOUT = 0.5
    device = lab.device("igloohome")
    start = lab.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    access_code = create(
        lab, device, starts_at=start, ends_at=start + dt.timedelta(hours=24), is_offline_access_code=True
    )
    lab.control("faults/set", route="access_codes/create", phase="after", latency_ms=1500, times=1)
    assert lab.converge(access_code) == "deferred"
    assert lab.converge(access_code, minutes=1) == "linked"
    access_code = lab.reload(access_code)
    assert [code["code"] for code in lab.seam_codes(device)] == [access_code.code]  # Seam's algoPIN


def test_failure_to_set_is_recorded_with_an_explanation(lab):
    device = lab.device("august")
    lab.control("access_codes/fail_to_set", device_id=device.seam_device_id)
    access_code = create(lab, device)
    lab.converge(access_code)
    lab.advance(seconds=10)
    lab.converge(access_code)
    access_code = lab.reload(access_code)
    assert [error["error_code"] for error in access_code.errors] == ["failed_to_set_on_device"]
    messages = [message for kind, message in lab.history(access_code) if kind == "error"]
    assert messages and "did not accept the code" in messages[0]
    assert access_code.next_poll_at is not None  # keeps watching


def test_delay_in_setting_is_a_warning(lab):
    device = lab.device("schlage")
    lab.control("access_codes/delay_setting", device_id=device.seam_device_id)
    access_code = create(lab, device)
    lab.converge(access_code)
    lab.advance(minutes=5)
    lab.converge(access_code)
    access_code = lab.reload(access_code)
    assert access_code.status == AccessCode.Status.SETTING
    assert "delay_in_setting_on_device" in [warning["warning_code"] for warning in access_code.warnings]


def test_delete_goes_removing_then_removed(lab):
    access_code = create(lab, lab.device("august"))
    lab.converge(access_code)
    lab.advance(seconds=10)
    lab.converge(access_code)
    access_code_delete(access_code=lab.reload(access_code))
    assert lab.converge(access_code) == "deleting"
    assert lab.reload(access_code).status == AccessCode.Status.REMOVING
    lab.advance(seconds=10)
    assert lab.converge(access_code) == "removed"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.REMOVED
    assert access_code.removed_at is not None
    assert lab.seam_codes(access_code.device) == []


def test_update_reaches_seam(lab):
    access_code = create(lab, lab.device("august"))
    lab.converge(access_code)
    access_code_update(access_code=lab.reload(access_code), name="Guest, late checkout")
    assert lab.converge(access_code) == "updated"
    (seam_code,) = lab.seam_codes(access_code.device)
    assert seam_code["name"] == "Guest, late checkout"


def test_time_bound_just_in_time_code_is_polled_at_its_milestones(lab):
    device = lab.device("august")
    start = lab.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=5)
    access_code = create(
        lab, device, starts_at=start, ends_at=start + dt.timedelta(days=2), prefer_native_scheduling=False
    )
    lab.converge(access_code)
    access_code = lab.reload(access_code)
    assert access_code.status == AccessCode.Status.UNSET
    assert access_code.next_poll_at == start - dt.timedelta(minutes=60)

    lab.sandbox.clock.advance(seconds=(start - dt.timedelta(minutes=59) - lab.now()).total_seconds())
    lab.advance(seconds=10)
    lab.converge(access_code)
    assert lab.reload(access_code).status == AccessCode.Status.SET


def test_natively_scheduled_code_is_first_polled_at_preload(lab):
    device = lab.device("august")
    start = lab.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=5)
    access_code = create(lab, device, starts_at=start, ends_at=start + dt.timedelta(days=2))
    lab.converge(access_code)
    assert lab.reload(access_code).next_poll_at == start - dt.timedelta(hours=72)


def test_expiry_404_is_removal_not_failure(lab):
    device = lab.device("august")
    start = lab.now() + dt.timedelta(minutes=5)
    access_code = create(lab, device, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    lab.converge(access_code)
    lab.advance(hours=3)
    lab.advance(seconds=10)
    assert lab.converge(access_code, seconds=1) == "expired"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.REMOVED
    assert access_code.last_sync_error == ""
    assert lab.history(access_code)[-1][0] == "expired"


def test_rate_limit_429_honours_retry_after(lab):
    access_code = create(lab, lab.device("august"))
    lab.control("faults/set", route="access_codes/create", status=429, retry_after=30, times=1)
    now = lab.now()
    assert access_code_converge(workspace=lab.workspace, access_code_id=access_code.pk, now=now) == "deferred"
    access_code = lab.reload(access_code)
    assert access_code.next_attempt_at == now + dt.timedelta(seconds=30)
    assert access_code.sync_state == AccessCode.SyncState.PENDING_CREATE
    assert (
        access_code_converge(
            workspace=lab.workspace, access_code_id=access_code.pk, now=now + dt.timedelta(seconds=31)
        )
        == "created"
    )


def test_portal_throttles_itself_to_ten_creates_a_minute_per_device(lab):
    device = lab.device("august")
    codes = [create(lab, device, name=f"Guest {n}", code=f"{4000 + n}") for n in range(11)]
    outcomes = access_codes_process_due(workspace=lab.workspace, now=lab.now())
    assert outcomes == {"created": 10, "deferred": 1}
    deferred = [
        lab.reload(code)
        for code in codes
        if lab.reload(code).sync_state == AccessCode.SyncState.PENDING_CREATE
    ]
    assert len(deferred) == 1
    assert "10 new codes a minute" in deferred[0].last_sync_error
    assert len(lab.seam_codes(device)) == 10


def test_waiting_for_the_portals_own_share_of_the_limit_never_counts_as_failing(lab):
    """Defect found by the 60-booking rate-limit run: each wait for a free slot on a crowded door counted
    as a failed attempt, so the codes at the back of the queue gave up after 10 waits and were never set."""
    device = lab.device("august")
    for n in range(10):
        create(lab, device, name=f"Guest {n}", code=f"{4000 + n}")
    last = create(lab, device, name="Guest 10", code="4010")
    now = lab.now()
    assert access_codes_process_due(workspace=lab.workspace, now=now) == {"created": 10, "deferred": 1}
    for second in range(1, 15):  # asked again and again while the minute's slots are taken
        moment = now + dt.timedelta(seconds=second)
        assert access_code_converge(workspace=lab.workspace, access_code_id=last.pk, now=moment) == "deferred"
    last = lab.reload(last)
    assert (last.sync_state, last.sync_attempts) == (AccessCode.SyncState.PENDING_CREATE, 0)
    lab.advance(seconds=61)  # Seam's minute (the sandbox's clock) and the portal's are over
    assert access_code_converge(workspace=lab.workspace, access_code_id=last.pk, now=lab.now()) == "created"


def test_seam_refusal_marks_the_code_failed(lab):
    access_code = create(lab, lab.device("august"))
    lab.control(
        "faults/set", route="access_codes/create", status=400, times=1, message="Invalid code for this lock"
    )
    assert lab.converge(access_code) == "failed"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.FAILED
    assert "Invalid code for this lock" in access_code.last_sync_error


def test_reconcile_records_external_modification_and_deletion_and_adopts(lab):
    device = lab.device("august")
    modified = create(lab, device, name="Modified", code="4811")
    deleted = create(lab, device, name="Deleted", code="4822")
    lab.converge(modified)
    lab.converge(deleted)
    lab.control(
        "access_codes/modify_externally", access_code_id=lab.reload(modified).seam_access_code_id, code="9911"
    )
    lab.control("access_codes/delete_externally", access_code_id=lab.reload(deleted).seam_access_code_id)
    lab.control(
        "access_codes/add_unmanaged", device_id=device.seam_device_id, code="7777", name="Owner's code"
    )

    outcome = access_codes_reconcile(workspace=lab.workspace, now=lab.now())

    modified = lab.reload(modified)
    assert "code_modified_external_to_seam" in [error["error_code"] for error in modified.errors]
    assert any("outside Seam" in message for _, message in lab.history(modified))
    deleted = lab.reload(deleted)
    assert deleted.sync_state == AccessCode.SyncState.REMOVED
    assert lab.history(deleted)[-1][0] == "deleted_externally"
    adopted = AccessCode.objects.for_workspace(lab.workspace).get(is_managed=False)
    assert adopted.code == "7777"
    assert outcome.adopted == 1
    assert outcome.removed == 1
    # A second reconcile changes nothing.
    again = access_codes_reconcile(workspace=lab.workspace, now=lab.now())
    assert (again.adopted, again.removed) == (0, 0)


def test_offline_code_gets_its_pin_from_seam(lab):
    device = lab.device("igloohome")
    start = lab.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    access_code = create(
        lab, device, starts_at=start, ends_at=start + dt.timedelta(hours=48), is_offline_access_code=True
    )
    assert lab.converge(access_code) == "created"
    access_code = lab.reload(access_code)
    assert access_code.code.isdigit()
    assert [code["code"] for code in lab.seam_codes(device)] == [access_code.code]


def test_backup_code_replaces_a_code_that_failed_to_set(lab):
    device = lab.device("schlage")
    lab.control("access_codes/fail_to_set", device_id=device.seam_device_id)
    start = lab.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    access_code = create(
        lab, device, starts_at=start, ends_at=start + dt.timedelta(days=1), use_backup_access_code_pool=True
    )
    lab.converge(access_code)
    lab.advance(hours=1)
    lab.converge(access_code)
    backup = access_code_backup_pull(access_code=lab.reload(access_code))
    assert backup["code"]
    assert access_code_backup_pull(access_code=lab.reload(access_code)) == backup
    assert lab.history(access_code)[-1][0] == "backup_pulled"


def test_a_failed_status_read_does_not_fail_the_code(lab):
    access_code = create(lab, lab.device("august"))
    lab.converge(access_code)
    lab.control("faults/set", route="access_codes/get", status=401, times=1, message="Invalid API key")
    assert lab.converge(access_code, seconds=10) == "poll_failed"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert "Invalid API key" in access_code.last_sync_error
    assert lab.converge(access_code, hours=2) == "polled"
    assert lab.reload(access_code).last_sync_error == ""


def test_a_successful_device_sync_queues_a_reconcile(lab, django_capture_on_commit_callbacks):
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # the reconcile is queued once the sync commits
        sync_workspace(lab.workspace.pk)
    queued = [entry.task["func"] for entry in OrmQ.objects.all()]
    assert queued == ["accesscodes.tasks.reconcile_workspace"]
    assert OrmQ.objects.get().task["args"] == (lab.workspace.pk,)


def test_reconcile_task_runs_for_one_workspace(lab):
    lab.control(
        "access_codes/add_unmanaged", device_id=lab.device("yale").seam_device_id, code="2468", name="Yale"
    )
    summary = reconcile_workspace(lab.workspace.pk)
    assert summary["adopted"] == 1
    assert summary["devices"] >= 8


@pytest.mark.django_db(transaction=True)
def test_an_edit_made_while_the_create_is_in_flight_is_kept_and_sent(lab):
    """The manager renames the code while Seam is still answering the create: the rename must survive
    the worker's write-back and reach Seam, and Seam must still hold exactly one code."""
    device = lab.device("august")
    access_code = create(lab, device, name="Before")
    lab.control("faults/set", route="access_codes/create", phase="after", latency_ms=1000, times=1)
    outcomes = []

    def work():
        try:
            outcomes.append(lab.converge(access_code))
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.4)
    access_code_update(access_code=lab.reload(access_code), name="After")
    worker.join(timeout=30)

    assert outcomes == ["created"]
    access_code = lab.reload(access_code)
    assert access_code.name == "After"
    assert access_code.seam_access_code_id
    assert access_code.sync_state == AccessCode.SyncState.PENDING_UPDATE
    assert lab.converge(access_code) == "updated"
    assert [code["name"] for code in lab.seam_codes(device)] == ["After"]


def test_an_edit_after_a_lost_create_answer_is_sent_after_linking(lab, settings):
    settings.SEAM_READ_TIMEOUT = 0.5
    device = lab.device("august")
    access_code = create(lab, device, name="Before")
    lab.control("faults/set", route="access_codes/create", phase="after", latency_ms=1500, times=1)
    assert lab.converge(access_code) == "deferred"
    access_code_update(access_code=lab.reload(access_code), name="After")
    assert lab.reload(access_code).sync_state == AccessCode.SyncState.PENDING_UPDATE

    assert lab.converge(access_code, minutes=1) == "linked"
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert [code["name"] for code in lab.seam_codes(device)] == ["After"]


def test_reconcile_links_a_lost_create_to_its_row_instead_of_adopting_it(lab, settings):
    settings.SEAM_READ_TIMEOUT = 0.5
    device = lab.device("august")
    access_code = create(lab, device, name="Lost answer")
    lab.control("faults/set", route="access_codes/create", phase="after", latency_ms=1500, times=1)
    assert lab.converge(access_code) == "deferred"

    outcome = access_codes_reconcile(workspace=lab.workspace, now=lab.now())

    assert (outcome.adopted, outcome.linked) == (0, 1)
    access_code = lab.reload(access_code)
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [access_code.seam_access_code_id]
    assert AccessCode.objects.for_workspace(lab.workspace).filter(device=device).count() == 1
    assert lab.converge(access_code, minutes=1) == "polled"  # an ordinary status read, no second create
    assert len(lab.seam_codes(device)) == 1
