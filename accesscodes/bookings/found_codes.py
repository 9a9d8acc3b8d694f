"""A new booking claims the codes Seam already holds for it.

After the database is restored from a backup older than a booking, the booking system sends that booking
again, and a reconcile may already have found its codes in Seam and shown them as codes nobody in the
portal made. Planned from scratch, the booking would see its own PIN as someone else's and get another
one, leaving the guest with a PIN that no longer matches. Instead, a found code on one of the booking's
doors that carries the booking's name and overlaps its stay, and that no booking holds, becomes the
booking's own before it is planned: its PIN is kept and its window corrected if it differs.
"""

from accesscodes.bookings.models import Booking, BookingCode
from accesscodes.models import AccessCode
from accesscodes.selectors import OccupyingCodes
from accesscodes.services import access_code_event_record


def found_code_ids(*, booking: Booking, occupying: OccupyingCodes, device_ids) -> list[int]:
    """Codes found in Seam on these doors with the booking's name and an overlapping window (read from
    what the planner reads anyway: no query), candidates to be the booking's own."""
    name = booking.guest_name or "Guest"
    return [
        code_id
        for device_id in device_ids
        for code_id, code in occupying.get(device_id, ())
        if code_id in occupying.found_ids
        and code.name == name
        and (code.starts_at is None or code.starts_at < booking.check_out)
        and (code.ends_at is None or code.ends_at > booking.check_in)
    ]


def found_codes_claim(*, booking: Booking, candidate_ids: list[int]) -> list[BookingCode]:
    """Link the candidates that were found in Seam (never created by the portal, whose own rows would
    hold them through a booking), are managed through Seam (a code set in the lock's own app is not the
    portal's to change) and that no booking holds: at most one per door. The booking is saved."""
    workspace = booking.workspace_id
    held = BookingCode.objects.for_workspace(workspace).filter(access_code_id__in=candidate_ids)
    found = (
        AccessCode.objects.for_workspace(workspace)
        .filter(
            pk__in=candidate_ids, is_managed=True, create_attempted_at__isnull=True, removed_at__isnull=True
        )
        .exclude(seam_access_code_id="")
        .exclude(pk__in=held.values("access_code_id"))
        .order_by("device_id", "starts_at", "pk")
    )
    by_door = {}
    for access_code in found:
        by_door.setdefault(access_code.device_id, access_code)
    if not by_door:
        return []
    booking.save()
    links = BookingCode.objects.bulk_create(
        [
            BookingCode(workspace_id=workspace, booking=booking, access_code=access_code, device_id=device_id)
            for device_id, access_code in by_door.items()
        ]
    )
    for link, access_code in zip(links, by_door.values(), strict=True):
        link.access_code = access_code
        access_code_event_record(
            access_code=access_code,
            kind="linked",
            message=f"Claimed by booking {booking.external_id}, whose code it is: its PIN is kept.",
        )
    return links
