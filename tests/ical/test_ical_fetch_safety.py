"""What the fetcher refuses: non-https, private and link-local addresses (also behind a name or a
redirect), oversized calendars; and the URL rule the feed form applies."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from accesscodes.bookings.ical.fetch import MAX_FEED_BYTES, FeedFetchError, feed_fetch
from accesscodes.bookings.ical.url_safety import validate_feed_url
from tests.ical.conftest import Reply


@pytest.mark.parametrize(
    ("url", "allowed_with_loopback", "allowed_in_production"),
    [
        ("https://www.airbnb.com/calendar/ical/123.ics?s=token", True, True),
        ("http://www.airbnb.com/calendar/ical/123.ics", False, False),
        ("http://127.0.0.1:8000/feed.ics", True, False),
        ("http://localhost/feed.ics", True, False),
        ("http://[::1]/feed.ics", True, False),
        ("https://10.1.2.3/feed.ics", False, False),
        ("https://192.168.0.10/feed.ics", False, False),
        ("https://169.254.169.254/latest/meta-data", False, False),
        ("https://100.64.0.1/feed.ics", False, False),
        ("https://[fe80::1]/feed.ics", False, False),
        ("https://[::ffff:10.0.0.1]/feed.ics", False, False),
        ("https://0.0.0.0/feed.ics", False, False),
        ("ftp://example.com/feed.ics", False, False),
        ("file:///etc/passwd", False, False),
        ("https:///no-host", False, False),
        ("https://example.com:99999/feed.ics", False, False),
    ],
)
def test_the_feed_url_rule(url, allowed_with_loopback, allowed_in_production):
    for loopback, allowed in ((True, allowed_with_loopback), (False, allowed_in_production)):
        with override_settings(SEAM_ALLOW_HTTP_LOOPBACK=loopback):
            if allowed:
                validate_feed_url(url)
            else:
                with pytest.raises(ValidationError) as error:
                    validate_feed_url(url)
                assert "token" not in str(error.value)


def test_a_name_that_resolves_to_a_local_address_is_refused_at_connect_time(feed_server):
    """https://localhost passes the URL rule (a name, https), but it resolves to 127.0.0.1: in production
    the connection itself is refused, before a byte is sent."""
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    with (
        override_settings(SEAM_ALLOW_HTTP_LOOPBACK=False),
        pytest.raises(FeedFetchError, match="private or local address"),
    ):
        feed_fetch(url=f"https://localhost:{feed_server.port}/calendar.ics")
    assert feed_server.requests == []


def test_a_redirect_to_a_private_address_is_not_followed(feed_server):
    feed_server.replies["/calendar.ics"] = Reply(status=302, headers={"Location": "https://10.0.0.7/x.ics"})
    with pytest.raises(FeedFetchError, match="public address"):
        feed_fetch(url=feed_server.url("/calendar.ics"))


def test_a_redirect_to_an_allowed_url_is_followed(feed_server):
    feed_server.serve_file("/new.ics", "airbnb.ics")
    feed_server.replies["/old.ics"] = Reply(status=301, headers={"Location": "/new.ics"})
    fetched = feed_fetch(url=feed_server.url("/old.ics"))
    assert fetched.content.startswith(b"BEGIN:VCALENDAR")


def test_a_redirect_loop_ends(feed_server):
    feed_server.replies["/loop.ics"] = Reply(status=302, headers={"Location": "/loop.ics"})
    with pytest.raises(FeedFetchError, match="redirected more than"):
        feed_fetch(url=feed_server.url("/loop.ics"))


def test_an_oversized_calendar_is_refused(feed_server):
    feed_server.replies["/huge.ics"] = Reply(body=b"X" * (MAX_FEED_BYTES + 1))
    with pytest.raises(FeedFetchError, match="larger than"):
        feed_fetch(url=feed_server.url("/huge.ics"))


def test_a_server_that_does_not_answer_is_a_fetch_error():
    with pytest.raises(FeedFetchError, match="Could not reach"):
        feed_fetch(url="http://127.0.0.1:9/calendar.ics")  # the discard port: nothing listens
