"""`manage.py seam_webhook_endpoint SLUG [--secret whsec_...]` and keeping the endpoint registered with
Seam when the portal has a public URL (against the sandbox's webhooks/* routes)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.hooks.endpoints import seam_webhooks_keep_registered
from portal.hooks.tokens import new_webhook_secret
from portal.models import SeamWebhookEndpoint
from portal.seam import seam_client_for_workspace

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("seam_webhook_endpoint", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_one_endpoint_that_keeps_its_url(workspace_a, settings):
    settings.PORTAL_PUBLIC_URL = ""
    first = run("alpha")
    assert first["url"].startswith("/hooks/seam/") and first["secret"].startswith("whsec_")
    assert run("alpha") == first
    seam_secret = new_webhook_secret()
    # The URL registered by hand in Seam stays; Seam's secret replaces the generated one.
    assert run("alpha", "--secret", seam_secret) == {"url": first["url"], "secret": seam_secret}
    assert SeamWebhookEndpoint.objects.for_workspace(workspace_a).get().receives_deliveries


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "No workspace"),
        (["alpha", "--secret", "sk_not_a_webhook_secret"], "starts with “whsec_”"),
        (["alpha", "--secret", "whsec_***"], "base64"),
    ],
)
def test_the_command_refuses_clearly(workspace_a, settings, args, message):
    settings.PORTAL_PUBLIC_URL = ""
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not SeamWebhookEndpoint.objects.for_workspace(workspace_a).exists()


def test_with_a_public_url_the_endpoint_is_registered_with_seam_and_kept_registered(
    sandbox_workspace, settings
):
    # A local port nothing listens on: should the sandbox ever deliver there, it fails at once, offline.
    settings.PORTAL_PUBLIC_URL = "http://127.0.0.1:9"
    workspace = sandbox_workspace()
    printed = run(workspace.slug)
    assert printed["url"].startswith("http://127.0.0.1:9/hooks/seam/")
    with seam_client_for_workspace(workspace) as client:
        [webhook] = client.webhooks_list()
        assert (webhook["url"], webhook["secret"]) == (printed["url"], printed["secret"])
        assert run(workspace.slug) == printed and len(client.webhooks_list()) == 1

        # Someone deleted it in Seam: the hourly check registers it again, with Seam's new secret.
        client.webhooks_delete(webhook_id=webhook["webhook_id"])
        assert seam_webhooks_keep_registered()["registered"] >= 1
        [again] = client.webhooks_list()
    endpoint = SeamWebhookEndpoint.objects.for_workspace(workspace).get()
    assert again["url"] == printed["url"] and str(endpoint.secret) == again["secret"] != printed["secret"]
    assert str(endpoint.previous_secret) == printed["secret"]  # in flight deliveries still verify

    with pytest.raises(CommandError, match="Leave out --secret"):
        run(workspace.slug, "--secret", new_webhook_secret())
    with seam_client_for_workspace(workspace) as client:
        client.webhooks_delete(webhook_id=again["webhook_id"])
