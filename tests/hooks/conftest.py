import pytest
from hook_signing import signed_headers

from accesscodes.bookings.hook_sources import booking_source_create
from accesscodes.bookings.models import Property, Unit, UnitDoor


@pytest.fixture
def hook_source(workspace_a):
    """Workspace A's source "My PMS": (source, url path, secret)."""
    return booking_source_create(workspace=workspace_a, name="My PMS")


@pytest.fixture
def send(client):
    """POST a body to a hook URL, signed with `secret` unless headers are given; Django's test client."""

    def post(url, body: bytes, *, secret=None, headers=None, **sign_options):
        headers = headers if headers is not None else signed_headers(secret, body, **sign_options)
        return client.post(url, body, content_type="application/json", headers=headers)

    return post


@pytest.fixture
def flat(workspace_a, make_device):
    """Workspace A's unit L-1 with one online door."""
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1", external_id="L-1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=make_device(workspace_a, "august"))
    return unit
