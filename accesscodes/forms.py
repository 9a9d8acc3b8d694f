import copy
from zoneinfo import ZoneInfo

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
from accesscodes.providers.base import ROUNDING_ALLOWANCES, FormOptions
from accesscodes.providers.windows import hours_text

# Seam accepts "1hour"/"1h" and "1day"/"1d"; people choose between the two meanings.
ROUNDING_CHOICES = [
    ("1hour", "Up to 1 hour: the code keeps its hours"),
    ("1day", "Up to 1 day: Seam may round the code to whole days"),
]

# Fields that only mean something for online codes (Seam sends, schedules and guards those).
ONLINE_ONLY_FIELDS = ("allow_external_modification", "prefer_native_scheduling")


class DateTimeInRangeField(forms.DateTimeField):
    """A time typed on a zone's clock, refused outside the accepted years with a message on the field.
    The zone is the lock's when the form knows the lock (`zone`), else the active one (the view activates
    the workspace's)."""

    widget = forms.DateTimeInput(
        attrs={
            "type": "datetime-local",
            "min": f"{EARLIEST_YEAR}-01-01T00:00",
            "max": f"{LATEST_YEAR}-12-31T23:59",
        },
        format="%Y-%m-%dT%H:%M",
    )
    zone = None  # a tzinfo; set per form instance

    def to_python(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return self._to_python_in_zone(value)

    def prepare_value(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return super().prepare_value(value)

    def _to_python_in_zone(self, value):
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
    again with the device (`add_service_errors` puts its messages on the fields). Given the lock's
    `options` (its provider's answer), it keeps only the fields the lock supports; the views pass the
    service `service_values`, which adds the values the lock fixes."""

    max_time_rounding = MaxTimeRoundingField(
        initial=AccessCode._meta.get_field("max_time_rounding").default,
        label="Time rounding Seam may apply",
        widget=forms.RadioSelect,
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

    def __init__(self, *args, instance=None, options: FormOptions | None = None, zone_name="", **kwargs):
        """`options`: what the lock supports (`accesscodes.providers.form_options`); the form then shows
        only those fields. `zone_name`: the zone the times are typed in (the lock's)."""
        # The model validation edits the instance in place; the caller's code stays as stored until the
        # service saves it.
        super().__init__(*args, instance=None if instance is None else copy.copy(instance), **kwargs)
        self.fixed = {}
        self.zone_label = zone_name
        if options is not None:
            self._fit_to_lock(options)
        if zone_name:
            for name in ("starts_at", "ends_at"):
                if name in self.fields:
                    self.fields[name].zone = ZoneInfo(zone_name)
        for name, value in self.fixed.items():
            setattr(self.instance, name, value)

    def _fit_to_lock(self, options: FormOptions) -> None:
        """Drop what this lock does not support; a choice the lock leaves to one value is fixed to it."""
        unsupported = []
        if not options.custom_pin:
            unsupported.append("code")
        elif options.pin_note and "code" in self.fields:
            self.fields["code"].help_text += f" {options.pin_note}"
        if not (options.online and options.offline) and "is_offline_access_code" in self.fields:
            unsupported.append("is_offline_access_code")
            self.fixed["is_offline_access_code"] = options.offline_only
        if not options.one_time_use:
            unsupported.append("is_one_time_use")
        if not options.time_rounding:
            unsupported.append("max_time_rounding")
        if not options.online:
            unsupported.extend(ONLINE_ONLY_FIELDS)
        if not options.backup_pool:
            unsupported.append("use_backup_access_code_pool")
        for name in unsupported:
            self.fields.pop(name, None)
        if options.offline_only and "starts_at" in self.fields:
            self.fields["starts_at"].help_text = "This lock takes offline codes only: set a start and an end."
        if "ends_at" in self.fields:
            self.fields["ends_at"].help_text = (
                f"A one-time-use code may leave this empty: it lasts {hours_text(options.one_time_use_lasts)} "
                "from its start."
                if options.one_time_use_lasts
                else ""
            )

    @property
    def service_values(self) -> dict:
        """What the service gets: the typed values plus those the lock fixes (an offline-only lock's codes
        are offline)."""
        return {**self.cleaned_data, **self.fixed}

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
