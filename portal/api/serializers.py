from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictFieldsMixin:
    """Unknown fields are refused, not ignored: a misspelt field must not silently do nothing."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: ["This field is not known."] for name in unknown})
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    message = serializers.CharField()
    validation_errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorEnvelopeSerializer(serializers.Serializer):
    """The shape of every error answer (documented for each endpoint in the OpenAPI schema)."""

    error = ErrorDetailSerializer()
    request_id = serializers.CharField()


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "15:00:00",
        "description": "A wall-clock time (HH:MM or HH:MM:SS) in the property's zone, without an offset.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """OpenAPI's `format: time` demands an offset; a check-in time has none: it is read in the zone."""
