"""What the API answers about properties, units, bookings, alerts and events, and what it reads for
properties and units (a booking's input is `payload.BookingPayloadSerializer`, shared with the hooks)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accesscodes.bookings.api.events import SOURCE_NAMES
from accesscodes.bookings.models import PIN_SOURCE_CHOICES, POLICY_FIELDS, Alert, Booking, Property, Unit
from accesscodes.bookings.planner import Kind
from accesscodes.models import AccessCode
from portal.api.serializers import ErrorDetailSerializer, StrictFieldsMixin, WallClockTimeField

DOOR_IDS_HELP = "Portal device ids (GET /api/v1/devices/); on a write the whole set is replaced."
CODE_KINDS = [kind.value for kind in Kind if kind is not Kind.NONE]


class PropertySerializer(StrictFieldsMixin, serializers.ModelSerializer):
    shared_door_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=200,
        help_text="Doors every guest of the property needs (a building entrance). " + DOOR_IDS_HELP,
    )
    timezone = serializers.CharField(
        required=False, max_length=64, help_text="IANA zone, e.g. Europe/Berlin; default the workspace's."
    )
    check_in_time = WallClockTimeField(required=False, help_text="Default check-in time (15:00).")
    check_out_time = WallClockTimeField(required=False, help_text="Default check-out time (11:00).")

    class Meta:
        model = Property
        fields = [
            "id", "name", "timezone", "check_in_time", "check_out_time", "shared_door_ids",
            *POLICY_FIELDS, "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class UnitSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A unit's policy fields override its property's; null means "the property's"."""

    property_id = serializers.IntegerField(min_value=1)
    door_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=200, help_text=DOOR_IDS_HELP
    )
    pin_source = serializers.ChoiceField(
        choices=PIN_SOURCE_CHOICES, allow_null=True, required=False, help_text="null: the property's."
    )

    class Meta:
        model = Unit
        fields = ["id", "property_id", "name", "external_id", "door_ids", *POLICY_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]

    def to_representation(self, unit):
        data = super().to_representation(unit)
        data["pin_source"] = data["pin_source"] or None
        return data

    def validate_pin_source(self, value):
        return value or ""  # stored empty: the property's


class BookingCodeSerializer(serializers.Serializer):
    """One code the booking holds now on one door (an igloohome door can hold two consecutive ones)."""

    access_code_id = serializers.IntegerField(source="access_code.pk")
    device_id = serializers.IntegerField()
    part = serializers.IntegerField(help_text="1, or 2 for the second of two consecutive offline codes.")
    kind = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(source="access_code.starts_at", allow_null=True)
    ends_at = serializers.DateTimeField(source="access_code.ends_at", allow_null=True)
    status = serializers.ChoiceField(source="access_code.status", choices=AccessCode.Status.choices)
    sync_state = serializers.ChoiceField(
        source="access_code.sync_state", choices=AccessCode.SyncState.choices
    )

    @extend_schema_field(serializers.ChoiceField(choices=CODE_KINDS))
    def get_kind(self, link) -> str:
        access_code = link.access_code
        if access_code.is_one_time_use:
            return Kind.ONE_TIME.value
        if not access_code.is_offline_access_code:
            return Kind.ONLINE.value
        return (
            Kind.OFFLINE_DAILY.value if access_code.max_time_rounding == "1day" else Kind.OFFLINE_HOURLY.value
        )

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="null until the lock's PIN is known.")
    )
    def get_code(self, link) -> str | None:
        return link.access_code.code or None


class BookingAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "kind", "device_id", "message", "opened_at"]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer):
    """A booking with the codes it holds now and its open alerts. After the retention period the guest's
    contact data and PIN are gone: they read null and `guest_data_redacted_at` says since when."""

    unit_id = serializers.IntegerField()
    property_id = serializers.IntegerField(source="unit.property_id")
    guest_name = serializers.CharField(allow_null=True)
    guest_email = serializers.EmailField(allow_null=True)
    guest_phone = serializers.CharField(allow_null=True)
    provided_pin = serializers.CharField(allow_null=True)
    pin = serializers.CharField(
        allow_null=True, help_text="The PIN of every door when all doors share one; else see access_codes."
    )
    access_codes = BookingCodeSerializer(many=True, source="current_codes")
    alerts = BookingAlertSerializer(many=True, source="open_alerts", help_text="Open alerts only.")
    timeline_url = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id", "unit_id", "property_id", "source", "external_id", "guest_name", "guest_email",
            "guest_phone", "provided_pin", "check_in", "check_out", "status", "source_updated_at", "pin",
            "guest_data_redacted_at", "access_codes", "alerts", "timeline_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, booking):
        data = super().to_representation(booking)
        redacted = booking.guest_data_redacted_at is not None
        for field in ("guest_name", "guest_email", "guest_phone", "provided_pin"):
            if redacted:
                data[field] = None
        data["pin"] = booking.pin or None
        return data

    @extend_schema_field(serializers.URLField(help_text="The booking's events: GET it for its timeline."))
    def get_timeline_url(self, booking) -> str:
        path = f"{reverse('api-event-list')}?booking={booking.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class BookingBatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `bookings`, from 0.")
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "stale", "failed"])
    booking = BookingSerializer(
        allow_null=True, help_text="The booking as the item left it; null if it failed."
    )
    error = ErrorDetailSerializer(
        allow_null=True, help_text="Why the item failed: nothing of it was written."
    )


class BookingBatchAnswerSerializer(serializers.Serializer):
    results = BookingBatchResultSerializer(many=True, help_text="One per item, in the items' order.")


class BookingPatchSerializer(serializers.Serializer):
    """PATCH /bookings/{id}/: any input field but `source` and `external_id` (they name the booking);
    what is left out keeps its stored value, and the whole is applied like a POST."""

    unit_id = serializers.IntegerField(required=False, min_value=1)
    unit_external_id = serializers.CharField(required=False, max_length=200)
    guest_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    guest_email = serializers.EmailField(required=False, allow_blank=True)
    guest_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    provided_pin = serializers.RegexField(r"^[0-9]{4,12}$", required=False, allow_blank=True)
    check_in = serializers.CharField(required=False, help_text="As in POST: an ISO 8601 date or date-time.")
    check_out = serializers.CharField(required=False, help_text="As in POST: an ISO 8601 date or date-time.")
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    source_updated_at = serializers.DateTimeField(required=False, allow_null=True)


class BookingCancelSerializer(StrictFieldsMixin, serializers.Serializer):
    source_updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the booking system cancelled it: older than the stored update, it is ignored.",
    )


class PlannedCodeSerializer(serializers.Serializer):
    device_id = serializers.IntegerField(source="door_key")
    kind = serializers.ChoiceField(choices=[kind.value for kind in Kind])
    code = serializers.CharField(allow_null=True, help_text="null: the provider picks it, or no code.")
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_reason(self, planned) -> str:
        return " ".join(planned.reasons)


class PreviewSerializer(serializers.Serializer):
    planned_codes = PlannedCodeSerializer(many=True)


class AlertSerializer(serializers.ModelSerializer):
    open = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "booking_id", "device_id", "message", "open", "opened_at", "resolved_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_open(self, alert) -> bool:
        return alert.resolved_at is None


class EventSerializer(serializers.Serializer):
    """One entry of the timeline: `id` is the row's id within its `source`."""

    source = serializers.ChoiceField(choices=SOURCE_NAMES)
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    message = serializers.CharField()
    booking_id = serializers.IntegerField(allow_null=True)
    access_code_id = serializers.IntegerField(allow_null=True)
    device_id = serializers.IntegerField(allow_null=True)
    data = serializers.DictField()


class EventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page; null on the last page.")
    results = EventSerializer(many=True)


class EventQuerySerializer(serializers.Serializer):
    """Filters of the timeline; a filter an event source cannot answer leaves that source out (a device
    filter shows only access-code events)."""

    booking = serializers.IntegerField(
        required=False, min_value=1, help_text="The booking's events and those of its codes."
    )
    access_code = serializers.IntegerField(required=False, min_value=1)
    device = serializers.IntegerField(required=False, min_value=1, help_text="Events of the door's codes.")
    kind = serializers.CharField(required=False, max_length=40, help_text="e.g. received, planned, set.")
    since = serializers.DateTimeField(required=False, help_text="Only events at or after this moment.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)
    cursor = serializers.CharField(required=False, max_length=200, help_text="From a page's `next` link.")
