"""Workspace API tokens: made with `create_api_token` or in the admin (shown once, stored hashed), read or
write, revoked, last_used_at recorded; no, bad or revoked tokens are 401 in the error envelope."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken, Role
from portal.services import api_token_hash, api_token_revoke

pytestmark = pytest.mark.django_db

DEVICES = "/api/v1/devices/"


def bearer(clear: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    return client


def create_api_token(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def test_command_prints_the_token_alone_and_stores_only_its_hash(workspace_a):
    printed = create_api_token("alpha", "--name", "Channel manager")
    clear = printed.strip()
    assert printed == clear + "\n"
    assert re.fullmatch(r"lp_[A-Za-z0-9_-]{40,}", clear)
    token = ApiToken.objects.for_workspace(workspace_a).get()
    assert (token.name, token.scope, token.prefix) == ("Channel manager", "write", clear[:10])
    assert token.token_hash == api_token_hash(clear) != clear
    assert bearer(clear).get(DEVICES).status_code == 200


def test_command_read_only_token_reads_but_may_not_write(workspace_a):
    clear = create_api_token("alpha", "--name", "Dashboard", "--read-only").strip()
    assert ApiToken.objects.for_workspace(workspace_a).get().scope == "read"
    client = bearer(clear)
    assert client.get(DEVICES).status_code == 200
    refused = client.post(f"{DEVICES}sync/")
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "permission_denied"


def test_command_refuses_an_unknown_workspace(db):
    with pytest.raises(CommandError, match="No workspace with the slug 'nowhere'"):
        create_api_token("nowhere", "--name", "x")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Token lp_abc",
        "Bearer lp_unknown",
        "Bearer two words",
        "Basic dXNlcjpwdw==",
    ],
)
def test_no_or_bad_token_is_401_in_the_envelope(workspace_a, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(DEVICES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["error"]["type"] == "unauthorized" and body["request_id"]


def test_a_session_is_not_enough(alice_client, workspace_a):
    """The browser's session does not open the API: only tokens do (no CSRF surprises)."""
    assert alice_client.get(DEVICES).status_code == 401


def test_revoked_token_is_401(workspace_a, make_token):
    token, clear = make_token(workspace_a)
    client = bearer(clear)
    assert client.get(DEVICES).status_code == 200
    api_token_revoke(token=token)
    response = client.get(DEVICES)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This token is unknown or revoked."


def test_last_used_at_is_recorded_at_most_once_a_minute(workspace_a, make_token):
    token, clear = make_token(workspace_a)
    assert token.last_used_at is None
    client = bearer(clear)
    client.get(DEVICES)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    client.get(DEVICES)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.for_workspace(workspace_a).filter(pk=token.pk).update(
        last_used_at=first - timedelta(minutes=2)
    )
    client.get(DEVICES)
    token.refresh_from_db()
    assert token.last_used_at > first


# ----- the admin ---------------------------------------------------------------------------------------

ADMIN = "/admin/portal/apitoken/"


def test_an_owner_creates_a_token_in_the_admin_and_sees_it_once(alice_client, workspace_a):
    response = alice_client.post(
        f"{ADMIN}add/", {"workspace": workspace_a.pk, "name": "PMS", "scope": "write"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = alice_client.get(response["Location"]).content.decode()  # the message, on the next page
    clear = re.search(r"lp_[A-Za-z0-9_-]+", shown).group(0)
    token = ApiToken.objects.for_workspace(workspace_a).get()
    assert token.token_hash == api_token_hash(clear)
    assert bearer(clear).get(DEVICES).status_code == 200

    for page in (ADMIN, f"{ADMIN}{token.pk}/change/"):
        html = alice_client.get(page).content.decode()
        assert token.prefix in html
        assert clear not in html and token.token_hash not in html


def test_revoke_action(alice_client, workspace_a, make_token):
    token, clear = make_token(workspace_a)
    response = alice_client.post(ADMIN, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(clear).get(DEVICES).status_code == 401


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
def test_only_workspace_admins_and_owners_manage_tokens(client, workspace_a, member, make_token, role):
    token, _ = make_token(workspace_a)
    client.force_login(member(workspace_a, role))
    assert client.get(ADMIN).status_code == 403
    assert client.get(f"{ADMIN}add/").status_code == 403
    assert client.get(f"{ADMIN}{token.pk}/change/").status_code in (302, 403)


def test_an_admin_of_another_workspace_sees_none_of_these_tokens(
    client, workspace_a, workspace_b, bob, make_token
):
    token, _ = make_token(workspace_a, name="Alpha's PMS")
    client.force_login(bob)
    assert "Alpha&#x27;s PMS" not in client.get(ADMIN).content.decode()
    client.post(ADMIN, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None
    refused = client.post(f"{ADMIN}add/", {"workspace": workspace_a.pk, "name": "Sneaky", "scope": "write"})
    assert refused.status_code == 200  # the form refuses a workspace outside the choices
    assert not ApiToken.objects.for_workspace(workspace_a).filter(name="Sneaky").exists()
