"""The booking a booking system sends, as the API's POST /bookings/ and the booking hooks both read it:
one serializer, so both answer the same input the same way. It resolves the unit in the caller's
workspace and hands `booking_upsert` / `booking_preview` their keyword arguments."""

import contextlib

from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accesscodes.bookings.models import STAY_YEARS, STAY_YEARS_MESSAGE, Booking, Unit
from portal.api.serializers import StrictFieldsMixin


def source_updated_at_check(value) -> None:
    """A far-future time would make every later update look older, and be ignored, for ever."""
    if value is not None and value.year not in STAY_YEARS:
        raise serializers.ValidationError(STAY_YEARS_MESSAGE)


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
        "description": "ISO 8601 date-time (with offset; without one it is the property's wall clock), "
        "or a date meaning the property's default check-in / check-out time.",
    }
)
class StayMomentField(serializers.Field):
    default_error_messages = {
        "invalid": "Use an ISO 8601 date (2026-07-01) or date-time (2026-07-01T15:00:00+02:00).",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid")
        text = value.strip()
        try:
            moment = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        if moment.year not in STAY_YEARS:
            raise serializers.ValidationError(STAY_YEARS_MESSAGE)
        return moment

    def to_representation(self, value):
        return value.isoformat()


class BookingPayloadSerializer(StrictFieldsMixin, serializers.Serializer):
    unit_id = serializers.IntegerField(required=False, min_value=1)
    unit_external_id = serializers.CharField(required=False, max_length=200)
    source = serializers.CharField(max_length=60)
    external_id = serializers.CharField(max_length=200)
    guest_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    guest_email = serializers.EmailField(required=False, allow_blank=True, default="")
    guest_phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    provided_pin = serializers.RegexField(
        r"^[0-9]{4,12}$", required=False, allow_blank=True, default="",
        help_text="The PIN when the unit's policy takes it from the booking.",
    )  # fmt: skip
    check_in = StayMomentField()
    check_out = StayMomentField()
    status = serializers.ChoiceField(choices=Booking.Status.choices, default=Booking.Status.CONFIRMED)
    source_updated_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, validators=[source_updated_at_check],
        help_text="When the booking system last changed it: an older update than the stored one is ignored.",
    )  # fmt: skip

    def __init__(self, *args, fixed_source: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A booking hook's source is the hook's, never the payload's.
        if fixed_source is not None:
            self.fields.pop("source")
        self.fixed_source = fixed_source

    def validate(self, attrs):
        workspace = self.context["workspace"]
        unit_id, unit_external_id = attrs.pop("unit_id", None), attrs.pop("unit_external_id", None)
        if (unit_id is None) == (unit_external_id is None):
            raise serializers.ValidationError(
                {"unit_id": ["Give unit_id or unit_external_id (one of them)."]}
            )
        field, reference = (
            ("unit_id", unit_id) if unit_id is not None else ("unit_external_id", unit_external_id)
        )
        known = self.context.get("units")  # a batch reads its items' units in one query
        if known is not None:
            unit = known.get((field, reference))
        else:
            units = Unit.objects.for_workspace(workspace).select_related("property")
            unit = units.filter(
                Q(pk=unit_id) if unit_id is not None else Q(external_id=unit_external_id)
            ).first()
        if unit is None:
            raise serializers.ValidationError({field: ["No such unit in this workspace."]})
        attrs["unit"] = unit
        if self.fixed_source is not None:
            attrs["source"] = self.fixed_source
        return attrs

    def upsert_kwargs(self) -> dict:
        return {"workspace": self.context["workspace"], **self.validated_data}

    def preview_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "workspace": self.context["workspace"],
            "unit": data["unit"],
            "check_in": data["check_in"],
            "check_out": data["check_out"],
            "guest_name": data["guest_name"],
            "guest_phone": data["guest_phone"],
            "provided_pin": data["provided_pin"],
            "source": data["source"],
            "external_id": data["external_id"],
        }


def payload_units(*, workspace, items: list) -> dict[tuple[str, object], Unit]:
    """The workspace's units the payloads name, in one query, keyed as `BookingPayloadSerializer` looks
    them up from its context: ("unit_id", id) and ("unit_external_id", external id), read with the
    payload's own fields. A reference they refuse is left for the item's validation to report."""
    references = {"unit_id": set(), "unit_external_id": set()}
    fields = BookingPayloadSerializer().fields
    for item in items:
        for name, values in references.items():
            if isinstance(item, dict) and item.get(name) is not None:
                with contextlib.suppress(serializers.ValidationError):
                    values.add(fields[name].run_validation(item[name]))
    if not any(references.values()):
        return {}
    found = {}
    units = Unit.objects.for_workspace(workspace).select_related("property")
    for unit in units.filter(
        Q(pk__in=references["unit_id"]) | Q(external_id__in=references["unit_external_id"])
    ):
        found[("unit_id", unit.pk)] = unit
        if unit.external_id in references["unit_external_id"]:
            found[("unit_external_id", unit.external_id)] = unit
    return found


BATCH_LIMIT = 100


class BookingBatchSerializer(StrictFieldsMixin, serializers.Serializer):
    """POST /bookings/batch/: the list of bookings, each read on its own by `BookingPayloadSerializer`."""

    bookings = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=BATCH_LIMIT)
