"""The logs of a whole scenario hold no secret: a Seam key, an API token, a booking hook's URL token or
signing secret, or a guest's phone number, in the web process's lines or the worker's, at DEBUG level.

Signed hooks (good, badly signed, to an unknown URL), API calls (good, with a wrong token) and a real
Django-Q2 worker that pushes the codes to the Seam sandbox all log what they do; the test then greps it
all, having first checked that the lines it greps are really there."""

import datetime as dt
import io
import logging

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from accesscodes.bookings.hook_sources import booking_source_create
from accesscodes.bookings.models import BookingCode, Property, Unit, UnitDoor
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.log_context import ContextFilter, PlainFormatter
from portal.services import api_token_create
from tests.hooks.hook_signing import booking_data, hook_body, signed_headers

HOOK_GUEST_PHONE = "+1 212 555 0147"
API_GUEST_PHONE = "+44 20 7946 0958"


@pytest.fixture
def web_log():
    """The web process's lines as production writes them: the console handler's filter and format."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(PlainFormatter(settings.LOGGING["formatters"]["plain"]["format"]))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_the_logs(sandbox_workspace, django_q_worker, live_server, web_log, monkeypatch):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    door = Device.objects.for_workspace(workspace).get(name="Unit 2A Front Door")
    property = Property.objects.create(
        workspace=workspace, name="Maple Court", timezone="America/New_York", early_access_minutes=30
    )
    unit = Unit.objects.create(workspace=workspace, property=property, name="2A", external_id="L-1")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=door)
    _, hook_path, hook_secret = booking_source_create(workspace=workspace, name="Hostaway")
    _, api_token = api_token_create(workspace=workspace, name="PMS")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    worker = django_q_worker()

    check_in = timezone.now() + dt.timedelta(minutes=10)  # early access: the code goes on the lock now
    stay = {"check_in": check_in.isoformat(), "check_out": (check_in + dt.timedelta(days=2)).isoformat()}
    body = hook_body(**booking_data(**stay, guest_phone=HOOK_GUEST_PHONE))
    with httpx.Client(base_url=live_server.url, timeout=10) as web:
        assert web.post(hook_path, content=body, headers=signed_headers(hook_secret, body)).status_code == 202
        forged = signed_headers("whsec_" + "A" * 43, body)
        assert web.post(hook_path, content=body, headers=forged).status_code == 401
        unknown_path = "/hooks/bookings/" + "Q" * 43 + "/"
        assert web.post(unknown_path, content=body, headers=forged).status_code == 404
        api_booking = {"unit_id": unit.pk, "source": "pms", "external_id": "API-1", "guest_name": "Grace",
                       "guest_phone": API_GUEST_PHONE, **stay}  # fmt: skip
        bearer = {"Authorization": f"Bearer {api_token}"}
        assert web.post("/api/v1/bookings/", json=api_booking, headers=bearer).status_code == 201
        wrong = {"Authorization": f"Bearer {api_token[:-4]}XXXX"}
        assert web.get("/api/v1/bookings/", headers=wrong).status_code == 401

    def codes_on_locks():
        links = BookingCode.objects.for_workspace(workspace).select_related("access_code")
        return sorted((link.booking.external_id, link.access_code.status) for link in links)

    worker.wait_until(
        codes_on_locks,
        lambda: AccessCode.objects.for_workspace(workspace).filter(status=AccessCode.Status.SET).count() == 2,
    )

    logs = web_log.getvalue() + worker.output()
    # The lines this test greps are really there: the rejected hooks, the worker's tasks, DEBUG lines.
    assert "Unauthorized: /hooks/bookings/***/" in logs
    assert "Not Found: /hooks/bookings/***/" in logs
    assert "push_access_codes" in logs
    assert "DEBUG" in logs
    hook_token = hook_path.strip("/").rsplit("/", 1)[-1]
    secrets = {
        "Seam API key": workspace.seam_api_key,
        "API token": api_token,
        "API token body": api_token.split("_", 1)[1],
        "hook URL token": hook_token,
        "unknown hook URL token": "Q" * 43,
        "hook signing secret": hook_secret.removeprefix("whsec_"),
        "hook guest phone": "212 555 0147",
        "API guest phone": "20 7946 0958",
    }
    leaked = {name: value for name, value in secrets.items() if value in logs}
    assert leaked == {}, f"secrets in the logs: {sorted(leaked)}"
