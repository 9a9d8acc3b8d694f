"""Many bookings upserted in one transaction, for imports where bookings arrive together (a calendar feed).

`bookings_upsert_batch` gives each item what `booking_upsert` gives it, built from the same steps
(services.py), but writes the new bookings of a batch together: one locked read of the batch's existing
bookings, one lock of every door of the batch's units (in id order, read with the codes occupying them),
then each new booking planned in order against those codes and the codes planned for the bookings before
it, and one insert per table (bookings, codes, their history, links, timeline) for them all; one task
pushes all their codes to Seam after commit. A new booking costs a constant number of statements per
batch, plus an alert's own where the plan opens one (a unit without doors, a door with no code possible).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accesscodes.bookings.found_codes import found_code_ids
from accesscodes.bookings.models import Booking, BookingCode, BookingEvent, Property, Unit
from accesscodes.bookings.plan_diff import Action, Step, plan_diff
from accesscodes.bookings.planner import Plan
from accesscodes.bookings.selectors import unit_door_ids_by_unit
from accesscodes.bookings.services import (
    BookingOutcome,
    BookingUpsert,
    _booking_change,
    _booking_values,
    _code_drafts,
    _code_links,
    _plan_for,
    _record_creates,
    _record_plan,
    booking_upsert,
)
from accesscodes.bookings.timeline import BookingTimeline
from accesscodes.services import AccessCodesBatch, LockedDevices, devices_lock
from devices.models import Device

logger = logging.getLogger(__name__)


def bookings_upsert_batch(*, workspace, items: list[BookingUpsert], now=None) -> list[BookingOutcome]:
    """Upsert the items in one transaction; one outcome per item, in the items' order, as `booking_upsert`
    gives it (created / updated / unchanged / stale), or `failed` with why in `error` (a `ValidationError`
    for a refusal).

    - An item the rules refuse (its own fields, a unit of another workspace, a code a door refuses) fails
      alone: nothing of it is written and the other items are applied.
    - Items are applied in order: an existing booking (or an item repeating one of this batch) goes through
      `booking_upsert` itself, after the new bookings before it are written, so it sees them.
    - Any other error (the database's, e.g. a booking created meanwhile by another transaction) rolls the
      whole batch back, and every item is then applied on its own with `booking_upsert`, in its own
      transaction: an item's failure, whatever it is, is then recorded on its outcome (and logged when it is
      not a refusal), so one item can never stop the others.
    """
    if not items:
        return []
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _Batch(workspace=workspace, items=items, now=now).run()
    except Exception:
        logger.exception("A batch of %d bookings was rolled back; applying them one by one", len(items))
    return [_upsert_alone(workspace=workspace, item=item, now=now) for item in items]


def _upsert_alone(*, workspace, item: BookingUpsert, now) -> BookingOutcome:
    try:
        return booking_upsert(workspace=workspace, now=now, **item.as_kwargs())
    except ValidationError as error:
        return BookingOutcome(booking=None, result="failed", error=error)
    except Exception as error:  # one booking must not stop the others
        logger.exception("Booking %s:%s could not be upserted", item.source, item.external_id)
        return BookingOutcome(booking=None, result="failed", error=error)


@dataclass
class _NewBooking:
    booking: Booking
    timeline: BookingTimeline
    plan: Plan
    wants_codes: bool
    devices: list[Device]
    steps: tuple[Step, ...]
    creates: list[Step]
    access_codes: list


class _Batch:
    def __init__(self, *, workspace, items: list[BookingUpsert], now):
        self.workspace, self.items, self.now = workspace, items, now
        self.pending: list[_NewBooking] = []

    def run(self) -> list[BookingOutcome]:
        existing = self._existing_keys()
        units = self._units()
        self.door_ids = unit_door_ids_by_unit(workspace=self.workspace, units=list(units.values()))
        every_door = sorted({pk for ids in self.door_ids.values() for pk in ids})
        self.locked = devices_lock(workspace=self.workspace, device_ids=every_door)
        self.codes = AccessCodesBatch(workspace=self.workspace, devices=self.locked)
        outcomes, planned = [], set()
        for item in self.items:
            key = (item.source, item.external_id)
            if key in existing or key in planned:
                outcomes.append(self._upsert_existing(item))
                continue
            try:
                new = self._plan_new(item)
            except ValidationError as error:
                outcomes.append(BookingOutcome(booking=None, result="failed", error=error))
                continue
            if new is None:
                outcomes.append(self._upsert_existing(item))
                continue
            planned.add(key)
            self.pending.append(new)
            outcomes.append(
                BookingOutcome(
                    booking=new.booking,
                    result="created",
                    plan=new.plan if new.wants_codes else None,
                    steps=new.steps,
                )
            )
        self._write()
        self.codes.push_on_commit()
        return outcomes

    def _existing_keys(self) -> set[tuple[str, str]]:
        """The batch's bookings that exist, locked (in id order) until the batch commits."""
        by_source = defaultdict(set)
        for item in self.items:
            by_source[item.source].add(item.external_id)
        pairs = Q()
        for source, external_ids in by_source.items():
            pairs |= Q(source=source, external_id__in=sorted(external_ids))
        return set(
            Booking.objects.for_workspace(self.workspace)
            .select_for_update()
            .filter(pairs)
            .order_by("pk")
            .values_list("source", "external_id")
        )

    def _units(self) -> dict[int, Unit]:
        """The batch's units of this workspace, each with its property (read once for those without)."""
        units = {
            item.unit.pk: item.unit for item in self.items if item.unit.workspace_id == self.workspace.pk
        }
        missing = {unit.property_id for unit in units.values() if not Unit.property.is_cached(unit)}
        if missing:
            properties = Property.objects.for_workspace(self.workspace).in_bulk(missing)
            for unit in units.values():
                if not Unit.property.is_cached(unit):
                    unit.property = properties[unit.property_id]
        return units

    def _upsert_existing(self, item: BookingUpsert) -> BookingOutcome:
        """The rare case in an import: the single booking's path, after the new bookings before it are
        written; it changes codes on the locks behind this batch's back, so their read is dropped."""
        self._write()
        try:
            return booking_upsert(workspace=self.workspace, now=self.now, **item.as_kwargs())
        except ValidationError as error:
            return BookingOutcome(booking=None, result="failed", error=error)
        finally:
            self.locked.forget_occupying_codes()

    def _plan_new(self, item: BookingUpsert) -> _NewBooking | None:
        """`booking_upsert`'s steps for a new booking (see `_apply`), its codes judged but not yet written;
        None when its doors hold codes found in Seam that may be its own: the single path claims them."""
        values = _booking_values(
            workspace=self.workspace, unit=item.unit, check_in=item.check_in, check_out=item.check_out,
            guest_name=item.guest_name, guest_email=item.guest_email, guest_phone=item.guest_phone,
            provided_pin=item.provided_pin, status=item.status,
        )  # fmt: skip
        booking = Booking(workspace=self.workspace, source=item.source, external_id=item.external_id)
        timeline = _booking_change(booking, values, source_updated_at=item.source_updated_at, created=True)
        devices = _doors(self.locked, self.door_ids[item.unit.pk])
        occupying = self.locked.occupying_codes()
        if found_code_ids(booking=booking, occupying=occupying, device_ids=[device.pk for device in devices]):
            return None
        the_plan = _plan_for(booking=booking, devices=devices, occupying=occupying, links=[], now=self.now)
        wants_codes = booking.status == Booking.Status.CONFIRMED
        if wants_codes:
            pins = {planned.code for planned in the_plan.codes if planned.code}
            booking.pin = pins.pop() if len(pins) == 1 else ""
        steps = plan_diff(plan=the_plan if wants_codes else None, existing=())
        creates = [step for step in steps if step.action is Action.CREATE]
        access_codes = self.codes.add(_code_drafts(creates))
        _record_creates(timeline, creates)
        return _NewBooking(booking, timeline, the_plan, wants_codes, devices, steps, creates, access_codes)

    def _write(self) -> None:
        """The new bookings planned so far, their codes, links and timelines: one insert per table."""
        if not self.pending:
            return
        Booking.objects.bulk_create([new.booking for new in self.pending])
        self.codes.write()
        BookingCode.objects.bulk_create(
            [link for new in self.pending for link in _code_links(new.booking, new.creates, new.access_codes)]
        )
        for new in self.pending:
            if new.wants_codes:
                _record_plan(new.booking, new.timeline, new.plan, new.devices, created=True)
        BookingEvent.objects.bulk_create([entry for new in self.pending for entry in new.timeline.entries])
        self.pending = []


def _doors(locked: LockedDevices, device_ids: list[int]) -> list[Device]:
    return [locked[pk] for pk in device_ids if pk in locked and not locked[pk].is_removed]
