"""The workspace settings pages' forms: they only collect input; the services judge it."""

from django import forms

from portal.models import ApiToken, Role
from portal.outbound.events import webhook_event_types


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Someone who already has an account here.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “PMS sync”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.WRITE,
        help_text="Read: only looks. Write: creates and changes codes and bookings, like a manager.",
    )


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label="URL", max_length=500, assume_scheme="https", help_text="https://… on your side."
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every event.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [
            (event_type.name, f"{event_type.name}: {event_type.description}")
            for event_type in webhook_event_types()
        ]


class SeamKeyForm(forms.Form):
    seam_api_key = forms.CharField(
        label="New Seam API key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From Seam's console (starts with “seam_”). The current key stops being used at once.",
    )


def form_add_service_errors(form: forms.Form, error, *, field_names: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: each message on its field when the form has it
    (`field_names` maps a service's name to the form's), else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        field = (field_names or {}).get(name, name)
        form.add_error(field if field in form.fields else None, messages)
