import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from accesscodes.models import (
    DATE_OUT_OF_RANGE,
    EARLIEST_YEAR,
    LATEST_YEAR,
    AccessCode,
    is_within_date_range,
)
from accesscodes.providers.base import ROUNDING_ALLOWANCES

# Seam accepts "1hour"/"1h" and "1day"/"1d"; people choose between the two meanings.
ROUNDING_CHOICES = [("1hour", "Up to 1 hour"), ("1day", "Up to 1 day")]


class DateTimeInRangeField(forms.DateTimeField):
    """A time typed on the active zone's clock (the view activates the workspace's), refused outside the
    accepted years with a message on the field."""

    widget = forms.DateTimeInput(
        attrs={
            "type": "datetime-local",
            "min": f"{EARLIEST_YEAR}-01-01T00:00",
            "max": f"{LATEST_YEAR}-12-31T23:59",
        },
        format="%Y-%m-%dT%H:%M",
    )

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not is_within_date_range(value, timezone.get_current_timezone()):
            raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")
        return value


class MaxTimeRoundingField(forms.ChoiceField):
    """Offers each meaning once; Seam's aliases ("1h", "1d") still validate and show as their meaning."""

    def __init__(self, **kwargs):
        super().__init__(choices=ROUNDING_CHOICES, **kwargs)

    def valid_value(self, value):
        return value in ROUNDING_ALLOWANCES

    def prepare_value(self, value):
        return canonical_rounding(value)


def canonical_rounding(value):
    """The offered choice meaning the same as `value` ("1h" -> "1hour"); unknown values unchanged."""
    allowance = ROUNDING_ALLOWANCES.get(value)
    return next((key for key, _ in ROUNDING_CHOICES if ROUNDING_ALLOWANCES[key] == allowance), value)


class AccessCodeForm(forms.ModelForm):
    """A new code on a lock. Field definitions come from the model and its clean() is the one source of
    rules: without a device this form runs the model's device-free checks only, and the service validates
    again with the device (`add_service_errors` puts its messages on the fields)."""

    max_time_rounding = MaxTimeRoundingField(
        initial=AccessCode._meta.get_field("max_time_rounding").default,
        label="Time rounding Seam may apply",
        help_text="For offline codes only. igloohome codes longer than 28 days must start and end at the "
        "same time of day; “Up to 1 day” lets Seam round such a code to whole days.",
    )

    class Meta:
        model = AccessCode
        fields = [
            "name",
            "code",
            "starts_at",
            "ends_at",
            "is_offline_access_code",
            "is_one_time_use",
            "max_time_rounding",
            "allow_external_modification",
            "prefer_native_scheduling",
            "use_backup_access_code_pool",
        ]
        field_classes = {"starts_at": DateTimeInRangeField, "ends_at": DateTimeInRangeField}
        labels = {
            "code": "PIN",
            "starts_at": "Starts",
            "ends_at": "Ends",
            "is_offline_access_code": "Offline code",
            "is_one_time_use": "One-time use",
            "allow_external_modification": "Allow changes made outside the portal",
            "prefer_native_scheduling": "Let the lock keep the schedule",
            "use_backup_access_code_pool": "Keep a backup code ready",
        }
        help_texts = {
            "name": "Who the code is for, e.g. the guest's name; some locks show it.",
            "code": "Digits only. Leave empty to have a PIN chosen for you.",
            "starts_at": "Leave both times empty for a permanent code.",
            "ends_at": "A one-time-use igloohome code may leave this empty: it lasts 24 hours from its start.",
            "is_offline_access_code": "Works without the lock being online; the lock's maker generates the PIN.",
            "is_one_time_use": "An offline code that stops working after it is used once.",
            "allow_external_modification": "Otherwise Seam puts the code back when someone changes or "
            "removes it at the lock or in the maker's app.",
            "prefer_native_scheduling": "The lock turns the code on and off itself where it can, instead of "
            "Seam sending it at the start and removing it at the end.",
            "use_backup_access_code_pool": "If the lock cannot be programmed in time, Seam can hand out a "
            "spare code prepared in advance. Time-bound online codes only.",
        }

    def __init__(self, *args, instance=None, **kwargs):
        # The model validation edits the instance in place; the caller's code stays as stored until the
        # service saves it.
        super().__init__(*args, instance=None if instance is None else copy.copy(instance), **kwargs)

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's (the rules') messages on the fields they are about."""
        by_field = (
            error.message_dict if hasattr(error, "message_dict") else {NON_FIELD_ERRORS: error.messages}
        )
        for field, messages in by_field.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class AccessCodeEditForm(AccessCodeForm):
    """Only what Seam can change on an existing code."""

    class Meta(AccessCodeForm.Meta):
        fields = [
            "name",
            "code",
            "starts_at",
            "ends_at",
            "max_time_rounding",
            "allow_external_modification",
            "prefer_native_scheduling",
        ]

    def clean_max_time_rounding(self):
        chosen = self.cleaned_data["max_time_rounding"]
        current = self.get_initial_for_field(self.fields["max_time_rounding"], "max_time_rounding")
        # Seam may report "1h"/"1d": choosing the same meaning again is no change.
        return current if canonical_rounding(current) == canonical_rounding(chosen) else chosen
