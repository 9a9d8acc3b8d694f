"""Write side of bookings: store a booking, plan its codes, and apply only the difference.

`booking_upsert` and `booking_cancel` run in one transaction: the booking, its codes (through the
access-code services, which run the provider rules in `full_clean()`), its timeline and its alerts are
written together or not at all, and the Seam work is queued on commit by the access-code services.
The same input twice changes nothing.

The doors are locked and read in one statement, new codes are created in one batch
(`access_codes_create`: each still judged by the provider rules), and the links and the timeline are
written in one insert each, so a booking costs a constant, small number of queries.
"""

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from accesscodes.bookings.alerts import alert_open, alerts_resolve
from accesscodes.bookings.found_codes import found_code_ids, found_codes_claim
from accesscodes.bookings.models import Alert, Booking, BookingCode, Unit
from accesscodes.bookings.plan_diff import Action, Step, plan_diff
from accesscodes.bookings.planner import BookingFacts, Kind, Plan, plan, stay_moment
from accesscodes.bookings.selectors import (
    booking_codes_active,
    code_policy,
    door_facts,
    effective_policy,
    existing_codes,
    property_zone,
    unit_door_ids,
    unit_doors,
)
from accesscodes.bookings.timeline import BookingTimeline, booking_event_record
from accesscodes.selectors import occupying_codes
from accesscodes.services import (
    NewAccessCode,
    access_code_delete,
    access_code_update,
    access_codes_create,
    devices_lock,
)
from devices.models import Device

# Alerts about the codes a confirmed booking needs: they no longer apply once it is cancelled.
CODE_ALERTS = [
    Alert.Kind.NOT_READY,
    Alert.Kind.NO_CODE_POSSIBLE,
    Alert.Kind.UNIT_WITHOUT_DOORS,
    Alert.Kind.PIN_CHANGED,
]


@dataclass
class BookingOutcome:
    booking: Booking | None  # None only for an item of a batch that failed
    result: str  # created / updated / unchanged / stale / cancelled; failed (a batch's item only)
    plan: Plan | None = None
    steps: tuple[Step, ...] = field(default_factory=tuple)
    error: Exception | None = None  # why a batch's item failed


@dataclass(frozen=True)
class BookingUpsert:
    """One booking to create or update: what `booking_upsert` takes, for `bookings_upsert_batch`."""

    source: str
    external_id: str
    unit: Unit
    check_in: date | datetime
    check_out: date | datetime
    guest_name: str = ""
    guest_email: str = ""
    guest_phone: str = ""
    provided_pin: str = ""
    status: str = Booking.Status.CONFIRMED
    source_updated_at: datetime | None = None

    def as_kwargs(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _stay_moment(value, *, default_time, property) -> datetime:
    if isinstance(value, date | datetime):
        return stay_moment(value, default_time=default_time, zone=property_zone(property))
    raise ValidationError("Check-in and check-out must be dates or date-times.")


@transaction.atomic
def booking_upsert(
    *,
    workspace,
    source: str,
    external_id: str,
    unit: Unit,
    check_in: date | datetime,
    check_out: date | datetime,
    guest_name: str = "",
    guest_email: str = "",
    guest_phone: str = "",
    provided_pin: str = "",
    status: str = Booking.Status.CONFIRMED,
    source_updated_at: datetime | None = None,
    now: datetime | None = None,
) -> BookingOutcome:
    """Create or update the booking (source + external id) and make its doors hold exactly its plan.
    A date without a time means the property's check-in / check-out time in the property's zone."""
    now = now or timezone.now()
    values = _booking_values(
        workspace=workspace, unit=unit, check_in=check_in, check_out=check_out, guest_name=guest_name,
        guest_email=guest_email, guest_phone=guest_phone, provided_pin=provided_pin, status=status,
    )  # fmt: skip
    booking = (
        Booking.objects.for_workspace(workspace)
        .select_for_update()
        .filter(source=source, external_id=external_id)
        .first()
    )
    if booking is not None and _is_stale(booking, source_updated_at):
        _record_stale(booking, source_updated_at)
        return BookingOutcome(booking=booking, result="stale")
    created = booking is None
    if created:
        booking = Booking(workspace=workspace, source=source, external_id=external_id)
    timeline = _booking_change(booking, values, source_updated_at=source_updated_at, created=created)
    if timeline is None:
        return BookingOutcome(booking=booking, result="unchanged")
    the_plan, steps = _apply(booking=booking, timeline=timeline, now=now, created=created)
    return BookingOutcome(
        booking=booking, result="created" if created else "updated", plan=the_plan, steps=steps
    )


def _booking_values(*, workspace, unit: Unit, check_in, check_out, **fields) -> dict:
    """The booking's fields as stored: a date alone means the property's time in the property's zone."""
    if unit.workspace_id != workspace.pk:
        raise ValidationError({"unit": "This unit belongs to another workspace."})
    property = unit.property
    return {
        "unit": unit,
        "guest_name": fields["guest_name"],
        "guest_email": fields["guest_email"],
        "guest_phone": fields["guest_phone"],
        "provided_pin": fields["provided_pin"],
        "check_in": _stay_moment(check_in, default_time=property.check_in_time, property=property),
        "check_out": _stay_moment(check_out, default_time=property.check_out_time, property=property),
        "status": fields["status"],
    }


def _booking_change(booking: Booking, values: dict, *, source_updated_at, created) -> BookingTimeline | None:
    """Set the values on the booking, validate it and start its timeline with what was received; None when
    an existing booking already has these values."""
    changed = [name for name, value in values.items() if getattr(booking, name, None) != value]
    if not created and not changed:
        return None
    for name, value in values.items():
        setattr(booking, name, value)
    if source_updated_at is not None:
        booking.source_updated_at = source_updated_at
    _booking_clean(booking)
    timeline = BookingTimeline(booking)
    timeline.add(
        kind="received",
        message="Booking received." if created else f"Booking changed: {', '.join(changed)}.",
        data={"fields": changed},
    )
    return timeline


@transaction.atomic
def booking_cancel(
    *, booking: Booking, source_updated_at: datetime | None = None, now=None
) -> BookingOutcome:
    booking = Booking.objects.for_workspace(booking.workspace_id).select_for_update().get(pk=booking.pk)
    if _is_stale(booking, source_updated_at):
        _record_stale(booking, source_updated_at)
        return BookingOutcome(booking=booking, result="stale")
    if booking.status == Booking.Status.CANCELLED:
        return BookingOutcome(booking=booking, result="unchanged")
    booking.status = Booking.Status.CANCELLED
    if source_updated_at is not None:
        booking.source_updated_at = source_updated_at
    timeline = BookingTimeline(booking)
    timeline.add(kind="cancelled", message="Booking cancelled.")
    the_plan, steps = _apply(booking=booking, timeline=timeline, now=now or timezone.now(), created=False)
    return BookingOutcome(booking=booking, result="cancelled", plan=the_plan, steps=steps)


@transaction.atomic
def booking_replan(*, booking: Booking, reason: str, now=None) -> BookingOutcome:
    """Make the doors hold the booking's plan again after something it depends on changed outside it: its
    unit's or property's doors, or their code policy. A door the unit gained gets its code, a door it lost
    has the code removed, a code the policy now plans otherwise is changed; PINs already on locks stay.
    A booking cancelled or over is left as it is."""
    now = now or timezone.now()
    booking = (
        Booking.objects.for_workspace(booking.workspace_id)
        .select_for_update(of=("self",))
        .select_related("workspace", "unit__property")
        .get(pk=booking.pk)
    )
    if booking.status != Booking.Status.CONFIRMED or booking.check_out <= now:
        return BookingOutcome(booking=booking, result="unchanged")
    timeline = BookingTimeline(booking)
    timeline.add(kind="replanned", message=reason)
    the_plan, steps = _apply(booking=booking, timeline=timeline, now=now, created=False)
    changed = any(step.action is not Action.KEEP for step in steps)
    return BookingOutcome(
        booking=booking, result="updated" if changed else "unchanged", plan=the_plan, steps=steps
    )


def booking_preview(
    *, workspace, unit: Unit, check_in, check_out, guest_name="", guest_phone="", provided_pin="",
    source: str = "", external_id: str = "", now=None,
) -> tuple[Plan, tuple[Step, ...]]:  # fmt: skip
    """What this booking would do, without saving anything: the plan, and the steps from the codes an
    existing booking with this source and id has now."""
    now = now or timezone.now()
    property = unit.property
    booking = (
        Booking.objects.for_workspace(workspace).filter(source=source, external_id=external_id).first()
        if source and external_id
        else None
    ) or Booking(workspace=workspace, source=source or "preview", external_id=external_id or "preview")
    booking.unit = unit
    booking.guest_name, booking.guest_phone, booking.provided_pin = guest_name, guest_phone, provided_pin
    booking.check_in = _stay_moment(check_in, default_time=property.check_in_time, property=property)
    booking.check_out = _stay_moment(check_out, default_time=property.check_out_time, property=property)
    booking.status = Booking.Status.CONFIRMED
    devices = unit_doors(workspace=workspace, unit=unit)
    links = booking_codes_active(workspace=workspace, booking=booking)
    occupying = occupying_codes(workspace=workspace, device_ids=[device.pk for device in devices])
    the_plan = _plan_for(booking=booking, devices=devices, occupying=occupying, links=links, now=now)
    return the_plan, plan_diff(plan=the_plan, existing=existing_codes(links))


# -- applying a plan ---------------------------------------------------------------------------------

# The check constraint's own message, given when this service checks it in Python (see _booking_clean).
STAY_ORDER_MESSAGE = next(
    constraint.violation_error_message
    for constraint in Booking._meta.constraints
    if constraint.name == "booking_check_out_after_check_in"
)


def _booking_clean(booking: Booking) -> None:
    """`full_clean()` without the queries that prove what this service already holds: the workspace and
    the unit are rows it was given (clean() checks the unit is the workspace's), and the locked read of
    source + external id found this booking or none (the unique constraint still guards a race). The
    check-out-after-check-in constraint is checked here in Python rather than by a query."""
    errors = {}
    try:
        booking.full_clean(exclude=["workspace", "unit"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if booking.check_in and booking.check_out and booking.check_out <= booking.check_in:
        errors.setdefault(NON_FIELD_ERRORS, []).append(STAY_ORDER_MESSAGE)
    if errors:
        raise ValidationError(errors)


def _plan_for(
    *, booking: Booking, devices: list[Device], occupying, links: list[BookingCode], now, rotation_seed=""
) -> Plan:
    facts = BookingFacts(
        reference=booking.reference,
        guest_name=booking.guest_name or "Guest",
        guest_phone=booking.guest_phone,
        provided_pin=booking.provided_pin,
        check_in=booking.check_in,
        check_out=booking.check_out,
        pins_on_locks={
            link.device_id: link.access_code.code
            for link in links
            if link.access_code.code and not link.access_code.is_offline_access_code
        },
        rotation_seed=rotation_seed,
    )
    own_codes = [link.access_code_id for link in links]
    doors = door_facts(devices=devices, occupying=occupying, own_access_code_ids=own_codes)
    unit = booking.unit
    policy = code_policy(effective_policy(unit=unit, property=unit.property))
    return plan(booking=facts, policy=policy, zone=property_zone(unit.property), doors=doors, now=now)


def _apply(
    *, booking: Booking, timeline: BookingTimeline, now, created: bool, rotation_seed: str = ""
) -> tuple[Plan | None, tuple[Step, ...]]:
    """Plan, save the booking (with the PIN the plan gives), and apply the steps. Every door of the stay is
    locked (in a stable order, with the read of the doors) before any PIN is chosen, so two bookings
    planned at once cannot both take the same PIN or the last slot on a door."""
    workspace = booking.workspace_id
    locked = devices_lock(
        workspace=workspace, device_ids=unit_door_ids(workspace=workspace, unit=booking.unit)
    )
    devices = [device for device in locked.values() if not device.is_removed]
    links = [] if created else booking_codes_active(workspace=workspace, booking=booking)
    occupying = locked.occupying_codes()
    if created:
        candidates = found_code_ids(booking=booking, occupying=occupying, device_ids=[d.pk for d in devices])
        if candidates:
            links = found_codes_claim(booking=booking, candidate_ids=candidates)
    the_plan = _plan_for(
        booking=booking,
        devices=devices,
        occupying=occupying,
        links=links,
        now=now,
        rotation_seed=rotation_seed,
    )
    wants_codes = booking.status == Booking.Status.CONFIRMED
    if wants_codes:
        # One PIN for the whole stay when every door has the same; otherwise each door's PIN is on its code.
        pins = {planned.code for planned in the_plan.codes if planned.code}
        booking.pin = pins.pop() if len(pins) == 1 else ""
    booking.save()
    steps = plan_diff(plan=the_plan if wants_codes else None, existing=existing_codes(links))
    if rotation_seed:
        steps = rotation_steps(steps)
    links_by_id = {link.pk: link for link in links}
    # Removals first, so a door's new code is judged against what stays on the lock.
    for step in steps:
        if step.action is not Action.CREATE:
            _apply_step(booking, timeline, step, links_by_id, locked, now)
    _create_codes(booking, timeline, [step for step in steps if step.action is Action.CREATE], locked)
    if not wants_codes:
        if not created:
            alerts_resolve(booking=booking, kinds=CODE_ALERTS)
        timeline.save()
        return None, steps
    _record_plan(booking, timeline, the_plan, devices, created=created)
    timeline.save()
    return the_plan, steps


def _create_codes(booking: Booking, timeline: BookingTimeline, creates: list[Step], locked) -> None:
    new_codes = access_codes_create(workspace=booking.workspace, devices=locked, drafts=_code_drafts(creates))
    BookingCode.objects.bulk_create(_code_links(booking, creates, new_codes))
    _record_creates(timeline, creates)


def _code_drafts(creates: list[Step]) -> list[NewAccessCode]:
    return [
        NewAccessCode(
            device_id=step.planned.door_key,
            name=step.planned.name,
            code=step.planned.code or "",
            starts_at=step.planned.starts_at,
            ends_at=step.planned.ends_at,
            is_offline_access_code=step.planned.is_offline_access_code,
            is_one_time_use=step.planned.kind is Kind.ONE_TIME,
            max_time_rounding=step.planned.max_time_rounding,
            use_backup_access_code_pool=step.planned.use_backup_access_code_pool,
            common_code_key=step.planned.common_code_key or "",
        )
        for step in creates
    ]


def _code_links(booking: Booking, creates: list[Step], access_codes) -> list[BookingCode]:
    """The booking's links to its new codes (saved by the time the links are: their ids are read then)."""
    return [
        BookingCode(
            workspace_id=booking.workspace_id,
            booking=booking,
            access_code=access_code,
            device_id=step.planned.door_key,
            part=step.planned.part,
        )
        for step, access_code in zip(creates, access_codes, strict=True)
    ]


def _record_creates(timeline: BookingTimeline, creates: list[Step]) -> None:
    for step in creates:
        message = f"Code planned for {step.planned.door_name}; sending to Seam."
        _record_step(timeline, step, "code_created", message)


def _apply_step(booking: Booking, timeline: BookingTimeline, step: Step, links_by_id, devices, now) -> None:
    link = links_by_id.get(step.existing.code_id) if step.existing else None
    if step.action is Action.UPDATE:
        planned = step.planned
        changes = {"starts_at": planned.starts_at, "ends_at": planned.ends_at, "name": planned.name}
        if planned.code is not None:
            changes["code"] = planned.code
        access_code_update(access_code=link.access_code, devices=devices, **changes)
        _record_step(
            timeline,
            step,
            "code_changed",
            f"Code on {planned.door_name} changed ({', '.join(step.changes)}).",
        )
    elif step.action is Action.DELETE:
        access_code_delete(access_code=link.access_code, devices=devices)
        link.released_at = now
        link.save(update_fields=["released_at"])
        _record_step(
            timeline,
            step,
            "code_removed",
            f"Code on {devices.get(link.device_id, link.device)} removed: {step.reason}",
        )
    elif step.action is Action.LEAVE_OFFLINE:
        link.released_at = now
        link.save(update_fields=["released_at"])
        _record_step(timeline, step, "offline_code_left", step.reason)
        alert_open(
            booking=booking,
            device_id=link.device_id,
            kind=Alert.Kind.OFFLINE_CODE_STILL_VALID,
            message=f"{link.device}: {step.reason}",
        )


def _record_step(timeline: BookingTimeline, step: Step, kind: str, message: str) -> None:
    timeline.add(kind=kind, message=message, data={"reason": step.reason})


def _record_plan(booking: Booking, timeline: BookingTimeline, the_plan: Plan, devices, *, created) -> None:
    """Open the alerts the plan calls for and resolve those it no longer does (a booking created in this
    transaction has none to resolve)."""
    if not devices:
        alert_open(
            booking=booking,
            device_id=None,
            kind=Alert.Kind.UNIT_WITHOUT_DOORS,
            message=f"{booking.unit} has no doors: the guest gets no code.",
        )
    elif not created:
        alerts_resolve(booking=booking, kinds=[Alert.Kind.UNIT_WITHOUT_DOORS])
    impossible = {planned.door_key for planned in the_plan.codes if planned.kind is Kind.NONE}
    if not created:
        alerts_resolve(booking=booking, kinds=[Alert.Kind.NO_CODE_POSSIBLE], except_device_ids=impossible)
    for planned in the_plan.codes:
        if planned.kind is Kind.NONE:
            alert_open(
                booking=booking,
                device_id=planned.door_key,
                kind=Alert.Kind.NO_CODE_POSSIBLE,
                message=f"No code possible on {planned.door_name}: {' '.join(planned.reasons)}",
            )
        if planned.pin_changed_on_lock:
            alert_open(
                booking=booking,
                device_id=planned.door_key,
                kind=Alert.Kind.PIN_CHANGED,
                message=f"The guest's PIN on {planned.door_name} had to change: tell the guest the new PIN.",
            )
    timeline.add(
        kind="planned",
        message="; ".join(_plan_line(planned) for planned in the_plan.codes) or "No doors to plan.",
        data={"same_pin": the_plan.same_pin, "reasons": list(the_plan.reasons)},
    )


def _plan_line(planned) -> str:
    kind = planned.kind.value.replace("_", " ")
    part = f" ({planned.part}/{planned.parts})" if planned.parts > 1 else ""
    return f"{planned.door_name}{part}: {kind}"


def _is_stale(booking: Booking, source_updated_at) -> bool:
    return bool(
        source_updated_at and booking.source_updated_at and source_updated_at < booking.source_updated_at
    )


def _record_stale(booking: Booking, source_updated_at) -> None:
    message = (
        f"Ignored an update from {source_updated_at:%Y-%m-%d %H:%M:%S} UTC: the booking already has a newer "
        f"one ({booking.source_updated_at:%Y-%m-%d %H:%M:%S} UTC)."
    )
    booking_event_record(booking=booking, kind="stale_update_ignored", message=message)
    alert_open(booking=booking, device_id=None, kind=Alert.Kind.STALE_UPDATE, message=message)


# -- rotating the PIN ----------------------------------------------------------------------------------

PROVIDER_PIN_REPLACED = (
    "The provider picks this lock's PINs: the code is replaced and the provider issues a new PIN "
    "(Seam does not promise it differs from the old one)."
)
OFFLINE_PIN_KEPT = (
    "Offline code: it cannot be revoked through Seam, so a new PIN would not stop the old one working; "
    "it stays as it is."
)


def new_rotation_seed() -> str:
    """The secret a rotation's PINs are drawn from: the preview shows the PINs this seed gives and the
    confirmation applies the same seed, so what was previewed is what is done."""
    return secrets.token_hex(8)


def rotation_steps(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """A rotation's steps: a code whose PIN the provider picks is replaced (deleted, then created), since
    only the provider can give it a new PIN; the other steps are the plan's (the new PINs are updates)."""
    rotated: list[Step] = []
    for step in steps:
        if step.action is Action.KEEP and step.planned.is_offline_access_code:
            rotated.append(dataclasses.replace(step, reason=OFFLINE_PIN_KEPT))
        elif step.action is Action.KEEP and step.planned.provider_picks_pin:
            rotated.append(Step(Action.DELETE, PROVIDER_PIN_REPLACED, existing=step.existing))
            rotated.append(Step(Action.CREATE, PROVIDER_PIN_REPLACED, planned=step.planned))
        else:
            rotated.append(step)
    return tuple(rotated)


def booking_pin_rotation_preview(*, booking: Booking, rotation_seed: str, now=None):
    """What rotating the PIN with this seed would do, without saving anything: the plan and its steps."""
    now = now or timezone.now()
    _check_rotatable(booking)
    workspace = booking.workspace_id
    devices = unit_doors(workspace=workspace, unit=booking.unit)
    links = booking_codes_active(workspace=workspace, booking=booking)
    occupying = occupying_codes(workspace=workspace, device_ids=[device.pk for device in devices])
    the_plan = _plan_for(
        booking=booking,
        devices=devices,
        occupying=occupying,
        links=links,
        now=now,
        rotation_seed=rotation_seed,
    )
    steps = rotation_steps(plan_diff(plan=the_plan, existing=existing_codes(links)))
    _check_rotation_keeps_every_code(steps)
    return the_plan, steps


@transaction.atomic
def booking_pin_rotate(*, booking: Booking, rotation_seed: str, now=None) -> BookingOutcome:
    """Give the booking new PINs on every door where one can be given, and keep every planner rule (the
    same PIN on every door when the policy says so, no clash with another code on a door). Refused, with
    nothing written, when a door that has a code now would be left without one."""
    if not rotation_seed:
        raise ValidationError("A rotation needs its seed.")
    booking = Booking.objects.for_workspace(booking.workspace_id).select_for_update().get(pk=booking.pk)
    _check_rotatable(booking)
    timeline = BookingTimeline(booking)
    timeline.add(kind="pin_rotated", message="PIN rotated by a manager.")
    the_plan, steps = _apply(
        booking=booking,
        timeline=timeline,
        now=now or timezone.now(),
        created=False,
        rotation_seed=rotation_seed,
    )
    _check_rotation_keeps_every_code(steps)
    return BookingOutcome(booking=booking, result="rotated", plan=the_plan, steps=steps)


def _check_rotatable(booking: Booking) -> None:
    if booking.status != Booking.Status.CONFIRMED:
        raise ValidationError("Only a confirmed booking has codes whose PIN can be rotated.")


def _check_rotation_keeps_every_code(steps: tuple[Step, ...]) -> None:
    """A door that has a code and would get none (no new PIN fits it): raising rolls the rotation back."""
    replaced = {step.planned.door_key for step in steps if step.action is Action.CREATE}
    lost = [step for step in steps if step.action is Action.DELETE and step.existing.door_key not in replaced]
    if lost:
        raise ValidationError(
            "No new PIN fits every door of this booking: nothing was changed. " + lost[0].reason
        )
