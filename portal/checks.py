"""Deployment checks of the portal's own settings (`python manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def field_encryption_key_check(app_configs, **kwargs):
    # Without its own key the Seam keys are encrypted with one derived from SECRET_KEY: rotating the
    # secret key would then make every stored Seam key unreadable.
    if settings.DEBUG or settings.FIELD_ENCRYPTION_KEYS:
        return []
    return [
        Error(
            "FIELD_ENCRYPTION_KEY is not set, so Seam API keys are encrypted with a key derived from "
            "SECRET_KEY; changing SECRET_KEY would make every stored Seam API key unreadable.",
            hint=(
                "Generate a key with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`, set FIELD_ENCRYPTION_KEY to it and keep it safe."
            ),
            id="portal.E001",
        )
    ]


@register(Tags.security, deploy=True)
def seam_http_loopback_check(app_configs, **kwargs):
    if not settings.SEAM_ALLOW_HTTP_LOOPBACK:
        return []
    return [
        Warning(
            "SEAM_ALLOW_HTTP_LOOPBACK is on: a workspace may send its Seam API key in plain HTTP to a "
            "port on this machine.",
            hint="Set SEAM_ALLOW_HTTP_LOOPBACK=0 unless this deployment talks to a local Seam sandbox.",
            id="portal.W001",
        )
    ]
