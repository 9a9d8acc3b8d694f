"""The bookings pages' forms. Check-in and check-out are typed on the property's clock: a date alone
means the property's check-in / check-out time, a time makes it exact (the service reads both in the
property's zone). The services judge everything else (`booking_upsert` runs `full_clean()`)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from accesscodes.bookings.models import Booking, CalendarFeed, Property, Unit
from accesscodes.bookings.selectors import READINESS_CHOICES, units_for_choice
from devices.models import Device


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.property.name} · {unit.name}"


def stay_value(day: dt.date | None, clock: dt.time | None) -> dt.date | dt.datetime | None:
    """What the services take: a date alone (the property's default time) or a naive local date-time."""
    if day is None:
        return None
    return dt.datetime.combine(day, clock) if clock is not None else day


class StayDatesMixin(forms.Form):
    check_in_date = forms.DateField(label="Check-in", widget=forms.DateInput(attrs={"type": "date"}))
    check_in_time = forms.TimeField(
        label="Check-in time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Empty: the property's check-in time.",
    )
    check_out_date = forms.DateField(label="Check-out", widget=forms.DateInput(attrs={"type": "date"}))
    check_out_time = forms.TimeField(
        label="Check-out time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Empty: the property's check-out time.",
    )

    def clean(self):
        cleaned = super().clean()
        check_in = stay_value(cleaned.get("check_in_date"), cleaned.get("check_in_time"))
        check_out = stay_value(cleaned.get("check_out_date"), cleaned.get("check_out_time"))
        # Same-day stays are the service's to judge, with the property's times filled in.
        if (
            check_in is not None
            and check_out is not None
            and cleaned["check_out_date"] < cleaned["check_in_date"]
        ):
            raise ValidationError({"check_out_date": "Check-out must be after check-in."})
        cleaned["check_in"], cleaned["check_out"] = check_in, check_out
        return cleaned

    @staticmethod
    def initial_stay(booking: Booking, zone) -> dict:
        check_in, check_out = booking.check_in.astimezone(zone), booking.check_out.astimezone(zone)
        return {
            "check_in_date": check_in.date(),
            "check_in_time": check_in.time().replace(second=0, microsecond=0),
            "check_out_date": check_out.date(),
            "check_out_time": check_out.time().replace(second=0, microsecond=0),
        }


class UnitMixin(forms.Form):
    unit = UnitChoiceField(queryset=None, empty_label="Choose a unit")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(workspace=workspace)


class BookingForm(UnitMixin, StayDatesMixin):
    """Create or edit a booking made in the portal."""

    guest_name = forms.CharField(max_length=200, required=False)
    guest_phone = forms.CharField(
        max_length=40, required=False, help_text="Its last digits can be the PIN (the property's policy)."
    )
    guest_email = forms.EmailField(required=False)
    provided_pin = forms.CharField(
        label="PIN",
        max_length=12,
        required=False,
        help_text="Only when the policy takes the PIN from the booking.",
    )
    status = forms.ChoiceField(choices=Booking.Status.choices, initial=Booking.Status.CONFIRMED)

    field_order = [
        "unit", "check_in_date", "check_in_time", "check_out_date", "check_out_time",
        "guest_name", "guest_phone", "guest_email", "provided_pin", "status",
    ]  # fmt: skip


class MoveDatesForm(StayDatesMixin):
    """The "move dates" action: only the stay changes."""


class ChangeUnitForm(UnitMixin):
    """The "change unit" action: the old doors' codes go, the new doors' come."""


class BookingFilterForm(forms.Form):
    """The bookings list's query string, validated before it reaches the database (bad values: 400)."""

    q = forms.CharField(label="Guest or booking id", required=False, max_length=100)
    unit = UnitChoiceField(queryset=None, required=False, empty_label="All units")
    status = forms.ChoiceField(choices=[("", "Any status"), *Booking.Status.choices], required=False)
    check_in_from = forms.DateField(
        label="Check-in from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    check_in_to = forms.DateField(
        label="Check-in to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    readiness = forms.ChoiceField(choices=[("", "Any readiness"), *READINESS_CHOICES], required=False)
    alerts = forms.BooleanField(label="With open alerts", required=False)
    departed = forms.BooleanField(label="Departed, codes still on a lock", required=False)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(workspace=workspace)

    def selector_arguments(self, zone) -> dict:
        """The cleaned values as `bookings_filtered` takes them; dates are whole days in `zone`."""
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "unit": data["unit"],
            "status": data["status"],
            "check_in_from": _day_start(data["check_in_from"], zone),
            "check_in_to": _day_start(
                data["check_in_to"] and data["check_in_to"] + dt.timedelta(days=1), zone
            ),
            "readiness": data["readiness"],
            "open_alerts": data["alerts"],
            "codes_on_lock_after_departure": data["departed"],
        }


def _day_start(day: dt.date | None, zone) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone) if day else None


class CalendarFeedForm(forms.ModelForm):
    """A unit's calendar feed. Its address is a secret: editing shows it empty, and empty keeps it."""

    unit = UnitChoiceField(queryset=None)
    url = forms.CharField(
        label="Calendar address",
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
        help_text="The calendar's export (iCal) address, https://…",
    )

    class Meta:
        model = CalendarFeed
        fields = ["unit", "name", "url", "block_patterns", "poll_interval_minutes"]
        labels = {"poll_interval_minutes": "Check every (minutes)"}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(workspace=workspace)
        self.fields["block_patterns"].widget.attrs["rows"] = 3
        if self.instance.pk:
            self.initial["url"] = ""
            self.fields["url"].required = False
            self.fields["url"].help_text = "Leave empty to keep the current address."

    def clean_url(self):
        return self.cleaned_data["url"] or self.instance.url


POLICY_FIELDS = [
    "pin_source",
    "pin_length",
    "early_access_minutes",
    "late_access_minutes",
    "same_pin_on_every_door",
    "offline_fallback",
    "readiness_lead_minutes",
    "use_backup_pool",
    "guest_data_retention_days",
]
POLICY_HELP = {
    "pin_source": "Where a guest's PIN comes from: the last digits of their phone, or random digits.",
    "pin_length": "Empty: the shortest length every door accepts (4-8).",
    "early_access_minutes": "The code works this many minutes before check-in (an early arrival).",
    "late_access_minutes": "The code keeps working this many minutes after check-out.",
    "same_pin_on_every_door": "One PIN for the entrance and the unit's door, so a guest remembers one number.",
    "offline_fallback": "Give doors without an online connection an offline code.",
    "readiness_lead_minutes": "Every door's code must be set this long before check-in, or it is at risk.",
    "use_backup_pool": "Use the door's backup code pool where it has one.",
    "guest_data_retention_days": "Guest name, e-mail and phone are redacted this many days after check-out.",
}


class DoorChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, device):
        return f"{device.name} ({device.manufacturer})" if device.manufacturer else device.name


class PlaceForm(forms.Form):
    """A property or a unit: the model's own fields (with their validators) plus a set of doors chosen
    from the workspace's devices; the services judge the rest and take the doors as ids."""

    model = None
    model_fields: list[str] = []
    doors_field = ""
    doors_label = ""
    doors_help = ""

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(self.model, fields=self.model_fields)
        for name, field in fields.items():
            if name in POLICY_HELP:
                field.help_text = POLICY_HELP[name]
        self.fields.update(fields)
        self.fields[self.doors_field] = DoorChoiceField(
            queryset=Device.objects.for_workspace(workspace).order_by("name"),
            required=False,
            label=self.doors_label,
            help_text=self.doors_help,
        )

    def service_arguments(self) -> dict:
        arguments = dict(self.cleaned_data)
        arguments[self.doors_field] = [device.pk for device in arguments[self.doors_field]]
        return arguments


class PropertyForm(PlaceForm):
    model = Property
    model_fields = ["name", "timezone", "check_in_time", "check_out_time", *POLICY_FIELDS]
    doors_field = "shared_door_ids"
    doors_label = "Shared doors"
    doors_help = "Doors every guest of the property uses (the entrance, a gate); each unit adds its own."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("check_in_time", "check_out_time"):
            self.fields[name].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        self.fields["check_in_time"].help_text = "On the property's clock; a booking without a time uses it."
        self.fields["check_out_time"].help_text = "On the property's clock."


INHERIT_CHOICES = [("unknown", "As the property"), ("true", "Yes"), ("false", "No")]


class UnitForm(PlaceForm):
    model = Unit
    model_fields = ["name", "external_id", *POLICY_FIELDS]
    doors_field = "door_ids"
    doors_label = "The unit's doors"
    doors_help = "Doors only this unit's guests use; the property's shared doors come on top."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in POLICY_FIELDS:
            field = self.fields[name]
            # A unit's empty policy field inherits the property's value, whatever empty means there.
            own = "" if name == "pin_length" else POLICY_HELP[name]
            field.help_text = f"{own} Empty: as the property.".strip()
            if isinstance(field.widget, forms.NullBooleanSelect):
                field.widget.choices = INHERIT_CHOICES


class RotatePinForm(forms.Form):
    """The confirmation of a PIN rotation: the seed its preview was drawn from, so the same PINs are set."""

    rotation_seed = forms.RegexField(
        regex=r"^[0-9a-f]{16}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": "This preview is no longer valid: open the rotation again."},
    )


class BookingSourceForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        help_text="The booking system, e.g. Hostaway: its bookings are stored with this name as their source.",
    )
