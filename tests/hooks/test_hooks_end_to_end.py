"""A booking system that speaks Standard Webhooks drives the portal end to end: signed hooks over real
HTTP to the live server, stored, processed by a real Django-Q2 worker, and the guest's code lands on the
lock in the Seam sandbox; a cancellation removes it."""

import datetime as dt

import httpx
import pytest
from django.utils import timezone
from hook_signing import booking_data, hook_body, signed_headers

from accesscodes.bookings.hook_sources import booking_source_create
from accesscodes.bookings.models import BookingCode, BookingHookDelivery, Property, Unit, UnitDoor
from accesscodes.models import AccessCode
from devices.models import Device
from devices.services import device_sync
from portal.seam import seam_client_for_workspace


@pytest.mark.django_db(transaction=True)
def test_a_signed_hook_sets_the_guests_code_on_the_door(sandbox_workspace, django_q_worker, live_server):
    workspace = sandbox_workspace()
    assert device_sync(workspace=workspace).status == "succeeded"
    door = Device.objects.for_workspace(workspace).get(name="Unit 2A Front Door")
    property = Property.objects.create(
        workspace=workspace, name="Maple Court", timezone="America/New_York", early_access_minutes=30
    )
    unit = Unit.objects.create(workspace=workspace, property=property, name="2A", external_id="L-1")
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=door)
    _, path, secret = booking_source_create(workspace=workspace, name="Hostaway")
    worker = django_q_worker()

    def post(body):
        return httpx.post(
            live_server.url + path, content=body, headers=signed_headers(secret, body), timeout=10
        )

    # Early access starts the code before now, so the sandbox sets it on the lock at once.
    check_in = timezone.now() + dt.timedelta(minutes=10)
    created = hook_body(
        **booking_data(
            check_in=check_in.isoformat(),
            check_out=(check_in + dt.timedelta(days=2)).isoformat(),
            guest_phone="+1 212 555 0147",
        )
    )
    assert post(created).status_code == 202

    def codes():
        return list(
            BookingCode.objects.for_workspace(workspace)
            .filter(released_at__isnull=True)
            .select_related("access_code")
        )

    def deliveries():
        return list(BookingHookDelivery.objects.for_workspace(workspace).values_list("status", "outcome"))

    worker.wait_until(
        lambda: (deliveries(), [(link.access_code.status, link.access_code.sync_state) for link in codes()]),
        lambda: any(link.access_code.status == AccessCode.Status.SET for link in codes()),
    )
    access_code = codes()[0].access_code
    with seam_client_for_workspace(workspace) as client:
        on_lock = client.access_codes_get(access_code_id=access_code.seam_access_code_id)
    assert on_lock["code"] == "0147"
    assert deliveries() == [("processed", "Booking created.")]

    assert post(hook_body("booking.cancelled", external_id="R-100")).status_code == 202
    worker.wait_until(
        deliveries,
        lambda: (access_code.refresh_from_db(), access_code.removed_at is not None)[1],
    )
    with seam_client_for_workspace(workspace) as client:
        assert client.access_codes_list(device_id=door.seam_device_id) == []
