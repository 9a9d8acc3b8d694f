"""Idempotency-Key (replay, another body 422, a retry while the first still runs 409 over real HTTP),
cursor pagination that stays stable while rows are added, and the per-token throttle (429 + Retry-After)."""

import threading
import time

import httpx
import pytest
from django.db import transaction

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from devices.models import Device
from portal.api.throttling import TokenRateThrottle
from portal.models import IdempotencyKey
from portal.services import api_token_create

LIST = "/api/v1/access-codes/"


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer(api_a, workspace_a, make_device):
    device = make_device(workspace_a)
    body = {"device_id": device.pk, "name": "Guest"}
    first = api_a.post(LIST, body, HTTP_IDEMPOTENCY_KEY="booking-42")
    assert first.status_code == 201
    again = api_a.post(LIST, body, HTTP_IDEMPOTENCY_KEY="booking-42")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AccessCode.objects.for_workspace(workspace_a).count() == 1

    other_body = api_a.post(LIST, {**body, "name": "Someone else"}, HTTP_IDEMPOTENCY_KEY="booking-42")
    assert other_body.status_code == 422
    assert other_body.json()["error"]["type"] == "unprocessable_entity"
    assert AccessCode.objects.for_workspace(workspace_a).count() == 1

    fresh = api_a.post(LIST, body, HTTP_IDEMPOTENCY_KEY="booking-43")
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(api_a, workspace_a, make_device):
    body = {"device_id": make_device(workspace_a).pk, "name": "Guest", "code": "12"}
    first = api_a.post(LIST, body, HTTP_IDEMPOTENCY_KEY="k")
    again = api_a.post(LIST, body, HTTP_IDEMPOTENCY_KEY="k")
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.json() == first.json()


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_request_runs_is_409(live_server, workspace_a, make_device):
    device = make_device(workspace_a)
    _, clear = api_token_create(workspace=workspace_a, name="PMS")
    headers = {"Authorization": f"Bearer {clear}", "Idempotency-Key": "stay-7"}
    body = {"device_id": device.pk, "name": "Guest"}
    url = live_server.url + LIST
    answers = {}

    def first_request():
        answers["first"] = httpx.post(url, json=body, headers=headers, timeout=30)

    # Hold the lock's row the way another write on this lock would: the first request waits for it in
    # access_code_create, after it claimed the key.
    with transaction.atomic():
        Device.objects.for_workspace(workspace_a).select_for_update().get(pk=device.pk)
        running = threading.Thread(target=first_request)
        running.start()
        deadline = time.monotonic() + 20
        while not IdempotencyKey.objects.for_workspace(workspace_a).filter(key="stay-7").exists():
            assert time.monotonic() < deadline, "the first request never claimed its key"
            time.sleep(0.05)
        retry = httpx.post(url, json=body, headers=headers, timeout=30)
    running.join(timeout=30)

    assert retry.status_code == 409
    assert retry.json()["error"]["type"] == "conflict"
    assert "still being processed" in retry.json()["error"]["message"]
    assert answers["first"].status_code == 201
    assert AccessCode.objects.for_workspace(workspace_a).count() == 1
    replay = httpx.post(url, json=body, headers=headers, timeout=30)
    assert (replay.status_code, replay.json()) == (201, answers["first"].json())


@pytest.mark.django_db
def test_cursor_pages_stay_stable_while_codes_are_added(api_a, workspace_a, make_device):
    device = make_device(workspace_a, supported_code_lengths=[])
    existing = [
        access_code_create(workspace=workspace_a, device=device, name=f"Guest {n}").pk for n in range(5)
    ]
    seen = []
    page = api_a.get(LIST, {"limit": 2}).json()
    seen += [row["id"] for row in page["results"]]
    added = [access_code_create(workspace=workspace_a, device=device, name=f"Late {n}").pk for n in range(3)]
    while page["next"]:
        page = api_a.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
        access_code_create(workspace=workspace_a, device=device, name="Later still")
    assert seen == sorted(existing, reverse=True)
    assert page["previous"] is not None
    fresh_first_page = [row["id"] for row in api_a.get(LIST, {"limit": 500}).json()["results"]]
    assert fresh_first_page[-len(existing) - len(added) :] == sorted(existing + added, reverse=True)


@pytest.mark.django_db
def test_limit_is_capped_at_500(api_a, workspace_a):
    response = api_a.get(LIST, {"limit": 100000})
    assert response.status_code == 200


@pytest.mark.django_db
def test_throttle_answers_429_with_retry_after_per_token(monkeypatch, workspace_a, token_client):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    client, other = token_client(workspace_a), token_client(workspace_a)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(LIST)
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 61
    assert limited.json()["error"]["type"] == "rate_limited"
    assert other.get(LIST).status_code == 200  # counted per token
