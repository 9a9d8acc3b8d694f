"""Access codes in Seam's field names. `device_id` is the portal's device id, resolved in the token's
workspace; the answers add what the portal knows beyond Seam (sync_state, the lock-local window, the
booking that owns the code)."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accesscodes.models import AccessCode
from accesscodes.provider_facts import device_facts
from accesscodes.providers import CodeDraft, DeviceFacts, device_local_window, validate_access_code
from devices.api.serializers import SeamNoticeSerializer
from devices.models import Device
from portal.api.serializers import StrictFieldsMixin

MAX_CODE_LENGTH = AccessCode._meta.get_field("code").max_length
NO_SUCH_DEVICE = "No such device in this workspace."
NOT_CHANGEABLE = "This field cannot be changed once the code exists; create a new code instead."


class LockLocalWindowSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="The start on the lock's own clock.")
    ends_at = serializers.DateTimeField(help_text="The end on the lock's own clock.")
    timezone = serializers.CharField(help_text="The lock's IANA time zone.")


class AccessCodeSerializer(serializers.ModelSerializer):
    device_id = serializers.IntegerField(help_text="The portal's device id (GET /api/v1/devices/{id}/).")
    errors = SeamNoticeSerializer(many=True)
    warnings = SeamNoticeSerializer(many=True)
    backup_access_code = serializers.DictField(
        allow_null=True, help_text="The backup code pulled from the device's pool (Seam's object), if any."
    )
    lock_local_window = serializers.SerializerMethodField()
    booking_id = serializers.SerializerMethodField()
    is_removed = serializers.BooleanField()

    class Meta:
        model = AccessCode
        fields = [
            "id",
            "seam_access_code_id",
            "device_id",
            "name",
            "code",
            "type",
            "starts_at",
            "ends_at",
            "status",
            "sync_state",
            "is_scheduled_on_device",
            "is_offline_access_code",
            "is_one_time_use",
            "max_time_rounding",
            "prefer_native_scheduling",
            "allow_external_modification",
            "use_backup_access_code_pool",
            "is_managed",
            "errors",
            "warnings",
            "last_sync_error",
            "backup_access_code",
            "lock_local_window",
            "booking_id",
            "is_removed",
            "created_at",
            "updated_at",
            "removed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LockLocalWindowSerializer(allow_null=True))
    def get_lock_local_window(self, access_code: AccessCode) -> dict | None:
        try:
            window = device_local_window(
                device_facts(access_code.device), access_code.starts_at, access_code.ends_at
            )
        except OverflowError:  # a date Seam reported near year 1 or 9999 has no local time on the lock
            return None
        if window is None:
            return None
        starts, ends = window
        return {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "timezone": str(starts.tzinfo)}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_booking_id(self, access_code: AccessCode) -> int | None:
        return self.context.get("booking_ids", {}).get(access_code.pk)


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its UTC offset, as Seam takes it: a time without one is ambiguous, so it is refused."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-07-01T15:00:00+02:00 or 2026-07-01T13:00:00Z."
    }

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible (month 13): the parent says so
            parsed = None
        if parsed is not None and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)


class AccessCodeChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    """PATCH: what a code may change after creation (the rest is fixed; a new code is the way)."""

    name = serializers.CharField(max_length=200, required=False)
    # No length limit here: the lock's rules answer a wrong length with their own sentence.
    code = serializers.CharField(
        required=False, allow_blank=True, help_text="Empty: the portal or Seam chooses."
    )
    starts_at = OffsetDateTimeField(required=False, allow_null=True)
    ends_at = OffsetDateTimeField(required=False, allow_null=True)
    max_time_rounding = serializers.ChoiceField(choices=AccessCode.MAX_TIME_ROUNDING_CHOICES, required=False)
    prefer_native_scheduling = serializers.BooleanField(required=False)
    allow_external_modification = serializers.BooleanField(required=False)

    def validate_code(self, code: str) -> str:
        # The column holds 12 characters; a longer PIN gets the generic rule's sentence, not the column's.
        if len(code) > MAX_CODE_LENGTH:
            any_lock = DeviceFacts(
                "", can_program_online_access_codes=True, can_program_offline_access_codes=True
            )
            errors = validate_access_code(
                device=any_lock, draft=CodeDraft(code=code), others=(), now=timezone.now()
            )
            raise serializers.ValidationError(errors["code"])
        return code

    def to_internal_value(self, data):
        if isinstance(data, dict):
            fixed = sorted(set(data) & set(AccessCodeCreateSerializer.CREATE_ONLY_FIELDS))
            if fixed:
                raise serializers.ValidationError({name: [NOT_CHANGEABLE] for name in fixed})
        return super().to_internal_value(data)


class AccessCodeCreateSerializer(AccessCodeChangeSerializer):
    CREATE_ONLY_FIELDS = (
        "device_id",
        "is_offline_access_code",
        "is_one_time_use",
        "use_backup_access_code_pool",
    )

    device_id = serializers.IntegerField(help_text="The portal's device id, in the token's workspace.")
    name = serializers.CharField(max_length=200)
    is_offline_access_code = serializers.BooleanField(default=False)
    is_one_time_use = serializers.BooleanField(default=False)
    use_backup_access_code_pool = serializers.BooleanField(default=False)

    def to_internal_value(self, data):
        # The create-only fields are this serializer's own: skip the change serializer's refusal of them.
        return super(AccessCodeChangeSerializer, self).to_internal_value(data)

    def validate_device_id(self, device_id: int) -> Device:
        device = Device.objects.for_workspace(self.context["workspace"]).filter(pk=device_id).first()
        if device is None:
            raise serializers.ValidationError(NO_SUCH_DEVICE)
        return device

    def create_kwargs(self) -> dict:
        data = dict(self.validated_data)
        return {"workspace": self.context["workspace"], "device": data.pop("device_id"), **data}


class PullBackupSerializer(serializers.Serializer):
    backup_access_code = serializers.DictField(help_text="Seam's backup access code object.")
    access_code = AccessCodeSerializer()
