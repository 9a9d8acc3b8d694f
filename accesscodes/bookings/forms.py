"""The bookings pages' forms. Check-in and check-out are typed on the property's clock: a date alone
means the property's check-in / check-out time, a time makes it exact (the service reads both in the
property's zone). The services judge everything else (`booking_upsert` runs `full_clean()`)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from accesscodes.bookings.models import Booking, CalendarFeed
from accesscodes.bookings.selectors import READINESS_CHOICES, units_for_choice


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
