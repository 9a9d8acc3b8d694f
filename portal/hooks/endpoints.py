"""Each workspace's Seam webhook endpoint: its URL token, its signing secret and its registration with Seam."""

import base64
import binascii
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.fields import UnreadableSecret
from portal.hooks.tokens import new_token, new_webhook_secret, token_hash
from portal.models import SeamWebhookEndpoint, Workspace
from portal.seam import SeamError, SeamNotFound, seam_client_for_workspace

logger = logging.getLogger(__name__)

# After a secret changes, deliveries Seam signed with the old one may still be on their way.
PREVIOUS_SECRET_OVERLAP = dt.timedelta(hours=1)


def validate_webhook_secret(value: str) -> None:
    # The message never repeats the value: it is a secret.
    prefix = "whsec_"
    if not value.startswith(prefix):
        raise ValidationError("A Seam webhook secret starts with “whsec_”.", code="prefix")
    try:
        key = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ValidationError("A Seam webhook secret is “whsec_” followed by base64 text.", code="format")


def endpoint_for_token(token: str) -> SeamWebhookEndpoint | None:
    # The token is what names the workspace here, so this one lookup runs across workspaces.
    return (
        SeamWebhookEndpoint.objects.dangerously_all_workspaces()
        .select_related("workspace")
        .filter(token_hash=token_hash(token))
        .first()
    )


def endpoint_secrets(endpoint: SeamWebhookEndpoint, *, now=None) -> list:
    """The secrets a delivery may be signed with: the current one, and the previous one for a while."""
    now = now or timezone.now()
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and now < expires:
        secrets.append(endpoint.previous_secret)
    return secrets


def endpoint_url(endpoint: SeamWebhookEndpoint, *, public_url: str = "") -> str:
    """The absolute URL when the portal's public URL is known, otherwise the path."""
    base = (public_url or settings.PORTAL_PUBLIC_URL).rstrip("/")
    return f"{base}{endpoint.path}"


@transaction.atomic
def seam_webhook_endpoint_set(*, workspace: Workspace, secret: str = "") -> SeamWebhookEndpoint:
    """The workspace's endpoint, created with a new URL token when it has none (the URL never changes
    after that). A given `secret` is Seam's, for the URL registered by hand in Seam: it replaces the stored
    one and means Seam delivers here. A new endpoint without one gets a generated secret (sandboxes)."""
    if secret:
        validate_webhook_secret(secret)
    endpoint = SeamWebhookEndpoint.objects.for_workspace(workspace).select_for_update().first()
    if endpoint is None:
        token = new_token()
        endpoint = SeamWebhookEndpoint(
            workspace=workspace,
            token=token,
            token_hash=token_hash(token),
            secret=secret or new_webhook_secret(),
            receives_deliveries=bool(secret),
        )
        # Django's unique check on the token hash would query across workspaces; the database enforces it.
        endpoint.full_clean(validate_unique=False)
        endpoint.save()
        return endpoint
    if secret and secret != endpoint.secret:
        _secret_replace(endpoint, secret)
        endpoint.receives_deliveries = True
        endpoint.save()
    return endpoint


def _secret_replace(endpoint: SeamWebhookEndpoint, secret: str) -> None:
    if not isinstance(endpoint.secret, UnreadableSecret):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_OVERLAP
    endpoint.secret = secret


def seam_webhook_register(*, workspace: Workspace, public_url: str, client=None) -> SeamWebhookEndpoint:
    """Make Seam deliver the workspace's events to `public_url` + the endpoint's path: `webhooks/create`,
    which returns the secret, unless Seam still has the portal's registration for that URL. A registration
    for another URL (the public URL changed) is replaced. Raises SeamError when Seam cannot be reached."""
    endpoint = seam_webhook_endpoint_set(workspace=workspace)
    url = endpoint_url(endpoint, public_url=public_url)
    if client is None:
        with seam_client_for_workspace(workspace) as own_client:
            return _register(own_client, workspace, endpoint, url)
    return _register(client, workspace, endpoint, url)


def _register(client, workspace: Workspace, endpoint: SeamWebhookEndpoint, url: str) -> SeamWebhookEndpoint:
    old_webhook_id = endpoint.seam_webhook_id
    if old_webhook_id and endpoint.registered_url == url and _still_registered(client, old_webhook_id):
        return endpoint
    webhook = client.webhooks_create(url=url)
    with transaction.atomic():
        endpoint = SeamWebhookEndpoint.objects.for_workspace(workspace).select_for_update().get()
        _secret_replace(endpoint, webhook["secret"])
        endpoint.seam_webhook_id = webhook["webhook_id"]
        endpoint.registered_url = url
        endpoint.receives_deliveries = True
        endpoint.last_registration_error = ""
        endpoint.save()
    if old_webhook_id and old_webhook_id != webhook["webhook_id"]:
        try:
            client.webhooks_delete(webhook_id=old_webhook_id)
        except SeamError as error:  # already gone, or Seam is busy: the old URL no longer answers anyway
            logger.info("Workspace %s: old Seam webhook not deleted: %r", workspace.pk, error)
    return endpoint


def _still_registered(client, webhook_id: str) -> bool:
    try:
        client.webhooks_get(webhook_id=webhook_id)
    except SeamNotFound:
        return False
    return True


def seam_webhooks_keep_registered(*, public_url: str = "") -> dict[str, int]:
    """With a public URL, every workspace's endpoint stays registered with Seam; each workspace on its own,
    a failure recorded on its endpoint."""
    public_url = public_url or settings.PORTAL_PUBLIC_URL
    counts = {"registered": 0, "failed": 0}
    if not public_url:
        return counts
    for workspace in Workspace.objects.all():
        try:
            seam_webhook_register(workspace=workspace, public_url=public_url)
        except Exception as error:
            logger.warning("Workspace %s: Seam webhook registration failed: %r", workspace.pk, error)
            SeamWebhookEndpoint.objects.for_workspace(workspace).update(
                last_registration_error=f"{type(error).__name__}: {error}"[:2000]
            )
            counts["failed"] += 1
        else:
            counts["registered"] += 1
    return counts
