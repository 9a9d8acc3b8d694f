import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_then_home_lists_only_own_workspaces(client, two_workspaces):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw-for-tests-only"}, follow=True
    )
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content
    assert b"Bravo Hotels" not in response.content


def test_workspace_page_for_member(client, alice, two_workspaces):
    client.force_login(alice)
    response = client.get(reverse("workspace_detail", args=["alpha"]))
    assert response.status_code == 200
    assert b"Alpha Rentals" in response.content


@pytest.mark.parametrize("url_name", ["workspace_detail", "device_list", "access_code_list"])
def test_other_workspace_pages_are_404(client, alice, two_workspaces, url_name):
    client.force_login(alice)
    assert client.get(reverse(url_name, args=["bravo"])).status_code == 404


def test_logout(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    assert client.get(reverse("admin:login")).status_code == 200
