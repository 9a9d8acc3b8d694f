"""Retry, backoff and failure classification of SeamClient, over real HTTP to a scripted server."""

import time

import pytest
from scripted_server import Reply, ok, seam_error

from portal.seam import SeamRateLimited, SeamUnavailable

DEVICE = {"device_id": "d1"}


def test_read_retries_transient_5xx_then_succeeds(server, make_client):
    server.script(Reply(503), Reply(502), ok(device=DEVICE))

    assert make_client(max_retries=3).devices_get(device_id="d1") == DEVICE
    assert len(server.received) == 3


def test_read_gives_up_after_bounded_attempts(server, make_client):
    server.script(seam_error(503, "service_unavailable"))

    with pytest.raises(SeamUnavailable) as caught:
        make_client(max_retries=2).devices_get(device_id="d1")

    assert len(server.received) == 3  # the first try plus max_retries
    error = caught.value
    assert error.attempts == 3
    assert error.status_code == 503
    assert error.route == "devices/get"
    assert error.outcome_unknown is True
    assert error.permanent is False


def test_max_retries_zero_means_one_attempt(server, make_client):
    server.script(Reply(500))

    with pytest.raises(SeamUnavailable):
        make_client(max_retries=0).devices_list()

    assert len(server.received) == 1


def test_rate_limit_waits_for_retry_after(server, make_client):
    server.script(
        Reply(429, {"ok": False, "error": {"type": "rate_limited", "message": "slow"}}, {"Retry-After": "1"}),
        ok(device=DEVICE),
    )

    started = time.monotonic()
    assert make_client(backoff_base=0.001).devices_get(device_id="d1") == DEVICE
    elapsed = time.monotonic() - started

    assert len(server.received) == 2
    assert 1.0 <= elapsed < 3.0


def test_rate_limit_beyond_cap_is_raised_at_once_with_retry_after(server, make_client):
    server.script(Reply(429, {"ok": False}, {"Retry-After": "120"}))

    started = time.monotonic()
    with pytest.raises(SeamRateLimited) as caught:
        make_client(max_retry_after=5).devices_get(device_id="d1")

    assert time.monotonic() - started < 1.0
    assert len(server.received) == 1
    assert caught.value.retry_after == 120.0
    assert caught.value.permanent is False


def test_rate_limit_exhausting_retries_raises_rate_limited(server, make_client):
    server.script(Reply(429, {"ok": False}, {"Retry-After": "0"}))

    with pytest.raises(SeamRateLimited) as caught:
        make_client(max_retries=2).access_codes_list(device_id="d1")

    assert len(server.received) == 3
    assert caught.value.retry_after == 0.0


@pytest.mark.parametrize(
    ("call", "route"),
    [
        (lambda c: c.access_codes_update(access_code_id="ac1", name="Guest"), "/access_codes/update"),
        (lambda c: c.access_codes_delete(access_code_id="ac1"), "/access_codes/delete"),
        (lambda c: c.webhooks_delete(webhook_id="wh1"), "/webhooks/delete"),
    ],
)
def test_idempotent_writes_are_retried(server, make_client, call, route):
    server.script(Reply(502), ok(action_attempt={"action_attempt_id": "aa1"}))

    call(make_client())

    assert [r.path for r in server.received] == [route, route]


@pytest.mark.parametrize(
    ("call", "route"),
    [
        (lambda c: c.access_codes_create(device_id="d1", code="1234"), "/access_codes/create"),
        (lambda c: c.webhooks_create(url="https://example.com/hook"), "/webhooks/create"),
        (lambda c: c.connect_webviews_create(), "/connect_webviews/create"),
    ],
)
def test_creates_are_never_retried_on_5xx(server, make_client, call, route):
    server.script(Reply(503), ok())

    with pytest.raises(SeamUnavailable) as caught:
        call(make_client(max_retries=5))

    assert [r.path for r in server.received] == [route]
    # Seam got the request and failed after it: the code may exist, so the caller must reconcile.
    assert caught.value.outcome_unknown is True
    assert caught.value.attempts == 1


def test_create_is_not_retried_on_rate_limit(server, make_client):
    server.script(Reply(429, {"ok": False}, {"Retry-After": "0"}), ok(access_code={}))

    with pytest.raises(SeamRateLimited):
        make_client(max_retries=5).access_codes_create(device_id="d1")

    assert len(server.received) == 1


def test_create_read_timeout_is_outcome_unknown(server, make_client):
    server.script(Reply(200, {"ok": True, "access_code": {}}, delay=1.0))

    with pytest.raises(SeamUnavailable) as caught:
        make_client(read_timeout=0.2, max_retries=5).access_codes_create(device_id="d1")

    assert len(server.received) == 1  # it reached the server: exactly the ambiguous case
    assert caught.value.outcome_unknown is True
    assert caught.value.status_code is None
    assert caught.value.type == "ReadTimeout"


def test_create_dropped_connection_is_outcome_unknown(server, make_client):
    server.script(Reply(drop=True))

    with pytest.raises(SeamUnavailable) as caught:
        make_client().access_codes_create(device_id="d1")

    assert len(server.received) == 1
    assert caught.value.outcome_unknown is True


def test_create_connect_error_is_not_outcome_unknown(make_client, closed_port_url):
    with pytest.raises(SeamUnavailable) as caught:
        make_client(base_url=closed_port_url, max_retries=5).access_codes_create(device_id="d1")

    assert caught.value.outcome_unknown is False
    assert caught.value.attempts == 1
    assert caught.value.type == "ConnectError"


def test_read_connect_error_is_retried_then_raised(make_client, closed_port_url, caplog):
    caplog.set_level("DEBUG", logger="portal.seam")

    with pytest.raises(SeamUnavailable) as caught:
        make_client(base_url=closed_port_url, max_retries=2).devices_list()

    assert caught.value.attempts == 3
    assert caught.value.outcome_unknown is False
    assert [r.seam_attempt for r in caplog.records if r.name == "portal.seam"] == [1, 2, 3]


def test_read_timeout_on_read_route_is_retried(server, make_client):
    server.script(Reply(200, {"ok": True}, delay=1.0), ok(device=DEVICE))

    assert make_client(read_timeout=0.2).devices_get(device_id="d1") == DEVICE
    assert len(server.received) == 2


def test_non_json_5xx_body_still_maps_to_unavailable(server, make_client):
    server.script(Reply(502, b"<html>Bad gateway</html>"))

    with pytest.raises(SeamUnavailable) as caught:
        make_client(max_retries=0).workspaces_get()

    assert caught.value.type == "http_502"
    assert caught.value.status_code == 502


def test_success_status_without_envelope_is_unavailable(server, make_client):
    server.script(Reply(200, b"<html>captive portal</html>"))

    with pytest.raises(SeamUnavailable) as caught:
        make_client(max_retries=0).workspaces_get()

    assert caught.value.type == "invalid_response"
    assert caught.value.outcome_unknown is True
