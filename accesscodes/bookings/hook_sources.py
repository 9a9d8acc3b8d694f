"""Booking sources: who may push bookings to `/hooks/bookings/<token>/`, and with which signing secret.

The URL token and the secret are returned once, when made; only the token's hash and the encrypted
secret are kept."""

import base64
import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accesscodes.bookings.models import BookingSource

SECRET_PREFIX = "whsec_"
# How long the secret a rotation replaces keeps verifying, so the sender can switch without losing hooks.
ROTATION_OVERLAP = dt.timedelta(hours=24)


def hook_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hook_url_path(token: str) -> str:
    return f"/hooks/bookings/{token}/"


def _new_secret() -> str:
    # Standard Webhooks: "whsec_" and the base64 of 24 to 64 random bytes.
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def booking_source_key(name: str) -> str:
    """The `source` of the bookings a source sends: its name as a slug, fixed when it is created."""
    key = slugify(name)[:60]
    if not key:
        raise ValidationError(
            {"name": "Use a name with Latin letters or digits: it names the bookings' source."}
        )
    return key


@transaction.atomic
def booking_source_create(*, workspace, name: str) -> tuple[BookingSource, str, str]:
    """A new source, its URL path and its secret, which are returned here once and shown nowhere else."""
    key = booking_source_key(name)
    token = secrets.token_urlsafe(32)
    secret = _new_secret()
    source = BookingSource(
        workspace=workspace,
        name=name.strip(),
        key=key,
        token_hash=hook_token_hash(token),
        secret=secret,
    )
    # A hash of 256 random bits is unique (its index would still refuse a collision); the constraints,
    # one source key per workspace, are checked.
    source.full_clean(validate_unique=False)
    source.save()
    return source, hook_url_path(token), secret


@transaction.atomic
def booking_source_secret_rotate(
    *, source: BookingSource, overlap: dt.timedelta = ROTATION_OVERLAP, now=None
) -> str:
    """A new secret (returned once); the current one keeps verifying for `overlap`."""
    now = now or timezone.now()
    source = BookingSource.objects.for_workspace(source.workspace_id).select_for_update().get(pk=source.pk)
    secret = _new_secret()
    source.previous_secret = source.secret
    source.previous_secret_expires_at = now + overlap
    source.secret = secret
    source.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return secret


@transaction.atomic
def booking_source_url_rotate(*, source: BookingSource) -> str:
    """A new URL path (returned once); the old URL stops answering at once."""
    token = secrets.token_urlsafe(32)
    source.token_hash = hook_token_hash(token)
    source.save(update_fields=["token_hash"])
    return hook_url_path(token)


def booking_source_for_token(*, token: str) -> BookingSource | None:
    """The source a hook URL names. The token is the credential, so this is the one lookup that does not
    start from a workspace: the source found decides it."""
    return (
        BookingSource.objects.dangerously_all_workspaces().filter(token_hash=hook_token_hash(token)).first()
    )


@transaction.atomic
def booking_source_disable(*, source: BookingSource, now=None) -> BookingSource:
    """Stop the source: its URL answers 410 Gone from now on, so the sender stops retrying. Disabling a
    disabled source changes nothing (the first date is kept)."""
    source = BookingSource.objects.for_workspace(source.workspace_id).select_for_update().get(pk=source.pk)
    if source.disabled_at is None:
        source.disabled_at = now or timezone.now()
        source.save(update_fields=["disabled_at"])
    return source
