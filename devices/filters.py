"""The devices page's query string, validated before it reaches the database: an unknown health or a NUL
byte is a form error (the page answers 400), never a database error."""

from django import forms

from devices.selectors import DEVICE_HEALTH_CHOICES


class DeviceFilterForm(forms.Form):
    manufacturer = forms.CharField(required=False, max_length=100)
    health = forms.ChoiceField(choices=[("", "All"), *DEVICE_HEALTH_CHOICES], required=False)
    removed = forms.BooleanField(required=False)
