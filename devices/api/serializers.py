from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from devices.api.rules import rule_sentences
from devices.models import Device, SyncRun


class SeamNoticeSerializer(serializers.Serializer):
    error_code = serializers.CharField(required=False)
    warning_code = serializers.CharField(required=False)
    message = serializers.CharField(required=False)


class CodeRulesSerializer(serializers.Serializer):
    supported_code_lengths = serializers.ListField(child=serializers.IntegerField())
    max_active_codes_supported = serializers.IntegerField(allow_null=True)
    code_constraints = serializers.ListField(child=serializers.DictField())
    sentences = serializers.ListField(child=serializers.CharField())


class DeviceSerializer(serializers.ModelSerializer):
    battery_level = serializers.FloatField(allow_null=True, help_text="0 to 1, as Seam reports it.")
    errors = SeamNoticeSerializer(many=True)
    warnings = SeamNoticeSerializer(many=True)
    code_rules = serializers.SerializerMethodField()
    is_removed = serializers.BooleanField()

    class Meta:
        model = Device
        fields = [
            "id",
            "seam_device_id",
            "name",
            "device_type",
            "manufacturer",
            "model",
            "online",
            "locked",
            "battery_level",
            "timezone",
            "can_program_online_access_codes",
            "can_program_offline_access_codes",
            "errors",
            "warnings",
            "code_rules",
            "is_removed",
            "last_changed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CodeRulesSerializer)
    def get_code_rules(self, device: Device) -> dict:
        return {
            "supported_code_lengths": device.supported_code_lengths or [],
            "max_active_codes_supported": device.max_active_codes_supported,
            "code_constraints": device.code_constraints or [],
            "sentences": rule_sentences(device),
        }


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "status",
            "started_at",
            "finished_at",
            "devices_seen",
            "devices_created",
            "devices_updated",
            "devices_removed",
            "error_message",
        ]
        read_only_fields = fields


class SyncQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    last_sync_run = SyncRunSerializer(allow_null=True)
