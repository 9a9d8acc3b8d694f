"""The demo workspace of `./dev run` gets a property, two units and upcoming bookings with their codes."""

import pytest

from accesscodes.bookings.demo import DEMO_BOOKINGS, demo_bookings_ensure
from accesscodes.bookings.models import Booking, BookingCode, Property, Unit
from devices.services import device_sync
from portal.models import Workspace
from portal.signals import demo_workspace_ready


@pytest.mark.django_db
def test_demo_bookings_are_added_once_with_codes_on_every_door(sandbox_workspace):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    demo_workspace_ready.send(sender=Workspace, workspace=workspace)
    demo_bookings_ensure(workspace=workspace)  # a second start of ./dev run adds nothing

    assert Property.objects.for_workspace(workspace).count() == 1
    assert Unit.objects.for_workspace(workspace).count() == 2
    assert Booking.objects.for_workspace(workspace).count() == len(DEMO_BOOKINGS)
    links = BookingCode.objects.for_workspace(workspace).select_related("access_code", "device")
    by_booking = {}
    for link in links:
        by_booking.setdefault(link.booking.external_id, []).append(link)
    offline_stay = by_booking["DEMO-1002"]
    assert {link.device.manufacturer for link in offline_stay} == {"august", "igloohome"}
    assert any(link.access_code.is_offline_access_code for link in offline_stay)
    first = by_booking["DEMO-1001"]
    assert {link.access_code.code for link in first} == {"0142"}  # same PIN on entrance and unit door


@pytest.mark.django_db
def test_a_workspace_without_the_demo_devices_gets_nothing(workspace_a):
    demo_bookings_ensure(workspace=workspace_a)
    assert not Property.objects.for_workspace(workspace_a).exists()
