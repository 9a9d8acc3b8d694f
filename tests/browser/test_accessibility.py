"""axe-core (pinned in tests/contract/package.json, installed by that folder's `npm ci`) on the main pages
in real Chromium: no serious or critical accessibility violation."""

import datetime as dt
import json
from pathlib import Path

import pytest
from browser_helpers import log_in
from django.utils import timezone

from accesscodes.bookings.models import Booking, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from devices.models import Device
from portal.outbound.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[1] / "contract" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
RUN_AXE = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    }));
}"""


@pytest.fixture
def maple_court(workspace_a):
    def door(name, manufacturer, **fields):
        return Device.objects.create(
            workspace=workspace_a,
            seam_device_id=f"device-{name}",
            name=name,
            manufacturer=manufacturer,
            online=True,
            battery_level=0.9,
            can_program_online_access_codes=True,
            supported_code_lengths=[4, 5, 6],
            **fields,
        )

    entrance, door_4b = door("Entrance", "august"), door("4B door", "august")
    property = Property.objects.create(workspace=workspace_a, name="Maple Court", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="4B")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=door_4b)
    check_in = timezone.now() + dt.timedelta(hours=5)
    booking = booking_upsert(
        workspace=workspace_a,
        source="pms",
        external_id="B-1",
        unit=unit,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=2),
        guest_name="Ada Lovelace",
        guest_phone="+49 30 555 4821",
    ).booking
    webhook_endpoint_create(workspace=workspace_a, url="https://hooks.example.com/in")
    # Problems explained on the pages, and a lock without a bridge (a form without PIN).
    AccessCode.objects.for_workspace(workspace_a).filter(device=door_4b).update(
        errors=[{"error_code": "failed_to_set_on_device", "message": "Rejected"}]
    )
    shed = door(
        "Shed",
        "igloohome",
        can_program_offline_access_codes=True,
        warnings=[{"warning_code": "device_has_flaky_connection", "message": "Flaky"}],
    )
    Device.objects.for_workspace(workspace_a).filter(pk=shed.pk).update(
        online=False, can_program_online_access_codes=False
    )
    return {"property": property, "unit": unit, "booking": booking, "door": door_4b, "shed": shed}


def main_pages(rows) -> list[str]:
    booking = Booking.objects.for_workspace(rows["booking"].workspace_id).get()
    code = AccessCode.objects.for_workspace(booking.workspace_id).filter(device=rows["door"]).first()
    return [
        "/w/alpha/",
        "/w/alpha/bookings/",
        f"/w/alpha/bookings/{booking.pk}/",
        f"/w/alpha/bookings/{booking.pk}/rotate-pin/",
        "/w/alpha/bookings/new/",
        f"/w/alpha/properties/{rows['property'].pk}/",
        f"/w/alpha/properties/units/{rows['unit'].pk}/",
        "/w/alpha/devices/",
        f"/w/alpha/devices/{rows['door'].pk}/",
        "/w/alpha/codes/",
        *([f"/w/alpha/codes/{code.pk}/", f"/w/alpha/codes/{code.pk}/delete/"] if code else []),
        f"/w/alpha/codes/new/?device={rows['door'].pk}",
        f"/w/alpha/codes/new/?device={rows['shed'].pk}",
        f"/w/alpha/devices/{rows['shed'].pk}/",
        "/w/alpha/settings/",
        "/w/alpha/settings/tokens/",
        "/w/alpha/settings/webhooks/",
        "/w/alpha/settings/seam/",
        "/w/alpha/settings/properties/",
        "/w/alpha/settings/feeds/",
        "/w/alpha/settings/sources/",
        f"/w/alpha/properties/{rows['property'].pk}/edit/",
    ]


def test_the_main_pages_have_no_serious_or_critical_violation(page, live_server, maple_court):
    if not AXE.exists():
        pytest.fail(f"axe-core is needed at {AXE}: run `npm ci` in tests/contract.")
    log_in(page, live_server, "alice")
    found = {}
    for path in main_pages(maple_court):
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, path
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, list(BLOCKING_IMPACTS))
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, indent=1)
