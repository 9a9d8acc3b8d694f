"""The cross-workspace matrix of the hooks, with two workspaces (tests/matrix_world.py):

- a booking source of A (its URL token and its secret) never creates or changes a booking of B: a payload
  naming B's unit (by id or external id) or B's booking is accepted and then fails (or is ignored) with the
  documented reason, and nothing of B changes; A's URL signed with B's secret, or B's URL with A's, is 401;
- a Seam webhook to A's endpoint carrying an event about B's device, access code or connected account
  changes nothing of B, for every event type a handler is registered for (generated from the handler
  table, so a new handler cannot be forgotten); B's endpoint refuses A's signature;
- the tasks take ids: A's delivery or event processed under B's workspace id finds nothing and changes
  nothing."""

import datetime as dt
import json

import pytest
from hook_signing import booking_data, hook_body, signed_headers
from matrix_world import world_fixture
from tenant_snapshot import foreign_references, tenant_snapshot

from accesscodes.bookings.models import Booking, BookingHookDelivery, Unit
from accesscodes.bookings.services import booking_upsert
from accesscodes.bookings.tasks import process_booking_hook
from accesscodes.event_handlers import DELETED, LIFECYCLE_EVENTS
from devices.event_handlers import HEALTH_CHANGES
from portal import seam_events
from portal.hooks.tasks import process_seam_event
from portal.models import SeamEvent
from tests.events.conftest import seam_event
from tests.events.conftest import signed_headers as seam_signed_headers

world = world_fixture()
pytestmark = pytest.mark.django_db
Status = BookingHookDelivery.Status
NO_SUCH_UNIT = "No such unit in this workspace."


def snapshots(alpha, bravo) -> tuple[dict, dict]:
    return tenant_snapshot(alpha.workspace), tenant_snapshot(bravo.workspace)


# -- booking hooks -----------------------------------------------------------------------------------


def send_hook(client, path, body: bytes, secret: str):
    return client.post(path, body, content_type="application/json", headers=signed_headers(secret, body))


def received_and_processed(client, w, body: bytes) -> BookingHookDelivery:
    """`body` sent to `w`'s source with its own secret (202), then processed as its task does."""
    response = send_hook(client, w.hook_path, body, w.hook_secret)
    assert response.status_code == 202, response.content
    delivery_id = response.json()["id"]
    process_booking_hook(w.workspace.pk, delivery_id)
    return BookingHookDelivery.objects.for_workspace(w.workspace).get(pk=delivery_id)


def bravo_booking_under_alphas_source_key(alpha, bravo) -> Booking:
    """B's booking whose source key and external id are exactly what A's source would name."""
    return booking_upsert(
        workspace=bravo.workspace,
        unit=bravo.unit,
        source=alpha.source.key,
        external_id="R-7",
        guest_name="Bravo guest",
        check_in=dt.date.fromisoformat(booking_data()["check_in"]),
        check_out=dt.date.fromisoformat(booking_data()["check_out"]),
    ).booking


def payload_naming_bs_unit_id(alpha, bravo) -> tuple[bytes, str, str]:
    data = {**booking_data(external_id="R-1"), "unit_id": bravo.unit.pk}
    del data["unit_external_id"]
    return hook_body(**data), Status.FAILED, f"unit_id: {NO_SUCH_UNIT}"


def payload_naming_bs_unit_external_id(alpha, bravo) -> tuple[bytes, str, str]:
    Unit.objects.create(
        workspace=bravo.workspace, property=bravo.property, name="Bravo only", external_id="BRAVO-ONLY"
    )
    body = hook_body(**booking_data(external_id="R-2", unit_external_id="BRAVO-ONLY"))
    return body, Status.FAILED, f"unit_external_id: {NO_SUCH_UNIT}"


def update_of_bs_booking_in_bs_unit(alpha, bravo) -> tuple[bytes, str, str]:
    booking = bravo_booking_under_alphas_source_key(alpha, bravo)
    data = {**booking_data(external_id=booking.external_id, guest_name="Hijacked"), "unit_id": bravo.unit.pk}
    del data["unit_external_id"]
    return hook_body("booking.updated", **data), Status.FAILED, f"unit_id: {NO_SUCH_UNIT}"


def cancellation_of_bs_booking(alpha, bravo) -> tuple[bytes, str, str]:
    booking = bravo_booking_under_alphas_source_key(alpha, bravo)
    body = hook_body("booking.cancelled", external_id=booking.external_id)
    return body, Status.IGNORED, f"No booking {booking.external_id} from this source to cancel."


def update_of_bs_booking_id_in_as_unit(alpha, bravo) -> tuple[bytes, str, str]:
    """The same external id in A's own unit is A's booking: created in A, B's untouched."""
    booking = bravo_booking_under_alphas_source_key(alpha, bravo)
    body = hook_body("booking.updated", **booking_data(external_id=booking.external_id, guest_name="Alpha"))
    return body, Status.PROCESSED, "Booking created."


@pytest.mark.parametrize(
    "payload",
    [
        payload_naming_bs_unit_id,
        payload_naming_bs_unit_external_id,
        update_of_bs_booking_in_bs_unit,
        cancellation_of_bs_booking,
        update_of_bs_booking_id_in_as_unit,
    ],
)
def test_as_booking_source_never_creates_or_changes_a_booking_of_b(client, world, payload):
    alpha, bravo = world
    body, status, outcome = payload(alpha, bravo)
    bravo_before = tenant_snapshot(bravo.workspace)

    delivery = received_and_processed(client, alpha, body)

    assert (delivery.status, delivery.outcome) == (status, outcome)
    assert delivery.booking is None or delivery.booking.workspace_id == alpha.workspace.pk
    assert tenant_snapshot(bravo.workspace) == bravo_before
    assert foreign_references(alpha.workspace) == []


@pytest.mark.parametrize(("url_of", "secret_of"), [("alpha", "bravo"), ("bravo", "alpha")])
def test_a_hook_signed_with_the_other_workspaces_secret_is_401_and_stores_nothing(
    client, world, url_of, secret_of
):
    worlds = dict(zip(("alpha", "bravo"), world, strict=True))
    body = hook_body(**booking_data(external_id="R-9"))
    before = snapshots(*world)

    response = send_hook(client, worlds[url_of].hook_path, body, worlds[secret_of].hook_secret)

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthorized"
    assert snapshots(*world) == before


def test_as_delivery_processed_under_bs_id_finds_nothing(client, world):
    alpha, bravo = world
    response = send_hook(
        client, alpha.hook_path, hook_body(**booking_data(external_id="R-3")), alpha.hook_secret
    )
    delivery_id = response.json()["id"]
    before = snapshots(alpha, bravo)

    assert process_booking_hook(bravo.workspace.pk, delivery_id) is None

    assert snapshots(alpha, bravo) == before


# -- Seam webhooks -----------------------------------------------------------------------------------


def concrete_event_types() -> list[str]:
    """Every event type the handlers registered in the apps act on, the prefixes ("device") spelled out."""
    by_prefix = {
        "device": [*HEALTH_CHANGES, "device.updated"],
        "access_code": [*LIFECYCLE_EVENTS, DELETED, "access_code.created", "access_code.unmanaged.created"],
    }
    prefixes = {prefix for prefix, _ in seam_events._handlers}
    return sorted(event_type for prefix in prefixes for event_type in by_prefix.get(prefix, [prefix]))


EVENT_TYPES = concrete_event_types()


def test_every_registered_handler_is_in_the_matrix():
    prefixes = {prefix for prefix, _ in seam_events._handlers}
    assert len(prefixes) >= 4
    unmatched = sorted(
        prefix
        for prefix in prefixes
        if not any(event_type == prefix or event_type.startswith(prefix + ".") for event_type in EVENT_TYPES)
    )
    assert unmatched == [], (
        f"spell out the event types of these handler prefixes in concrete_event_types: {unmatched}"
    )


def about(w) -> dict:
    """The ids by which Seam's events name `w`'s device, access code and connected account."""
    return {
        "device_id": w.door.seam_device_id,
        "access_code_id": w.access_code.seam_access_code_id,
        "connected_account_id": w.account.seam_connected_account_id,
    }


def deliver(client, endpoint, event: dict, secret=None):
    body = json.dumps(event)
    headers = seam_signed_headers(body, secret or str(endpoint.secret))
    return client.post(endpoint.path, data=body, content_type="application/json", **headers)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_an_event_about_bs_objects_sent_to_as_endpoint_changes_nothing_of_b(client, world, event_type):
    alpha, bravo = world
    event = seam_event(event_type, **about(bravo))
    bravo_before = tenant_snapshot(bravo.workspace)

    response = deliver(client, alpha.seam_endpoint, event)
    assert response.status_code == 200, response.content
    stored = SeamEvent.objects.for_workspace(alpha.workspace).get(seam_event_id=event["event_id"])
    process_seam_event(alpha.workspace.pk, stored.pk)

    assert tenant_snapshot(bravo.workspace) == bravo_before
    assert (
        not SeamEvent.objects.for_workspace(bravo.workspace).filter(seam_event_id=event["event_id"]).exists()
    )


def test_the_control_an_event_about_as_own_device_does_change_a(client, world):
    """The same request about A's own door changes it, so the unchanged B above means scoping."""
    alpha, _ = world
    event = seam_event("device.disconnected", **about(alpha))
    response = deliver(client, alpha.seam_endpoint, event)
    stored = SeamEvent.objects.for_workspace(alpha.workspace).get(seam_event_id=event["event_id"])
    process_seam_event(alpha.workspace.pk, stored.pk)
    alpha.door.refresh_from_db()
    assert (response.status_code, alpha.door.online) == (200, False)


def test_bs_endpoint_refuses_as_signature(client, world):
    alpha, bravo = world
    before = snapshots(alpha, bravo)
    response = deliver(
        client, bravo.seam_endpoint, seam_event("device.removed", **about(bravo)), alpha.seam_endpoint.secret
    )
    assert response.status_code == 401
    assert snapshots(alpha, bravo) == before


def test_as_event_processed_under_bs_id_finds_nothing(client, world):
    alpha, bravo = world
    event = seam_event("device.removed", **about(alpha))
    deliver(client, alpha.seam_endpoint, event)
    stored = SeamEvent.objects.for_workspace(alpha.workspace).get(seam_event_id=event["event_id"])
    before = snapshots(alpha, bravo)

    assert process_seam_event(bravo.workspace.pk, stored.pk) == "missing"

    assert snapshots(alpha, bravo) == before
