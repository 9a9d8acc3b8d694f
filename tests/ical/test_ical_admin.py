"""The calendar feed admin: admins add and edit feeds, managers import now, viewers only read (without
the URL's token), other workspaces stay invisible, and the list costs the same queries for more feeds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import OrmQ

from accesscodes.bookings.models import CalendarFeed, Property, Unit
from portal.models import Role
from portal.services import membership_set

pytestmark = pytest.mark.django_db

SECRET_URL = "https://www.airbnb.com/calendar/ical/4242.ics?s=f00dfeedcafe"


def feed_in(workspace, name="Airbnb", url=SECRET_URL):
    property = Property.objects.create(workspace=workspace, name=f"{name} house", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace, property=property, name=f"{name} flat")
    feed = CalendarFeed(workspace=workspace, unit=unit, name=name, url=url)
    feed.full_clean()
    feed.save()
    return feed


def test_an_admin_adds_a_feed_in_the_units_workspace(alice_client, workspace_a):
    unit = feed_in(workspace_a).unit
    response = alice_client.post(
        reverse("admin:bookings_calendarfeed_add"),
        {
            "unit": unit.pk,
            "name": "VRBO",
            "url": "https://www.vrbo.com/icalendar/abc.ics",
            "block_patterns": "Blocked",
            "poll_interval_minutes": 15,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    feed = CalendarFeed.objects.for_workspace(workspace_a).get(name="VRBO")
    assert feed.url == "https://www.vrbo.com/icalendar/abc.ics" and feed.next_import_at is None


@pytest.mark.parametrize(
    "url", ["http://www.vrbo.com/abc.ics", "https://169.254.169.254/latest/meta-data", "https://10.0.0.2/x"]
)
def test_an_unsafe_url_is_refused_with_a_clear_error(alice_client, workspace_a, url, settings):
    settings.SEAM_ALLOW_HTTP_LOOPBACK = False
    unit = feed_in(workspace_a).unit
    response = alice_client.post(
        reverse("admin:bookings_calendarfeed_add"),
        {"unit": unit.pk, "name": "Bad", "url": url, "block_patterns": "", "poll_interval_minutes": 10},
    )
    assert response.status_code == 200
    assert "A calendar feed URL must" in response.content.decode()
    assert not CalendarFeed.objects.for_workspace(workspace_a).filter(name="Bad").exists()


def test_a_viewer_sees_the_feed_and_its_health_but_not_its_url(client, member, workspace_a):
    feed = feed_in(workspace_a)
    client.force_login(member(workspace_a, Role.VIEWER))
    page = client.get(reverse("admin:bookings_calendarfeed_change", args=[feed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not imported yet" in html and "f00dfeedcafe" not in html
    listing = client.get(reverse("admin:bookings_calendarfeed_changelist")).content.decode()
    assert "Airbnb" in listing and "f00dfeedcafe" not in listing


def test_another_workspaces_feed_is_not_found(alice_client, workspace_a, workspace_b):
    feed = feed_in(workspace_b, name="Bravo feed")
    page = alice_client.get(reverse("admin:bookings_calendarfeed_change", args=[feed.pk]))
    assert page.status_code == 302  # the admin's "does not exist" redirect
    listing = alice_client.get(reverse("admin:bookings_calendarfeed_changelist")).content.decode()
    assert "Bravo feed" not in listing


def test_a_manager_imports_now_a_viewer_may_not(
    client, member, workspace_a, workspace_b, django_capture_on_commit_callbacks
):
    feed = feed_in(workspace_a)
    other = feed_in(workspace_b, name="Elsewhere")
    manager = member(workspace_a, Role.MANAGER)
    membership_set(workspace=workspace_b, user=manager, role=Role.VIEWER)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_calendarfeed_changelist"),
            {"action": "import_now", "_selected_action": [feed.pk, other.pk]},
            follow=True,
        )
    messages = [str(message) for message in response.context["messages"]]
    assert any("Import queued for 1 feed" in message for message in messages)
    assert any("Not imported" in message and "Elsewhere" in message for message in messages)
    queued = [task.task["args"] for task in OrmQ.objects.all()]
    assert queued == [(workspace_a.pk, feed.pk)]


def test_the_feed_list_costs_the_same_queries_for_more_feeds(alice_client, workspace_a):
    feed_in(workspace_a, name="One")
    feed_in(workspace_a, name="Two")
    url = reverse("admin:bookings_calendarfeed_changelist")
    with CaptureQueriesContext(connection) as two:
        assert alice_client.get(url).status_code == 200
    for name in ("Three", "Four", "Five", "Six"):
        feed_in(workspace_a, name=name)
    with CaptureQueriesContext(connection) as six:
        assert alice_client.get(url).status_code == 200
    assert len(six.captured_queries) == len(two.captured_queries)


def test_the_feed_page_lists_the_events_it_has_seen(alice_client, workspace_a):
    from django.utils import timezone

    from accesscodes.bookings.models import CalendarFeedEntry

    feed = feed_in(workspace_a)
    CalendarFeedEntry.objects.create(
        workspace=workspace_a, feed=feed, uid="broken@vrbo.example", last_seen_at=timezone.now(),
        last_error="The event ends before it starts.",
    )  # fmt: skip
    page = alice_client.get(reverse("admin:bookings_calendarfeed_change", args=[feed.pk])).content.decode()
    assert "broken@vrbo.example" in page and "The event ends before it starts." in page


def test_the_unit_page_lists_its_feeds_with_their_health(alice_client, workspace_a):
    feed = feed_in(workspace_a)
    page = alice_client.get(reverse("admin:bookings_unit_change", args=[feed.unit_id])).content.decode()
    assert "calendar feeds (ical)" in page.lower()
    assert "Not imported yet" in page and "f00dfeedcafe" not in page
