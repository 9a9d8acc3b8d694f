"""Defect found by the restore drill: a booking sent again after the database was restored from an older
backup saw its own codes, already found in Seam by a reconcile, as someone else's, and got another PIN
(the guest's message no longer matched any code). A new booking now claims a found code on its doors
that carries its name and overlaps its stay, on the single path and in a batch alike."""

import datetime as dt
import uuid

import pytest
from test_booking_services import days_ahead, rental, upsert  # noqa: F401  (a fixture)

from accesscodes.bookings.batch import bookings_upsert_batch
from accesscodes.bookings.models import BookingCode
from accesscodes.bookings.services import BookingUpsert
from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.services import access_code_adopt

pytestmark = pytest.mark.django_db


def found_in_seam(workspace, device, *, name="Ada Lovelace", code="7391", days=(10, 12), managed=True):
    """What a reconcile shows for a code in Seam that the restored database does not know."""
    starts_at = dt.datetime.combine(days_ahead(days[0]), dt.time(15), tzinfo=dt.UTC)
    return access_code_adopt(
        workspace=workspace,
        device=device,
        seam_code={
            "access_code_id": f"ac_{uuid.uuid4().hex}",
            "device_id": device.seam_device_id,
            "name": name,
            "code": code,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + dt.timedelta(days=days[1] - days[0])).isoformat(),
            "status": "set",
            "is_managed": managed,
        },
    )


def codes_of(workspace, booking):
    return {
        link.device_id: link.access_code
        for link in BookingCode.objects.for_workspace(workspace)
        .filter(booking=booking)
        .select_related("access_code")
    }


def test_a_new_booking_claims_its_code_found_in_seam_and_keeps_its_pin(workspace_a, rental):  # noqa: F811
    found = found_in_seam(workspace_a, rental["front"])

    booking = upsert(workspace_a, rental["unit"]).booking

    codes = codes_of(workspace_a, booking)
    assert codes[rental["front"].pk].pk == found.pk
    assert codes[rental["front"].pk].code == "7391"  # not the phone's 2468: the guest may hold 7391
    assert AccessCode.objects.for_workspace(workspace_a).filter(device=rental["front"]).count() == 1
    assert (
        AccessCodeEvent.objects.for_workspace(workspace_a).filter(access_code=found, kind="linked").exists()
    )
    # Its window is the stay's now (the property's check-in time, not the 15:00 UTC Seam had), sent to
    # Seam as a change.
    found.refresh_from_db()
    assert found.sync_state == AccessCode.SyncState.PENDING_UPDATE
    assert found.starts_at <= booking.check_in and found.ends_at >= booking.check_out
    assert (found.starts_at.hour, found.starts_at.minute) != (15, 0)


def test_a_found_code_with_another_name_stays_someone_elses(workspace_a, rental):  # noqa: F811
    found = found_in_seam(workspace_a, rental["front"], name="Cleaner", code="2468")

    booking = upsert(workspace_a, rental["unit"]).booking

    front = codes_of(workspace_a, booking)[rental["front"].pk]
    assert front.pk != found.pk and front.code != "2468"


def test_a_code_set_in_the_locks_own_app_is_not_claimed(workspace_a, rental):  # noqa: F811
    found = found_in_seam(workspace_a, rental["front"], managed=False)

    booking = upsert(workspace_a, rental["unit"]).booking

    assert codes_of(workspace_a, booking)[rental["front"].pk].pk != found.pk


def test_a_code_the_portal_made_for_another_booking_is_never_claimed(workspace_a, rental):  # noqa: F811
    first = upsert(workspace_a, rental["unit"], external_id="B-1").booking
    first_front = codes_of(workspace_a, first)[rental["entrance"].pk]

    second_unit = rental["unit"].__class__.objects.create(
        workspace=workspace_a, property=rental["property"], name="Flat 2", external_id="L-2"
    )
    second = upsert(workspace_a, second_unit, external_id="B-2").booking  # same name, same shared entrance

    assert codes_of(workspace_a, second)[rental["entrance"].pk].pk != first_front.pk


def test_a_batch_claims_found_codes_too(workspace_a, rental):  # noqa: F811
    found = found_in_seam(workspace_a, rental["front"])
    item = BookingUpsert(
        source="ical", external_id="R-9", unit=rental["unit"], check_in=days_ahead(10), check_out=days_ahead(12),
        guest_name="Ada Lovelace",
    )  # fmt: skip

    (outcome,) = bookings_upsert_batch(workspace=workspace_a, items=[item])

    assert outcome.result == "created"
    assert codes_of(workspace_a, outcome.booking)[rental["front"].pk].pk == found.pk
