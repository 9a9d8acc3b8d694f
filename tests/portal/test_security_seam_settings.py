"""The Seam key and URL: only owners change them, the URL keeps the key on TLS (or on this machine), the
key has Seam's format, and it never shows in an error page."""

import sys

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.views.debug import ExceptionReporter

from devices.models import SyncRun
from devices.services import device_sync
from portal.models import Role, Workspace
from portal.seam import SeamSettingsUnusable, seam_client_for_workspace

KEY = "seam_test_alpha_key_000"
NEW_KEY = "seam_live_Owner0nly_k3y_9876"


def settings_form(workspace, **changes):
    return {
        "name": workspace.name,
        "slug": workspace.slug,
        "timezone": workspace.timezone,
        "seam_api_key": "",
        "seam_api_url": "",
        "seam_workspace_id": "",
        **changes,
    }


def post_settings(client, workspace, **changes):
    return client.post(
        reverse("admin:portal_workspace_change", args=[workspace.pk]), settings_form(workspace, **changes)
    )


def test_workspace_admin_cannot_change_the_seam_key_or_url(client, member, workspace_a):
    client.force_login(member(workspace_a, Role.ADMIN))
    page = client.get(reverse("admin:portal_workspace_change", args=[workspace_a.pk]))
    assert "seam_api_key" not in page.context["adminform"].form.fields
    assert "seam_api_url" not in page.context["adminform"].form.fields
    assert KEY.encode() not in page.content
    post_settings(
        client, workspace_a, name="Alpha Renamed", seam_api_key=NEW_KEY, seam_api_url="https://evil.example"
    )
    workspace = Workspace.objects.get(pk=workspace_a.pk)
    assert workspace.name == "Alpha Renamed"  # the rest of the settings are the admin's
    assert workspace.seam_api_key == KEY
    assert workspace.seam_api_url == ""


def test_owner_changes_the_seam_key_and_url(alice_client, workspace_a):
    response = post_settings(
        alice_client, workspace_a, seam_api_key=NEW_KEY, seam_api_url="https://connect.example.com"
    )
    assert response.status_code == 302
    workspace = Workspace.objects.get(pk=workspace_a.pk)
    assert (workspace.seam_api_key, workspace.seam_api_url) == (NEW_KEY, "https://connect.example.com")


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example.com",
        "http://127.0.0.1.evil.example.com:8765",
        "http://10.0.0.8:8765",
        "ftp://connect.example.com",
    ],
)
def test_the_seam_url_must_be_https(alice_client, workspace_a, url):
    response = post_settings(alice_client, workspace_a, seam_api_url=url)
    assert response.status_code == 200
    assert "seam_api_url" in response.context["adminform"].form.errors
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_url == ""


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://127.9.9.9", "http://localhost:1", "http://[::1]:80"]
)
def test_plain_http_to_this_machine_only_when_allowed(settings, workspace_a, url):
    workspace_a.seam_api_url = url
    settings.SEAM_ALLOW_HTTP_LOOPBACK = True
    workspace_a.full_clean()
    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(ValidationError, match="https://"):
        workspace_a.full_clean()


@pytest.mark.parametrize("key", ["seam_tëst_key_0001", "seam_test key", "seam_test-key", "seam_\u200bkey"])
def test_a_key_outside_seams_format_is_refused(alice_client, workspace_a, key):
    response = post_settings(alice_client, workspace_a, seam_api_key=key)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["seam_api_key"])
    assert "ASCII letters, digits and underscores" in errors or "seam_" in errors
    assert key not in errors  # the refusal never repeats the secret
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_key == KEY


def test_a_stored_key_or_url_that_must_not_be_used_fails_the_sync_readably(workspace_a):
    # Rows saved before the validation existed: nothing is sent, and the sync says why.
    Workspace.objects.filter(pk=workspace_a.pk).update(seam_api_key="seam_tëst_key_0001")
    run = device_sync(workspace=Workspace.objects.get(pk=workspace_a.pk))
    assert run.status == SyncRun.Status.FAILED
    assert "ASCII letters, digits and underscores" in run.error_message

    Workspace.objects.filter(pk=workspace_a.pk).update(seam_api_key=KEY, seam_api_url="http://evil.example")
    with pytest.raises(SeamSettingsUnusable, match="https://"):
        seam_client_for_workspace(Workspace.objects.get(pk=workspace_a.pk)).devices_list()


def test_the_key_never_shows_in_a_debug_error_page(alice_client, workspace_a):
    """Django's debug page lists the POST data and every frame's variables: the key must be hidden in both."""
    response = post_settings(alice_client, workspace_a, seam_api_key=NEW_KEY)
    request = response.wsgi_request
    stored_key = Workspace.objects.get(pk=workspace_a.pk).seam_api_key
    assert stored_key == NEW_KEY

    def fail_while_holding_the_key(api_key):
        raise RuntimeError("a crash while the key is in a local variable")

    try:
        fail_while_holding_the_key(stored_key)
    except RuntimeError:
        page = ExceptionReporter(request, *sys.exc_info(), is_email=False).get_traceback_html()
    assert "a crash while the key" in page
    assert "seam_api_key" in page  # the POST parameter is listed, its value hidden
    assert NEW_KEY not in page
    assert NEW_KEY not in repr(stored_key)
