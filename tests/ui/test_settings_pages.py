"""The workspace settings pages on PostgreSQL: only owners and admins, the role rules' refusals as form
errors (an admin touches neither owners nor the Seam key), another workspace's ids are 404, a new
token or signing secret is shown once, and each list takes a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesscodes.bookings.hook_sources import booking_source_create, hook_token_hash
from accesscodes.bookings.models import BookingHookDelivery, BookingSource, CalendarFeed
from portal.models import ApiToken, Membership, Role, Workspace
from portal.outbound.models import WebhookDelivery, WebhookEndpoint
from portal.outbound.services import webhook_endpoint_create
from portal.services import api_token_create, api_token_hash, membership_set

pytestmark = pytest.mark.django_db

NEW_KEY = "seam_test_replaced_key_123"


def url(name, *args, slug="alpha"):
    return reverse(name, args=[slug, *args])


@pytest.fixture
def admin_client(client, member, workspace_a):
    client.force_login(member(workspace_a, Role.ADMIN))
    return client


@pytest.fixture
def unit(property_with_doors):
    return property_with_doors["units"]["4B"]


@pytest.fixture
def settings_rows(workspace_a, alice, unit):
    """One of each thing the settings pages list or act on, in workspace A."""
    token, _ = api_token_create(workspace=workspace_a, name="PMS sync")
    endpoint, _ = webhook_endpoint_create(workspace=workspace_a, url="https://example.com/hooks")
    feed = CalendarFeed.objects.create(
        workspace=workspace_a, unit=unit, name="Airbnb", url="https://example.com/cal.ics"
    )
    delivery = WebhookDelivery.objects.create(
        workspace=workspace_a, endpoint=endpoint, event_id="msg_1", event_type="booking.created", payload={}
    )
    owner = Membership.objects.get(workspace=workspace_a, user=alice)
    source, _, _ = booking_source_create(workspace=workspace_a, name="Hostaway")
    return {
        "token": token,
        "endpoint": endpoint,
        "feed": feed,
        "delivery": delivery,
        "owner": owner,
        "source": source,
    }


def settings_pages(rows):
    return [
        url("settings_members"),
        url("settings_tokens"),
        url("settings_webhooks"),
        url("settings_webhook_detail", rows["endpoint"].pk),
        url("settings_seam"),
        url("settings_feeds"),
        url("settings_feed_edit", rows["feed"].pk),
        url("settings_sources"),
    ]


def settings_posts(rows):
    return [
        (url("settings_members"), {"username": "alice", "role": "viewer"}),
        (url("settings_member_change", rows["owner"].pk), {"action": "remove"}),
        (url("settings_tokens"), {"name": "x", "scope": "read"}),
        (url("settings_token_revoke", rows["token"].pk), {}),
        (url("settings_webhooks"), {"url": "https://example.com/other"}),
        (url("settings_webhook_detail", rows["endpoint"].pk), {"action": "disable"}),
        (url("settings_webhook_redeliver", rows["endpoint"].pk, rows["delivery"].pk), {}),
        (url("settings_seam"), {"seam_api_key": NEW_KEY}),
        (url("settings_feeds"), {"name": "x"}),
        (url("settings_feed_import", rows["feed"].pk), {}),
        (url("settings_sources"), {"name": "Guesty"}),
        (url("settings_source_secret_rotate", rows["source"].pk), {}),
        (url("settings_source_url_rotate", rows["source"].pk), {}),
        (url("settings_source_disable", rows["source"].pk), {}),
    ]


# -- roles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
def test_viewers_and_managers_are_refused_every_settings_page(
    client, member, workspace_a, settings_rows, role
):
    client.force_login(member(workspace_a, role))
    for page in settings_pages(settings_rows):
        assert client.get(page).status_code == 403, page
    for page, data in settings_posts(settings_rows):
        assert client.post(page, data).status_code == 403, page
    assert ApiToken.objects.for_workspace(workspace_a).count() == 1
    assert Membership.objects.filter(workspace=workspace_a).count() == 2
    assert WebhookEndpoint.objects.for_workspace(workspace_a).get().is_enabled
    source = BookingSource.objects.for_workspace(workspace_a).get()
    assert source.disabled_at is None and not source.previous_secret
    assert source.token_hash == settings_rows["source"].token_hash
    assert "/settings/" not in client.get(url("workspace_detail")).content.decode()


def test_admins_and_owners_open_every_settings_page_and_see_the_link(
    admin_client, alice_client, settings_rows
):
    for client in (admin_client, alice_client):
        for page in settings_pages(settings_rows):
            response = client.get(page)
            assert response.status_code == 200, page
            assert "Calendar feeds" in response.content.decode(), page
            assert "Booking sources" in response.content.decode(), page
        assert url("settings_members") in client.get(url("workspace_detail")).content.decode()


def test_an_admin_cannot_add_change_or_remove_an_owner(admin_client, workspace_a, make_user, settings_rows):
    make_user("carol")
    response = admin_client.post(url("settings_members"), {"username": "carol", "role": "owner"})
    assert response.status_code == 400
    assert "Only an owner can add, change or remove an owner." in response.content.decode()
    assert not Membership.objects.filter(workspace=workspace_a, user__username="carol").exists()

    owner = settings_rows["owner"]
    change = url("settings_member_change", owner.pk)
    response = admin_client.post(change, {"action": "role", f"m{owner.pk}-role": "viewer"})
    assert response.status_code == 400
    assert "Only an owner can add, change or remove an owner." in response.content.decode()
    assert admin_client.post(change, {"action": "remove"}).status_code == 400
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_admin_adds_changes_and_removes_a_member(admin_client, workspace_a, make_user):
    carol = make_user("carol")
    response = admin_client.post(url("settings_members"), {"username": "carol", "role": "manager"})
    assert response.status_code == 302
    membership = Membership.objects.get(workspace=workspace_a, user=carol)
    assert membership.role == Role.MANAGER
    change = url("settings_member_change", membership.pk)
    admin_client.post(change, {"action": "role", f"m{membership.pk}-role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    assert admin_client.post(change, {"action": "remove"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_unknown_username_is_a_field_error(admin_client, workspace_a):
    response = admin_client.post(url("settings_members"), {"username": "nobody", "role": "viewer"})
    assert response.status_code == 400
    assert response.context["add_form"].errors["username"] == ["No user named “nobody”."]


def test_the_last_owner_cannot_demote_themself(alice_client, settings_rows):
    owner = settings_rows["owner"]
    response = alice_client.post(
        url("settings_member_change", owner.pk), {"action": "role", f"m{owner.pk}-role": "admin"}
    )
    assert response.status_code == 400
    assert "Nobody changes their own role" in response.content.decode()


def test_an_admin_sees_the_masked_key_but_cannot_replace_it(admin_client, workspace_a):
    response = admin_client.get(url("settings_seam"))
    content = response.content.decode()
    assert workspace_a.masked_seam_api_key in content
    assert "seam_test_alpha_key_000" not in content
    assert 'name="seam_api_key"' not in content
    response = admin_client.post(url("settings_seam"), {"seam_api_key": NEW_KEY})
    assert response.status_code == 400
    assert "Only an owner of the workspace can change this." in response.content.decode()
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_key == "seam_test_alpha_key_000"


def test_an_owner_replaces_the_key_and_a_bad_key_is_a_field_error(alice_client, workspace_a):
    response = alice_client.post(url("settings_seam"), {"seam_api_key": "not-a-key"})
    assert response.status_code == 400
    assert response.context["form"].errors["seam_api_key"] == ["A Seam API key starts with “seam_”."]
    assert alice_client.post(url("settings_seam"), {"seam_api_key": NEW_KEY}).status_code == 302
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_key == NEW_KEY
    assert NEW_KEY not in alice_client.get(url("settings_seam")).content.decode()


# -- tenancy -----------------------------------------------------------------------------------------


def test_another_workspaces_ids_are_404(alice_client, workspace_b, bob, make_user):
    token, _ = api_token_create(workspace=workspace_b, name="Bravo's")
    endpoint, _ = webhook_endpoint_create(workspace=workspace_b, url="https://example.com/bravo")
    delivery = WebhookDelivery.objects.create(
        workspace=workspace_b, endpoint=endpoint, event_id="msg_b", event_type="booking.created", payload={}
    )
    bravo_owner = Membership.objects.get(workspace=workspace_b, user=bob)
    from accesscodes.bookings.models import Property, Unit

    property = Property.objects.create(workspace=workspace_b, name="Bravo House", timezone="UTC")
    unit = Unit.objects.create(workspace=workspace_b, property=property, name="1")
    feed = CalendarFeed.objects.create(
        workspace=workspace_b, unit=unit, name="VRBO", url="https://example.com/b"
    )
    source, _, _ = booking_source_create(workspace=workspace_b, name="Bravo PMS")
    assert alice_client.get(url("settings_webhook_detail", endpoint.pk)).status_code == 404
    assert alice_client.get(url("settings_feed_edit", feed.pk)).status_code == 404
    for page in [
        url("settings_token_revoke", token.pk),
        url("settings_webhook_detail", endpoint.pk),
        url("settings_webhook_redeliver", endpoint.pk, delivery.pk),
        url("settings_member_change", bravo_owner.pk),
        url("settings_feed_import", feed.pk),
        url("settings_feed_edit", feed.pk),
        url("settings_source_secret_rotate", source.pk),
        url("settings_source_url_rotate", source.pk),
        url("settings_source_disable", source.pk),
    ]:
        assert alice_client.post(page, {"action": "remove"}).status_code == 404, page
    source.refresh_from_db()
    assert source.disabled_at is None and not source.previous_secret
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Membership.objects.filter(pk=bravo_owner.pk).exists()
    # And workspace B's settings are not there for Alice at all.
    assert alice_client.get(url("settings_members", slug="bravo")).status_code == 404


# -- secrets shown once ------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(admin_client, workspace_a):
    response = admin_client.post(url("settings_tokens"), {"name": "Channel manager", "scope": "read"})
    assert response.status_code == 200
    clear = response.context["clear_token"]
    assert clear in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.for_workspace(workspace_a).get(name="Channel manager")
    assert token.token_hash == api_token_hash(clear)
    assert token.scope == ApiToken.Scope.READ
    listing = admin_client.get(url("settings_tokens")).content.decode()
    assert clear not in listing
    assert token.prefix in listing
    assert admin_client.post(url("settings_token_revoke", token.pk)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in admin_client.get(url("settings_tokens")).content.decode()


def test_a_new_webhook_endpoint_shows_its_secret_once_and_can_be_disabled(admin_client, workspace_a):
    response = admin_client.post(
        url("settings_webhooks"), {"url": "https://example.com/in", "event_types": ["booking.codes_ready"]}
    )
    assert response.status_code == 200
    secret = response.context["signing_secret"]
    assert secret in response.content.decode()
    endpoint = WebhookEndpoint.objects.for_workspace(workspace_a).get()
    assert endpoint.secret == secret
    assert endpoint.event_types == ["booking.codes_ready"]
    assert secret not in admin_client.get(url("settings_webhook_detail", endpoint.pk)).content.decode()
    admin_client.post(url("settings_webhook_detail", endpoint.pk), {"action": "disable"})
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    admin_client.post(url("settings_webhook_detail", endpoint.pk), {"action": "enable"})
    endpoint.refresh_from_db()
    assert endpoint.is_enabled


def test_a_new_booking_source_shows_its_url_and_secret_once_then_masked(admin_client, workspace_a):
    response = admin_client.post(url("settings_sources"), {"name": "Hostaway"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    hook_url, secret = response.context["hook_url"], response.context["secret"]
    content = response.content.decode()
    assert hook_url.startswith("http://testserver/hooks/bookings/") and hook_url in content
    assert secret.startswith("whsec_") and secret in content
    source = BookingSource.objects.for_workspace(workspace_a).get()
    token = hook_url.rstrip("/").rsplit("/", 1)[1]
    assert source.key == "hostaway" and source.token_hash == hook_token_hash(token)
    assert source.secret == secret

    listing = admin_client.get(url("settings_sources")).content.decode()
    assert "Hostaway" in listing and "/hooks/bookings/••••••••/" in listing
    assert token not in listing and secret not in listing

    again = admin_client.post(url("settings_sources"), {"name": "hostaway"})
    assert again.status_code == 400 and "already has a booking source" in again.content.decode()
    unnamed = admin_client.post(url("settings_sources"), {"name": "---"})
    assert unnamed.status_code == 400 and "Latin letters or digits" in unnamed.content.decode()
    assert BookingSource.objects.for_workspace(workspace_a).count() == 1


def test_a_booking_source_rotates_its_secret_and_url_and_is_disabled(admin_client, workspace_a):
    source, old_path, old_secret = booking_source_create(workspace=workspace_a, name="Hostaway")

    rotated = admin_client.post(url("settings_source_secret_rotate", source.pk))
    new_secret = rotated.context["secret"]
    assert rotated.status_code == 200 and new_secret in rotated.content.decode()
    assert rotated.context["hook_url"] is None and "24 more hours" in rotated.content.decode()
    source.refresh_from_db()
    assert (source.secret, source.previous_secret) == (new_secret, old_secret)

    moved = admin_client.post(url("settings_source_url_rotate", source.pk))
    new_url = moved.context["hook_url"]
    assert new_url in moved.content.decode() and not new_url.endswith(old_path)
    source.refresh_from_db()
    assert source.token_hash == hook_token_hash(new_url.rstrip("/").rsplit("/", 1)[1])
    assert admin_client.post(old_path, b"{}", content_type="application/json").status_code == 404

    assert admin_client.post(url("settings_source_disable", source.pk)).status_code == 302
    source.refresh_from_db()
    assert source.disabled_at is not None
    listing = admin_client.get(url("settings_sources")).content.decode()
    assert "disabled" in listing and "New secret" not in listing
    assert admin_client.post(new_url, b"{}", content_type="application/json").status_code == 410


def test_a_private_webhook_address_is_a_field_error(admin_client, workspace_a):
    response = admin_client.post(url("settings_webhooks"), {"url": "https://10.1.2.3/in"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.for_workspace(workspace_a).exists()


def test_redeliver_resets_a_failed_delivery(admin_client, settings_rows, workspace_a):
    delivery = settings_rows["delivery"]
    WebhookDelivery.objects.for_workspace(workspace_a).filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED, attempt_count=8, last_response_code=500
    )
    page = admin_client.get(url("settings_webhook_detail", settings_rows["endpoint"].pk)).content.decode()
    assert "HTTP 500" in page
    admin_client.post(url("settings_webhook_redeliver", settings_rows["endpoint"].pk, delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (WebhookDelivery.Status.PENDING, 0)


# -- calendar feeds ----------------------------------------------------------------------------------


def test_feeds_are_added_through_the_service_and_a_bad_address_is_a_field_error(
    admin_client, workspace_a, unit
):
    form = {"unit": unit.pk, "name": "Airbnb", "block_patterns": "Blocked", "poll_interval_minutes": 10}
    response = admin_client.post(url("settings_feeds"), {**form, "url": "https://10.1.2.3/cal.ics"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not CalendarFeed.objects.for_workspace(workspace_a).exists()
    response = admin_client.post(url("settings_feeds"), {**form, "url": "https://example.com/cal.ics"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.for_workspace(workspace_a).get()
    assert feed.url == "https://example.com/cal.ics"
    # Editing without typing the address keeps it; the page never shows it.
    edit = admin_client.get(url("settings_feed_edit", feed.pk)).content.decode()
    assert "example.com/cal.ics" not in edit
    admin_client.post(url("settings_feed_edit", feed.pk), {**form, "name": "Airbnb 4B", "url": ""})
    feed.refresh_from_db()
    assert (feed.name, feed.url) == ("Airbnb 4B", "https://example.com/cal.ics")


def test_import_now_makes_the_feed_due(admin_client, settings_rows, workspace_a):
    import datetime as dt

    from django.utils import timezone

    feed = settings_rows["feed"]
    CalendarFeed.objects.for_workspace(workspace_a).filter(pk=feed.pk).update(
        next_import_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert admin_client.post(url("settings_feed_import", feed.pk)).status_code == 302
    feed.refresh_from_db()
    assert feed.next_import_at is None


# -- switcher and queries ----------------------------------------------------------------------------


def test_the_switcher_lists_the_persons_other_workspaces(client, member, workspace_a, workspace_b):
    person = member(workspace_a, Role.MANAGER)
    client.force_login(person)
    assert url("workspace_detail", slug="bravo") not in client.get(url("workspace_detail")).content.decode()
    membership_set(workspace=workspace_b, user=person, role=Role.VIEWER)
    page = client.get(url("workspace_detail")).content.decode()
    assert 'class="switcher"' in page
    assert url("workspace_detail", slug="bravo") in page


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_settings_lists_take_a_constant_number_of_queries(
    alice_client, workspace_a, make_user, settings_rows, unit
):
    endpoint = settings_rows["endpoint"]
    pages = [
        url("settings_members"),
        url("settings_tokens"),
        url("settings_webhooks"),
        url("settings_webhook_detail", endpoint.pk),
        url("settings_feeds"),
        url("settings_sources"),
    ]
    few = {page: queries_for(alice_client, page) for page in pages}
    for number in range(5):
        membership_set(workspace=workspace_a, user=make_user(f"extra-{number}"), role=Role.VIEWER)
        api_token_create(
            workspace=workspace_a, name=f"token {number}", created_by=make_user(f"maker-{number}")
        )
        webhook_endpoint_create(workspace=workspace_a, url=f"https://example.com/{number}")
        WebhookDelivery.objects.create(
            workspace=workspace_a, endpoint=endpoint, event_id=f"msg_x{number}", event_type="a", payload={}
        )
        CalendarFeed.objects.create(
            workspace=workspace_a, unit=unit, name=f"Feed {number}", url=f"https://example.com/{number}.ics"
        )
        source, _, _ = booking_source_create(workspace=workspace_a, name=f"Source {number}")
        BookingHookDelivery.objects.create(
            workspace=workspace_a, source=source, webhook_id=f"msg_{number}", body="{}", event_type="a"
        )
    assert {page: queries_for(alice_client, page) for page in pages} == few
