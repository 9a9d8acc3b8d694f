"""Which events the apps emit, and when: access codes set / failed / removed, a booking's codes ready (once
per state of its codes) or failed, an alert opened on a booking. The sync engine's own write-back functions
move the codes, as they do when Seam answers."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.bookings.models import (
    Alert,
    BookingCode,
    BookingEvent,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.outbound_receivers import booking_codes_announce, booking_first_entry_emit
from accesscodes.bookings.services import booking_upsert
from accesscodes.models import AccessCode
from accesscodes.services import access_code_create, access_code_mark_removed
from accesscodes.sync.outcomes import fail, mark_in_sync
from accesscodes.sync.seam_state import seam_state_apply
from portal.models import WebhookDelivery
from portal.outbound.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db
RECEIVER = "https://hooks.example.com/portal"


@pytest.fixture
def endpoint(workspace_a):
    endpoint, _ = webhook_endpoint_create(workspace=workspace_a, url=RECEIVER)
    return endpoint


def events(workspace, event_type=None) -> list[dict]:
    deliveries = WebhookDelivery.objects.for_workspace(workspace).order_by("created_at", "pk")
    if event_type:
        deliveries = deliveries.filter(event_type=event_type)
    return [delivery.payload for delivery in deliveries]


def seam_answers(access_code: AccessCode, *, status="set", now=None) -> None:
    """What the push or a poll does with Seam's answer: copy it onto the code and mark it in sync."""
    now = now or timezone.now()
    access_code = AccessCode.objects.for_workspace(access_code.workspace_id).get(pk=access_code.pk)
    seam_code = {
        "access_code_id": access_code.seam_access_code_id or f"seam-{access_code.pk}",
        "status": status,
    }
    seam_state_apply(access_code=access_code, seam_code=seam_code, now=now)
    mark_in_sync(access_code=access_code, now=now)


@pytest.fixture
def two_door_unit(workspace_a, make_device):
    entrance = make_device(workspace_a, "august", name="Entrance")
    front = make_device(workspace_a, "august", name="Front door")
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace_a, property=property, device=entrance)
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1", external_id="L-1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=front)
    return unit


def stay(workspace, unit, *, nights=2):
    check_in = (timezone.now() + dt.timedelta(days=10)).date()
    return booking_upsert(
        workspace=workspace, source="hostaway", external_id="B-1", unit=unit, guest_phone="+49 30 555 0147",
        check_in=check_in, check_out=check_in + dt.timedelta(days=nights),
    ).booking  # fmt: skip


def booking_codes(workspace, booking) -> list[AccessCode]:
    links = BookingCode.objects.for_workspace(workspace).filter(booking=booking, released_at__isnull=True)
    return [link.access_code for link in links.select_related("access_code").order_by("device_id")]


def test_an_access_code_is_announced_when_it_is_set_fails_or_is_removed(
    workspace_a, make_device, endpoint, django_capture_on_commit_callbacks
):
    device = make_device(workspace_a, "august", name="Back door")
    code = access_code_create(workspace=workspace_a, device=device, name="Cleaner", code="4321")
    assert events(workspace_a) == []

    seam_answers(code)
    seam_answers(code)  # polled again, nothing changed: nothing new to say
    [set_event] = events(workspace_a)
    assert set_event["type"] == "access_code.set"
    announced = set_event["data"]["access_code"]
    assert (announced["id"], announced["code"], announced["status"]) == (code.pk, "4321", "set")
    assert announced["device"] == {
        "id": device.pk,
        "seam_device_id": device.seam_device_id,
        "name": "Back door",
    }

    code.refresh_from_db()
    fail(access_code=code, message="Seam refused the request: the lock is full.")
    [failed] = events(workspace_a, "access_code.failed")
    assert failed["data"]["access_code"]["error"] == "Seam refused the request: the lock is full."

    code.refresh_from_db()
    access_code_mark_removed(access_code=code, message="Removed from the lock.")
    [removed] = events(workspace_a, "access_code.removed")
    assert removed["data"]["access_code"]["sync_state"] == "removed"


def test_codes_ready_is_sent_once_when_every_door_is_set_and_again_when_the_stay_moves(
    workspace_a, two_door_unit, endpoint, django_capture_on_commit_callbacks
):
    booking = stay(workspace_a, two_door_unit)
    entrance_code, front_code = booking_codes(workspace_a, booking)
    with django_capture_on_commit_callbacks(execute=True):
        seam_answers(entrance_code)
    assert events(workspace_a, "booking.codes_ready") == []  # the front door is not set yet

    with django_capture_on_commit_callbacks(execute=True):
        seam_answers(front_code)
        seam_answers(front_code)
    with django_capture_on_commit_callbacks(execute=True):
        assert booking_codes_announce(workspace_id=workspace_a.pk, access_code_id=front_code.pk) is None
    [ready] = events(workspace_a, "booking.codes_ready")
    data = ready["data"]
    assert data["booking"]["id"] == booking.pk
    assert (data["booking"]["source"], data["booking"]["external_id"]) == ("hostaway", "B-1")
    assert data["pin"] == "0147"
    assert [(door["name"], door["pin"]) for door in data["doors"]] == [
        ("Entrance", "0147"),
        ("Front door", "0147"),
    ]
    front_code.refresh_from_db()
    assert data["doors"][1]["ends_at"] == front_code.ends_at.isoformat().replace("+00:00", "Z")
    assert (
        BookingEvent.objects.for_workspace(workspace_a).filter(booking=booking, kind="codes_ready").count()
        == 1
    )

    # One more night: both codes are changed; only when both are back in sync are they announced again.
    stay(workspace_a, two_door_unit, nights=3)
    with django_capture_on_commit_callbacks(execute=True):
        seam_answers(entrance_code)
    assert len(events(workspace_a, "booking.codes_ready")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        seam_answers(front_code)
    first, second = events(workspace_a, "booking.codes_ready")
    assert second["data"]["doors"][0]["ends_at"] > first["data"]["doors"][0]["ends_at"]


def test_codes_failed_names_the_door_seam_refused(
    workspace_a, two_door_unit, endpoint, django_capture_on_commit_callbacks
):
    booking = stay(workspace_a, two_door_unit)
    entrance_code, front_code = booking_codes(workspace_a, booking)
    with django_capture_on_commit_callbacks(execute=True):
        seam_answers(entrance_code)
        fail(access_code=front_code, message="Seam refused the request: PIN too short.")
    assert events(workspace_a, "booking.codes_ready") == []
    [failed] = events(workspace_a, "booking.codes_failed")
    [door] = failed["data"]["doors"]
    assert (door["name"], door["error"]) == ("Front door", "Seam refused the request: PIN too short.")
    assert failed["data"]["booking"]["external_id"] == "B-1"


def test_an_alert_opened_on_a_booking_is_announced_once(workspace_a, make_device, endpoint):
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 9")
    booking = stay(workspace_a, unit)
    stay(workspace_a, unit, nights=3)  # the same condition: the alert stays open, nothing new to say

    [opened] = events(workspace_a, "booking.alert_opened")
    assert opened["data"]["booking"]["id"] == booking.pk
    alert = Alert.objects.for_workspace(workspace_a).get(booking=booking)
    assert opened["data"]["alert"]["id"] == alert.pk
    assert opened["data"]["alert"]["kind"] == Alert.Kind.UNIT_WITHOUT_DOORS


def test_first_entry_is_sent_by_the_function_the_unlock_audit_calls(workspace_a, two_door_unit, endpoint):
    booking = stay(workspace_a, two_door_unit)
    entrance = booking_codes(workspace_a, booking)[0].device
    occurred_at = timezone.now()
    booking_first_entry_emit(booking=booking, device=entrance, occurred_at=occurred_at, data={"unlock_id": 5})
    [entry] = events(workspace_a, "booking.first_entry")
    assert entry["data"]["door"]["name"] == "Entrance"
    assert entry["data"]["unlock_id"] == 5
    assert entry["data"]["booking"]["external_id"] == "B-1"
