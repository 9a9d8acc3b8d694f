"""Shared set-up of the bookings API tests: API clients holding a workspace token, and a rental (a
property with a shared entrance and a unit with its own door) written straight to the database."""

import datetime as dt
import itertools

from django.utils import timezone
from rest_framework.test import APIClient

from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor
from devices.models import Device
from portal.models import ApiToken
from portal.services import api_token_create

_numbers = itertools.count(1)


def api_client(workspace, scope=ApiToken.Scope.WRITE) -> APIClient:
    _, clear = api_token_create(workspace=workspace, name=f"test {scope}", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    return client


def door(workspace, manufacturer="august", **fields) -> Device:
    number = next(_numbers)
    defaults = {
        "seam_device_id": f"api-door-{workspace.slug}-{number}",
        "name": f"Door {number}",
        "manufacturer": manufacturer,
        "model": "Smart Lock Pro",
        "online": True,
        "can_program_online_access_codes": manufacturer != "igloohome",
        "can_program_offline_access_codes": manufacturer == "igloohome",
    }
    return Device.objects.create(workspace=workspace, **{**defaults, **fields})


def rental(workspace, *, timezone_name="Europe/Berlin", external_id=None):
    """A property with a shared entrance, and a unit with its own front door."""
    entrance = door(workspace, name="Entrance")
    front = door(workspace, "kwikset", name="Front door", supported_code_lengths=[4, 5, 6, 7, 8])
    property = Property.objects.create(workspace=workspace, name="Canal House", timezone=timezone_name)
    PropertySharedDoor.objects.create(workspace=workspace, property=property, device=entrance)
    unit = Unit.objects.create(
        workspace=workspace,
        property=property,
        name="Flat 1",
        external_id=external_id or f"L-{next(_numbers)}",
    )
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=front)
    return {"property": property, "unit": unit, "entrance": entrance, "front": front}


def days_ahead(days: int) -> dt.date:
    return (timezone.now() + dt.timedelta(days=days)).date()


def booking_body(unit, *, external_id="B-1", **fields) -> dict:
    return {
        "unit_id": unit.pk,
        "source": "hostaway",
        "external_id": external_id,
        "guest_name": "Ada Lovelace",
        "guest_phone": "+49 30 555 2468",
        "check_in": days_ahead(10).isoformat(),
        "check_out": days_ahead(12).isoformat(),
        **fields,
    }
