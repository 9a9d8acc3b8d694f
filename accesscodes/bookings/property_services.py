"""Write side of properties and units (workspace settings): keyword-only services that run `full_clean()`,
resolve door ids in the workspace and replace a door set in one transaction.

A property or unit that has bookings is not deleted: its bookings own codes and a timeline, so deleting
it is refused with `InUse` (the API answers 409) rather than cascading into them. When the doors or the
code policy of a unit change, its bookings still to come or under way are planned again (a task queued on
commit), so every guest holds a code on every door of the stay, and none on a door it no longer has."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django_q.tasks import async_task

from accesscodes.bookings.models import POLICY_FIELDS, Booking, Property, PropertySharedDoor, Unit, UnitDoor
from devices.models import Device

REPLAN_TASK = "accesscodes.bookings.tasks.replan_bookings"
# The policy fields the planner reads for a booking's codes (the other two set readiness and retention).
CODE_POLICY_FIELDS = tuple(
    name for name in POLICY_FIELDS if name not in ("readiness_lead_minutes", "guest_data_retention_days")
)


class InUse(Exception):
    """The object is still needed by other rows; the message says which and what to do."""


def _doors_in_workspace(*, workspace, device_ids: Iterable[int], field: str) -> list[Device]:
    wanted = list(dict.fromkeys(device_ids))
    found = {device.pk: device for device in Device.objects.for_workspace(workspace).filter(pk__in=wanted)}
    missing = [device_id for device_id in wanted if device_id not in found]
    if missing:
        listed = ", ".join(str(device_id) for device_id in missing)
        raise ValidationError({field: f"No device with id {listed} in this workspace."})
    return [found[device_id] for device_id in wanted]


def _doors_replace(*, link_model, owner_field: str, owner, devices: list[Device]) -> bool:
    """The owner's door links become exactly `devices`: links to other doors go, missing ones are added.
    True when the set changed."""
    links = link_model.objects.for_workspace(owner.workspace_id).filter(**{owner_field: owner})
    wanted = {device.pk for device in devices}
    gone, _ = links.exclude(device_id__in=wanted).delete()
    present = set(links.values_list("device_id", flat=True))
    added = link_model.objects.bulk_create(
        link_model(workspace_id=owner.workspace_id, device_id=device_id, **{owner_field: owner})
        for device_id in sorted(wanted - present)
    )
    return bool(gone or added)


def _apply_changes(instance, changes: dict) -> bool:
    """Set, validate and save the changes; True when one of them changes the code policy."""
    policy_changed = any(
        name in CODE_POLICY_FIELDS and getattr(instance, name) != value for name, value in changes.items()
    )
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return policy_changed


def bookings_replan_on_commit(*, workspace_id: int, unit_ids, reason: str) -> None:
    """Once committed, plan again the bookings of these units that are still to come or under way."""
    unit_ids = sorted(unit_ids)
    if unit_ids:
        transaction.on_commit(lambda: async_task(REPLAN_TASK, workspace_id, unit_ids, reason))


def property_unit_ids(property: Property) -> list[int]:
    return list(
        Unit.objects.for_workspace(property.workspace_id)
        .filter(property_id=property.pk)
        .values_list("pk", flat=True)
    )


# -- properties --------------------------------------------------------------------------------------


@transaction.atomic
def property_create(*, workspace, name: str, shared_door_ids: Iterable[int] = (), **fields) -> Property:
    """A property in the workspace; its time zone defaults to the workspace's."""
    fields.setdefault("timezone", workspace.timezone)
    property = Property(workspace=workspace, name=name)
    doors = _doors_in_workspace(workspace=workspace, device_ids=shared_door_ids, field="shared_door_ids")
    _apply_changes(property, fields)
    _doors_replace(link_model=PropertySharedDoor, owner_field="property", owner=property, devices=doors)
    return property


@transaction.atomic
def property_update(
    *, property: Property, shared_door_ids: Iterable[int] | None = None, **changes
) -> Property:
    """Change the given fields; `shared_door_ids`, when given, replaces the shared doors as a whole."""
    property = Property.objects.for_workspace(property.workspace_id).select_for_update().get(pk=property.pk)
    doors_changed = False
    if shared_door_ids is not None:
        doors = _doors_in_workspace(
            workspace=property.workspace_id, device_ids=shared_door_ids, field="shared_door_ids"
        )
        doors_changed = _doors_replace(
            link_model=PropertySharedDoor, owner_field="property", owner=property, devices=doors
        )
    policy_changed = _apply_changes(property, changes)
    if doors_changed or policy_changed:
        bookings_replan_on_commit(
            workspace_id=property.workspace_id,
            unit_ids=property_unit_ids(property),
            reason=replan_reason(property.name, doors_changed=doors_changed),
        )
    return property


@transaction.atomic
def property_delete(*, property: Property) -> None:
    bookings = Booking.objects.for_workspace(property.workspace_id).filter(unit__property_id=property.pk)
    if bookings.exists():
        raise InUse(
            f"{property.name} has bookings: their codes and timelines need it. Cancel them and keep the "
            "property, or move its units' bookings to another unit first."
        )
    Unit.objects.for_workspace(property.workspace_id).filter(property_id=property.pk).delete()
    Property.objects.for_workspace(property.workspace_id).filter(pk=property.pk).delete()


# -- units -------------------------------------------------------------------------------------------


def _property_in_workspace(*, workspace, property_id: int) -> Property:
    property = Property.objects.for_workspace(workspace).filter(pk=property_id).first()
    if property is None:
        raise ValidationError({"property_id": "No property with this id in this workspace."})
    return property


@transaction.atomic
def unit_create(*, workspace, property_id: int, name: str, door_ids: Iterable[int] = (), **fields) -> Unit:
    """A unit of one of the workspace's properties; `fields` are `external_id` and policy overrides."""
    unit = Unit(
        workspace=workspace, property=_property_in_workspace(workspace=workspace, property_id=property_id)
    )
    doors = _doors_in_workspace(workspace=workspace, device_ids=door_ids, field="door_ids")
    _apply_changes(unit, {"name": name, **fields})
    _doors_replace(link_model=UnitDoor, owner_field="unit", owner=unit, devices=doors)
    return unit


@transaction.atomic
def unit_update(
    *, unit: Unit, property_id: int | None = None, door_ids: Iterable[int] | None = None, **changes
) -> Unit:
    """Change the given fields; `door_ids`, when given, replaces the unit's doors as a whole."""
    unit = Unit.objects.for_workspace(unit.workspace_id).select_for_update().get(pk=unit.pk)
    doors_changed = False
    if property_id is not None:
        changes["property"] = _property_in_workspace(workspace=unit.workspace_id, property_id=property_id)
        # Another property brings other shared doors and another policy to inherit.
        doors_changed = changes["property"].pk != unit.property_id
    if door_ids is not None:
        doors = _doors_in_workspace(workspace=unit.workspace_id, device_ids=door_ids, field="door_ids")
        doors_changed = (
            _doors_replace(link_model=UnitDoor, owner_field="unit", owner=unit, devices=doors)
            or doors_changed
        )
    policy_changed = _apply_changes(unit, changes)
    if doors_changed or policy_changed:
        bookings_replan_on_commit(
            workspace_id=unit.workspace_id,
            unit_ids=[unit.pk],
            reason=replan_reason(unit.name, doors_changed=doors_changed),
        )
    return unit


def replan_reason(name: str, *, doors_changed: bool) -> str:
    what = "doors" if doors_changed else "code policy"
    return f"The {what} of {name} changed: the codes were planned again."


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    if Booking.objects.for_workspace(unit.workspace_id).filter(unit_id=unit.pk).exists():
        raise InUse(
            f"{unit.name} has bookings: their codes and timelines need it. Cancel them and keep the unit."
        )
    Unit.objects.for_workspace(unit.workspace_id).filter(pk=unit.pk).delete()
