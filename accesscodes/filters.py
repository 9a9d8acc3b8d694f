"""The access-code list's query string, validated before it reaches the database: an unknown choice or a
NUL byte is a form error (the page answers 400), never a database error."""

from django import forms

from accesscodes.models import AccessCode


class AccessCodeFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "any"), *AccessCode.Status.choices], required=False)
    sync_state = forms.ChoiceField(choices=[("", "any"), *AccessCode.SyncState.choices], required=False)
    type = forms.ChoiceField(choices=[("", "any"), *AccessCode.Type.choices], required=False)
