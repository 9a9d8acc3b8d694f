"""`/healthz`: 503 only when this process cannot serve; a quiet worker or Seam makes it "degraded"."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from portal.models import Heartbeat
from portal.schedules import WORKER_HEARTBEAT_SCHEDULE
from portal.services import heartbeat_beat
from portal.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_fresh_beats_are_healthy_and_the_answer_names_no_workspace(client, workspace_a):
    worker_heartbeat()
    heartbeat_beat(name=Heartbeat.Name.SEAM)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker", "seam"}
    assert all(check["ok"] for check in body["checks"].values())
    assert workspace_a.slug not in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_quiet_worker_degrades_but_keeps_the_process_in_rotation(client):
    heartbeat_beat(name=Heartbeat.Name.WORKER, now=timezone.now() - dt.timedelta(minutes=6))
    heartbeat_beat(name=Heartbeat.Name.SEAM)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert "quiet for over" in body["checks"]["worker"]["detail"]
    assert body["checks"]["seam"]["ok"] is True


def test_never_seen_parts_are_reported(client):
    body = client.get("/healthz").json()
    assert body["checks"]["worker"] == {"ok": False, "detail": "never seen"}
    assert body["checks"]["seam"]["detail"] == "never seen"


def test_a_beat_is_one_row_per_part_and_moves_forward(client):
    earlier = timezone.now() - dt.timedelta(minutes=2)
    heartbeat_beat(name=Heartbeat.Name.WORKER, now=earlier)
    heartbeat_beat(name=Heartbeat.Name.WORKER)
    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get().beat_at > earlier


def test_an_unreachable_database_answers_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["checks"]["database"]["ok"] is False


def test_the_worker_heartbeat_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=WORKER_HEARTBEAT_SCHEDULE)
    assert (schedule.func, schedule.minutes) == ("portal.tasks.worker_heartbeat", 1)


def test_posting_is_refused(client):
    assert client.post("/healthz").status_code == 405


def test_seam_beats_on_a_good_sync_or_poll_and_not_on_a_failed_one(sandbox_workspace, seam_sandbox):
    from devices.services import device_sync
    from portal.hooks.polling import seam_events_poll

    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    after_sync = Heartbeat.objects.get(name=Heartbeat.Name.SEAM).beat_at

    workspace_id = seam_sandbox.sandbox.workspace_for_key(workspace.seam_api_key).workspace_id
    fault_ids = seam_sandbox.control("simulate_workspace_outage", workspace_id=workspace_id)["fault_ids"]
    try:
        seam_events_poll(workspace=workspace, now=after_sync + dt.timedelta(minutes=1))
    finally:
        for fault_id in fault_ids:
            seam_sandbox.control("faults/clear", fault_id=fault_id)
    assert Heartbeat.objects.get(name=Heartbeat.Name.SEAM).beat_at == after_sync

    later = after_sync + dt.timedelta(minutes=2)
    seam_events_poll(workspace=workspace, now=later)
    assert Heartbeat.objects.get(name=Heartbeat.Name.SEAM).beat_at == later
