"""What a booking hook carries: `{"type", "timestamp", "data"}`, where `data` is the API's booking.

It is read twice. When it arrives, its shape is checked without looking anything up (the sender can fix a
400). When it is processed, it is read in full with the API's serializer, unit included: an unknown unit
fails the delivery instead, since the sender cannot fix that by sending again."""

import json

from rest_framework import serializers

from accesscodes.bookings.api.payload import BookingPayloadSerializer, source_updated_at_check
from portal.api.errors import validation_errors_of

CREATED, UPDATED, CANCELLED = "booking.created", "booking.updated", "booking.cancelled"
EVENT_TYPES = (CREATED, UPDATED, CANCELLED)


class HookShapeError(Exception):
    def __init__(self, message: str, validation_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.validation_errors = validation_errors or {}


class BookingDataShape(BookingPayloadSerializer):
    """The booking's fields, checked without the unit lookup (done when the delivery is processed)."""

    def validate(self, attrs):
        if ("unit_id" in attrs) == ("unit_external_id" in attrs):
            raise serializers.ValidationError(
                {"unit_id": ["Give unit_id or unit_external_id (one of them)."]}
            )
        return attrs


class CancellationData(serializers.Serializer):
    """A cancellation names the booking; other booking fields may come along (they are read when the
    booking does not exist yet, see `inbox`)."""

    external_id = serializers.CharField(max_length=200)
    source_updated_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, validators=[source_updated_at_check]
    )


TOO_DEEP = "The body nests arrays or objects too deeply; no booking field needs more than two levels."


def hook_event_parse(body: bytes) -> tuple[str, dict]:
    """The event type and its data, or `HookShapeError`."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HookShapeError("The body is not JSON (UTF-8).") from None
    except RecursionError:
        raise HookShapeError(TOO_DEEP) from None
    if not isinstance(payload, dict):
        raise HookShapeError("The body must be a JSON object with type and data.")
    try:
        has_nul = _has_nul(payload)
    except RecursionError:
        raise HookShapeError(TOO_DEEP) from None
    if has_nul:
        raise HookShapeError("The body contains a NUL character (\\u0000), which no field accepts.")
    errors = {}
    event_type, data = payload.get("type"), payload.get("data")
    if event_type not in EVENT_TYPES:
        errors["type"] = [f"Use one of {', '.join(EVENT_TYPES)}."]
    if not isinstance(data, dict):
        errors["data"] = ["An object with the booking's fields is required."]
    if errors:
        field, sentences = next(iter(errors.items()))
        raise HookShapeError(f"{field}: {sentences[0]}", errors)
    return event_type, data


def hook_data_check(*, event_type: str, data: dict, source_key: str) -> dict:
    """The data's fields as the delivery will use them, or `HookShapeError` naming each bad field."""
    if event_type == CANCELLED:
        serializer = CancellationData(data=data)
    else:
        serializer = BookingDataShape(data=data, fixed_source=source_key)
    if not serializer.is_valid():
        errors = {
            f"data.{field}": sentences for field, sentences in validation_errors_of(serializer.errors).items()
        }
        field, sentences = next(iter(errors.items()))
        raise HookShapeError(f"{field}: {sentences[0]}", errors)
    return serializer.validated_data


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False
