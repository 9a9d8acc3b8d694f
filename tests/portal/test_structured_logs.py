"""Log lines carry the request id and workspace, come out as one JSON object a line when asked, and
mask secrets and phone numbers that a message might contain."""

import io
import json
import logging

import pytest
from django.urls import reverse

from portal.log_context import ContextFilter, JsonFormatter, bound, mask_secrets


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("key seam_live_ABCdef123_xyz rejected", "seam_live_ABCdef123_xyz"),
        ("token lp_Zx9-aa_bbbbbbbbbbbbbbbbbb used", "lp_Zx9-aa_bbbbbbbbbbbbbbbbbb"),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ("guest phone +1 (415) 555-0134 arrived", "555-0134"),
        ("guest phone +491701234567", "1234567"),
    ],
)
def test_secrets_are_masked(text, leaked):
    assert leaked not in mask_secrets(text)


def test_times_ids_and_task_names_are_not_mistaken_for_secrets():
    text = "sync 2026-03-29 02:30:00 of device 8c1f3e0a-1b2c took 1234 ms in portal.hooks.tasks.dispatch_seam_events"
    assert mask_secrets(text) == text


def json_line(record_args, **context) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.structured")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with bound(**context):
            logger.warning(*record_args)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_a_json_line_carries_workspace_request_id_and_a_masked_message():
    entry = json_line(("Seam refused %s", "seam_test_secret_key_1"), workspace="alpha", request_id="req-1")
    assert entry["workspace"] == "alpha"
    assert entry["request_id"] == "req-1"
    assert entry["level"] == "WARNING"
    assert "seam_test_secret_key_1" not in entry["message"]


@pytest.mark.django_db
def test_every_response_names_its_request_id_and_keeps_a_sane_one_given(client):
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) == 32
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="trace-42")
    assert response["X-Request-ID"] == "trace-42"
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/hooks/bookings/", "/hooks/seam/"])
def test_a_hook_url_token_never_reaches_the_log(client, prefix):
    token = "Zq3v_unknown-token-9f8e7d6c5b4a"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    django_request = logging.getLogger("django.request")
    django_request.addHandler(handler)
    try:
        response = client.post(f"{prefix}{token}/", data="{}", content_type="application/json")
    finally:
        django_request.removeHandler(handler)
    assert 400 <= response.status_code < 500
    logged = stream.getvalue()
    assert f"{prefix}***/" in logged, "the rejected hook is still logged, with its path"
    assert token not in logged


def test_the_development_server_access_lines_are_masked_too():
    token = "Zq3v_unknown-token-9f8e7d6c5b4a"
    stream = io.StringIO()
    [handler] = logging.getLogger("django.server").handlers  # as settings.LOGGING configures it
    original = handler.setStream(stream)
    try:
        # What runserver's request handler logs for each request.
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"POST /hooks/seam/{token}/ HTTP/1.1", "200", "32"
        )
    finally:
        handler.setStream(original)
    assert "/hooks/seam/***/" in stream.getvalue()
    assert token not in stream.getvalue()
