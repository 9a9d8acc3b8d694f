"""Creating and managing booking sources: the command, the admin (workspace admins only; URL and secret
shown once), the source's deliveries with "process again" for managers, and a constant number of queries
for the inbox list."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hook_signing import booking_data, hook_body

from accesscodes.bookings.hook_sources import hook_token_hash
from accesscodes.bookings.models import BookingHookDelivery, BookingSource
from portal.models import Role

pytestmark = pytest.mark.django_db


def test_the_command_prints_a_url_and_secret_that_receive_hooks(send, workspace_a):
    out = io.StringIO()
    call_command("create_booking_source", "alpha", "--name", "Hostaway", stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {"url", "secret"}
    assert printed["url"].startswith("/hooks/bookings/") and printed["secret"].startswith("whsec_")
    source = BookingSource.objects.for_workspace(workspace_a).get()
    assert (source.name, source.key) == ("Hostaway", "hostaway")
    assert send(printed["url"], hook_body(**booking_data()), secret=printed["secret"]).status_code == 202


def test_the_command_explains_what_is_wrong(workspace_a):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_booking_source", "nope", "--name", "Hostaway", stdout=io.StringIO())
    call_command("create_booking_source", "alpha", "--name", "Hostaway", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has a booking source"):
        call_command("create_booking_source", "alpha", "--name", "hostaway", stdout=io.StringIO())


def test_a_workspace_admin_adds_a_source_and_sees_its_url_and_secret_once(alice_client, workspace_a):
    response = alice_client.post(
        reverse("admin:bookings_bookingsource_add"), {"workspace": workspace_a.pk, "name": "My PMS"}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    source = BookingSource.objects.for_workspace(workspace_a).get()
    page = response.content.decode()
    assert source.secret in page
    token = page.split("/hooks/bookings/")[1].split("/")[0]
    assert hook_token_hash(token) == source.token_hash
    change_page = alice_client.get(reverse("admin:bookings_bookingsource_change", args=[source.pk]))
    assert source.secret not in change_page.content.decode() and token not in change_page.content.decode()


def test_rotating_in_the_admin_shows_the_new_secret_and_keeps_the_old_one_for_a_while(
    alice_client, hook_source, send
):
    source, url, old_secret = hook_source
    response = alice_client.post(
        reverse("admin:bookings_bookingsource_changelist"),
        {"action": "rotate_secret", "_selected_action": [source.pk]},
    )
    source.refresh_from_db()
    assert source.secret != old_secret and source.secret in response.content.decode()
    assert send(url, hook_body(**booking_data()), secret=old_secret).status_code == 202
    assert send(url, hook_body(**booking_data()), secret=source.secret).status_code == 202


def test_a_manager_may_not_add_sources(client, member, workspace_a):
    client.force_login(member(workspace_a, Role.MANAGER))
    response = client.post(
        reverse("admin:bookings_bookingsource_add"), {"workspace": workspace_a.pk, "name": "My PMS"}
    )
    assert response.status_code == 403
    assert not BookingSource.objects.for_workspace(workspace_a).exists()


def test_a_manager_processes_a_delivery_again_and_a_viewer_may_not(
    client, member, hook_source, send, workspace_a
):
    _, url, secret = hook_source
    send(url, hook_body(**booking_data(unit_external_id="L-404")), secret=secret)
    delivery = BookingHookDelivery.objects.for_workspace(workspace_a).get()
    delivery.status, delivery.outcome = BookingHookDelivery.Status.FAILED, "unit_external_id: No such unit"
    delivery.save()
    changelist = reverse("admin:bookings_bookinghookdelivery_changelist")
    action = {"action": "process_again", "_selected_action": [delivery.pk]}

    client.force_login(member(workspace_a, Role.VIEWER))
    client.post(changelist, action)
    delivery.refresh_from_db()
    assert delivery.status == BookingHookDelivery.Status.FAILED

    client.force_login(member(workspace_a, Role.MANAGER))
    page = client.get(changelist + f"?source__id__exact={delivery.source_id}")
    assert page.status_code == 200 and b"No such unit" in page.content
    response = client.post(changelist, action)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == BookingHookDelivery.Status.RECEIVED


def test_another_workspaces_sources_and_deliveries_are_not_in_the_admin(
    client, member, hook_source, send, workspace_b
):
    source, url, secret = hook_source
    send(url, hook_body(**booking_data()), secret=secret)
    client.force_login(member(workspace_b, Role.OWNER, username="bravo-owner"))
    assert client.get(reverse("admin:bookings_bookingsource_change", args=[source.pk])).status_code == 302
    page = client.get(reverse("admin:bookings_bookinghookdelivery_changelist"))
    assert b"My PMS" not in page.content


def test_the_inbox_list_and_the_source_page_take_a_constant_number_of_queries(
    alice_client, hook_source, send, flat
):
    source, url, secret = hook_source

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(path).status_code == 200
        return len(captured)

    changelist = reverse("admin:bookings_bookinghookdelivery_changelist")
    source_page = reverse("admin:bookings_bookingsource_change", args=[source.pk])
    counts = []
    for total in (2, 12):
        while BookingHookDelivery.objects.for_workspace(source.workspace).count() < total:
            send(url, hook_body(**booking_data()), secret=secret)
        counts.append((queries(changelist), queries(source_page)))
    assert counts[0] == counts[1]
