from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accesscodes.models import AccessCode

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AccessCodeForm(forms.Form):
    """Times are typed in the workspace's timezone (the view activates it)."""

    name = forms.CharField(max_length=200)
    code = forms.CharField(
        max_length=12, required=False, help_text="Leave empty to have a PIN chosen for you."
    )
    starts_at = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    is_offline_access_code = forms.BooleanField(required=False, label="Offline code")
    is_one_time_use = forms.BooleanField(required=False, label="One-time use")
    max_time_rounding = forms.ChoiceField(choices=AccessCode.MAX_TIME_ROUNDING_CHOICES, initial="1hour")
    allow_external_modification = forms.BooleanField(required=False)
    prefer_native_scheduling = forms.BooleanField(required=False, initial=True)
    use_backup_access_code_pool = forms.BooleanField(required=False, label="Use the backup code pool")

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the rules' messages on the fields they are about."""
        by_field = (
            error.message_dict if hasattr(error, "message_dict") else {NON_FIELD_ERRORS: error.messages}
        )
        for field, messages in by_field.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class AccessCodeEditForm(AccessCodeForm):
    """Only what Seam can change on an existing code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for fixed in ("is_offline_access_code", "is_one_time_use", "use_backup_access_code_pool"):
            del self.fields[fixed]
