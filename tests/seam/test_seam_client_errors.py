"""HTTP status -> exception mapping, Seam error bodies, and helpers behind the retry policy."""

import datetime as dt
import email.utils
import time

import pytest
from scripted_server import Reply, seam_error

from portal.seam import (
    SeamAuthError,
    SeamConflict,
    SeamError,
    SeamInvalidInput,
    SeamNotFound,
    SeamRateLimited,
    SeamUnavailable,
)
from portal.seam.errors import parse_retry_after
from portal.seam.retry import backoff_delay, is_retryable_route


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, SeamInvalidInput),
        (422, SeamInvalidInput),
        (401, SeamAuthError),
        (403, SeamAuthError),
        (404, SeamNotFound),
        (409, SeamConflict),
        (418, SeamError),
    ],
)
def test_4xx_maps_to_permanent_error_without_retry(server, make_client, status, error_class):
    server.script(seam_error(status, "some_type", "Something is wrong", request_id_ignored=True))

    with pytest.raises(error_class) as caught:
        make_client(max_retries=3).devices_get(device_id="d1")

    error = caught.value
    assert type(error) is error_class
    assert len(server.received) == 1
    assert error.permanent is True
    assert error.status_code == status
    assert error.type == "some_type"
    assert error.message == "Something is wrong"
    assert error.route == "devices/get"


def test_invalid_input_keeps_validation_errors(server, make_client):
    validation = {"_errors": [], "device_id": {"_errors": ["Required"]}}
    server.script(seam_error(400, "invalid_input", "Invalid input", validation_errors=validation))

    with pytest.raises(SeamInvalidInput) as caught:
        make_client().access_codes_create(device_id="")

    assert caught.value.validation_errors == validation
    assert "invalid_input" in str(caught.value)


def test_request_id_is_kept_for_support(server, make_client):
    server.script(
        Reply(404, {"ok": False, "error": {"type": "x", "message": "y"}}, {"seam-request-id": "r-1"})
    )

    with pytest.raises(SeamNotFound) as caught:
        make_client().access_codes_get(access_code_id="nope")

    assert caught.value.request_id == "r-1"


def test_error_without_json_body_gets_status_type(server, make_client):
    server.script(Reply(400, b"Invalid JSON"))

    with pytest.raises(SeamInvalidInput) as caught:
        make_client().devices_get(device_id="d1")

    assert caught.value.type == "http_400"
    assert caught.value.validation_errors == {}


def test_subclass_defaults():
    assert SeamRateLimited("x").permanent is False
    assert SeamRateLimited("x").retry_after is None
    assert SeamUnavailable("x", outcome_unknown=False).permanent is False
    assert SeamNotFound("x").permanent is True
    assert isinstance(SeamConflict("x"), SeamError)


def test_parse_retry_after_accepts_seconds_and_http_dates():
    now = time.time()
    in_ten = email.utils.format_datetime(dt.datetime.fromtimestamp(now + 10, dt.UTC), usegmt=True)

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert 8.0 <= parse_retry_after(in_ten, now=now) <= 10.0
    assert parse_retry_after("-3") == 0.0


def test_backoff_is_exponential_capped_and_jittered():
    top = [backoff_delay(n, base=0.5, cap=4.0, rng=lambda: 1.0) for n in range(1, 7)]
    assert top == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff_delay(3, base=0.5, cap=4.0, rng=lambda: 0.0) == 0.0
    assert 0.0 <= backoff_delay(2, base=0.5, cap=4.0) <= 1.0


@pytest.mark.parametrize(
    ("route", "retryable"),
    [
        ("devices/list", True),
        ("devices/get", True),
        ("access_codes/unmanaged/list", True),
        ("events/list", True),
        ("access_codes/update", True),
        ("access_codes/delete", True),
        ("webhooks/delete", True),
        ("access_codes/create", False),
        ("webhooks/create", False),
        ("connect_webviews/create", False),
        ("access_codes/pull_backup_access_code", False),
    ],
)
def test_retryable_routes(route, retryable):
    assert is_retryable_route(route) is retryable
