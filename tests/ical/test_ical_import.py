"""calendar_feed_import against real `.ics` files served over HTTP on 127.0.0.1: bookings from Airbnb,
Booking.com and Google style feeds, blocks ignored, the outage guard, ETag, errors on the feed's health."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_q.models import OrmQ

from accesscodes.bookings.ical.services import calendar_feed_claim, calendar_feed_import
from accesscodes.bookings.models import (
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    CalendarFeed,
    CalendarFeedEntry,
)
from accesscodes.models import AccessCode
from tests.ical.conftest import FEEDS, Reply

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
BEFORE_THE_STAYS = dt.datetime(2030, 5, 1, 9, tzinfo=UTC)
DURING_STAY_A = dt.datetime(2030, 6, 12, 12, tzinfo=UTC)  # stay A: 10 June 15:00 to 14 June 11:00 Berlin
UID_A = "1418fb94e984-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@airbnb.com"
UID_B = "1418fb94e984-0f9e8d7c6b5a49382716a5b4c3d2e1f0@airbnb.com"


def bookings_of(feed) -> dict[str, Booking]:
    return {
        booking.external_id: booking
        for booking in Booking.objects.for_workspace(feed.workspace_id).filter(source=feed.source)
    }


def fresh(feed) -> CalendarFeed:
    return (
        CalendarFeed.objects.for_workspace(feed.workspace_id).select_related("unit__property").get(pk=feed.pk)
    )


def run(feed, now):
    return calendar_feed_import(feed=fresh(feed), now=now)


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def test_an_airbnb_feed_gives_bookings_at_the_propertys_times_and_ignores_blocks(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    result = run(feed, BEFORE_THE_STAYS)

    assert result.outcome == "imported" and result.counts["created"] == 2 and result.counts["blocks"] == 1
    bookings = bookings_of(feed)
    assert set(bookings) == {UID_A, UID_B}
    a = bookings[UID_A]
    assert a.source == f"ical:{feed.pk}" and a.unit_id == feed.unit_id
    assert (a.check_in, a.check_out) == (berlin(2030, 6, 10, 15), berlin(2030, 6, 14, 11))
    assert a.guest_phone == "4821" and bookings[UID_B].guest_phone == "7733"
    assert a.status == Booking.Status.CONFIRMED
    # Each booking got its code on the door; the block got nothing.
    assert BookingCode.objects.for_workspace(feed.workspace_id).count() == 2
    assert AccessCode.objects.for_workspace(feed.workspace_id).count() == 2
    feed = fresh(feed)
    assert feed.is_healthy and feed.last_success_at == BEFORE_THE_STAYS and feed.events_seen == 3


def test_a_calendars_new_bookings_are_written_together_and_pushed_by_one_task(
    feed_server, make_feed, django_capture_on_commit_callbacks
):
    feed_server.serve_file("/calendar.ics", "google.ics")
    feed = make_feed()
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = run(feed, BEFORE_THE_STAYS)
    assert result.counts["created"] == 3
    (task,) = [entry.task for entry in OrmQ.objects.all()]
    assert task["func"] == "accesscodes.tasks.push_access_codes"
    assert sorted(task["args"][1]) == sorted(
        AccessCode.objects.for_workspace(feed.workspace_id).values_list("pk", flat=True)
    )


def test_the_same_feed_again_changes_nothing(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    events = BookingEvent.objects.for_workspace(feed.workspace_id).count()
    result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))
    assert result.counts["unchanged"] == 2 and "created" not in result.counts
    assert BookingEvent.objects.for_workspace(feed.workspace_id).count() == events


def test_a_booking_com_feed_of_closed_blocks_makes_no_booking_and_no_code(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "booking_com.ics")
    feed = make_feed(name="Booking.com")
    result = run(feed, BEFORE_THE_STAYS)
    assert result.outcome == "imported" and result.counts["blocks"] == 3
    assert bookings_of(feed) == {}
    assert AccessCode.objects.for_workspace(feed.workspace_id).count() == 0
    assert fresh(feed).events_seen == 3


def test_a_google_feed_honours_x_wr_timezone(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "google.ics")
    feed = make_feed(name="Google")
    result = run(feed, BEFORE_THE_STAYS)
    assert result.counts["created"] == 3 and result.counts["blocks"] == 1
    bookings = bookings_of(feed)
    new_york = ZoneInfo("America/New_York")
    hopper = bookings["3kq1v9n2m8b7c6x5z4a3s2d1f0@google.com"]
    # Floating 16:00 is New York's 16:00 (the calendar's zone), not the Berlin property's.
    assert hopper.check_in == dt.datetime(2030, 6, 10, 16, tzinfo=new_york)
    assert hopper.check_out == dt.datetime(2030, 6, 14, 10, tzinfo=new_york)
    assert hopper.guest_phone == "1906" and hopper.guest_name == "Stay: Grace Hopper"
    assert hopper.source_updated_at == dt.datetime(2030, 4, 1, 10, tzinfo=UTC)
    turing = bookings["9pl8ok7ij6uh5yg4tf3rd2es1w0@google.com"]
    assert (turing.check_in, turing.check_out) == (berlin(2030, 7, 1, 14), berlin(2030, 7, 3, 12))
    johnson = bookings["0a1s2d3f4g5h6j7k8l9@google.com"]
    assert johnson.check_in == dt.datetime(2030, 8, 1, 13, tzinfo=UTC)


def test_an_all_day_stay_over_the_clock_changes_keeps_the_propertys_wall_clock(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "dst.ics")
    feed = make_feed(name="VRBO")
    run(feed, dt.datetime(2030, 3, 1, tzinfo=UTC))
    bookings = bookings_of(feed)
    spring = bookings["dst-spring-forward@vrbo.example"]
    # 15:00 CET on 30 March (UTC+1) to 11:00 CEST on 1 April (UTC+2): 43 hours, not 44.
    assert spring.check_in == dt.datetime(2030, 3, 30, 14, tzinfo=UTC)
    assert spring.check_out == dt.datetime(2030, 4, 1, 9, tzinfo=UTC)
    fall = bookings["dst-fall-back@vrbo.example"]
    # 15:00 CEST on 26 October (UTC+2) to 11:00 CET on 28 October (UTC+1).
    assert fall.check_in == dt.datetime(2030, 10, 26, 13, tzinfo=UTC)
    assert fall.check_out == dt.datetime(2030, 10, 28, 10, tzinfo=UTC)
    code = BookingCode.objects.for_workspace(feed.workspace_id).get(booking=spring).access_code
    assert (code.starts_at, code.ends_at) == (spring.check_in, spring.check_out)


def test_a_reappearing_uid_with_new_dates_updates_its_booking(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    first = bookings_of(feed)[UID_A]
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics")
    run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))
    entry = CalendarFeedEntry.objects.for_workspace(feed.workspace_id).get(feed=feed, uid=UID_A)
    assert entry.missed_fetches == 1
    feed_server.serve_file("/calendar.ics", "airbnb_a_moved.ics")
    result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=20))

    assert result.counts["updated"] == 1
    bookings = Booking.objects.for_workspace(feed.workspace_id).filter(external_id=UID_A)
    assert bookings.count() == 1
    moved = bookings.get()
    assert moved.pk == first.pk and moved.status == Booking.Status.CONFIRMED
    assert (moved.check_in, moved.check_out) == (berlin(2030, 6, 12, 15), berlin(2030, 6, 16, 11))
    entry.refresh_from_db()
    assert entry.missed_fetches == 0
    code = BookingCode.objects.for_workspace(feed.workspace_id).get(booking=moved).access_code
    assert code.starts_at == moved.check_in


def test_a_booking_missing_from_three_successful_fetches_is_cancelled_failures_do_not_count(
    feed_server, make_feed
):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    minute = dt.timedelta(minutes=10)
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics")
    run(feed, BEFORE_THE_STAYS + minute)
    run(feed, BEFORE_THE_STAYS + 2 * minute)
    # An error in between neither counts nor resets the count.
    feed_server.replies["/calendar.ics"] = Reply(status=503, body=b"busy")
    assert run(feed, BEFORE_THE_STAYS + 3 * minute).outcome == "failed"
    assert bookings_of(feed)[UID_A].status == Booking.Status.CONFIRMED
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics")
    result = run(feed, BEFORE_THE_STAYS + 4 * minute)

    assert result.counts["cancelled"] == 1
    bookings = bookings_of(feed)
    assert bookings[UID_A].status == Booking.Status.CANCELLED
    assert bookings[UID_B].status == Booking.Status.CONFIRMED
    timeline = BookingEvent.objects.for_workspace(feed.workspace_id).filter(booking=bookings[UID_A])
    assert timeline.filter(kind="missing_from_feed").exists() and timeline.filter(kind="cancelled").exists()
    code = BookingCode.objects.for_workspace(feed.workspace_id).get(booking=bookings[UID_A]).access_code
    # Never pushed to Seam in this test, so its removal is immediate.
    assert code.sync_state in {AccessCode.SyncState.PENDING_DELETE, AccessCode.SyncState.REMOVED}
    # A fourth miss does nothing more.
    assert "cancelled" not in run(feed, BEFORE_THE_STAYS + 5 * minute).counts


def test_a_booking_missing_during_the_stay_is_never_cancelled_but_alerted(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics")
    for fetch in range(4):
        run(feed, DURING_STAY_A + dt.timedelta(minutes=10 * fetch))

    a = bookings_of(feed)[UID_A]
    assert a.status == Booking.Status.CONFIRMED
    alert = Alert.objects.for_workspace(feed.workspace_id).get(booking=a, resolved_at__isnull=True)
    assert alert.kind == Alert.Kind.MISSING_FROM_FEED and "in the stay" in alert.message
    # It comes back: the alert resolves itself.
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    run(feed, DURING_STAY_A + dt.timedelta(hours=1))
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_an_empty_feed_during_a_stay_cancels_nothing_and_alerts(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    feed_server.serve_file("/calendar.ics", "empty.ics")
    for fetch in range(5):
        result = run(feed, DURING_STAY_A + dt.timedelta(minutes=10 * fetch))
        assert result.outcome == "imported"

    bookings = bookings_of(feed)
    assert {booking.status for booking in bookings.values()} == {Booking.Status.CONFIRMED}
    assert set(
        CalendarFeedEntry.objects.for_workspace(feed.workspace_id).values_list("missed_fetches", flat=True)
    ) == {0}
    alerts = Alert.objects.for_workspace(feed.workspace_id).filter(resolved_at__isnull=True)
    # Only the guest in the stay (A) makes an alert; B's stay is weeks away.
    assert [(alert.booking_id, alert.kind) for alert in alerts] == [
        (bookings[UID_A].pk, Alert.Kind.MISSING_FROM_FEED)
    ]
    assert "without any event" in alerts[0].message
    feed = fresh(feed)
    assert feed.is_healthy and feed.events_seen == 0
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    run(feed, DURING_STAY_A + dt.timedelta(hours=1))
    assert not Alert.objects.for_workspace(feed.workspace_id).filter(resolved_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=500, body=b"Internal Server Error"), "HTTP 500"),
        (Reply(status=404, body=b"gone"), "HTTP 404"),
        (Reply(body=b"<!doctype html><html><body>Service unavailable</body></html>"), "Not an iCalendar"),
    ],
    ids=["http 500", "http 404", "invalid file"],
)
def test_an_http_error_or_invalid_file_cancels_nothing_and_shows_on_the_feed(
    feed_server, make_feed, reply, error
):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    feed_server.replies["/calendar.ics"] = reply
    for fetch in range(1, 5):
        result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10 * fetch))
        assert result.outcome == "failed" and error in result.error

    assert {booking.status for booking in bookings_of(feed).values()} == {Booking.Status.CONFIRMED}
    assert set(
        CalendarFeedEntry.objects.for_workspace(feed.workspace_id).values_list("missed_fetches", flat=True)
    ) == {0}
    feed = fresh(feed)
    assert not feed.is_healthy
    assert feed.last_success_at == BEFORE_THE_STAYS
    assert feed.last_error_at == BEFORE_THE_STAYS + dt.timedelta(minutes=40)
    assert error in feed.last_error
    assert feed.events_seen == 3  # still the last good calendar's


def test_the_invalid_file_fixture_is_an_html_page(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "not_a_calendar.html")
    result = run(make_feed(), BEFORE_THE_STAYS)
    assert result.outcome == "failed" and "Not an iCalendar file" in result.error


def test_etag_gives_304_and_the_calendar_is_not_imported_again(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics", etag='"v1"')
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    assert fresh(feed).etag == '"v1"'
    events = BookingEvent.objects.for_workspace(feed.workspace_id).count()
    result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))

    assert result.outcome == "not_modified"
    _path, headers = feed_server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert BookingEvent.objects.for_workspace(feed.workspace_id).count() == events
    feed = fresh(feed)
    assert feed.last_success_at == BEFORE_THE_STAYS + dt.timedelta(minutes=10) and feed.is_healthy


def test_if_modified_since_is_sent_back(feed_server, make_feed):
    stamp = "Wed, 01 May 2030 08:00:00 GMT"
    feed_server.serve_file("/calendar.ics", "airbnb.ics", headers={"Last-Modified": stamp})
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))
    assert feed_server.requests[-1][1]["If-Modified-Since"] == stamp


def test_an_unchanged_calendar_behind_304_still_counts_a_missing_booking(feed_server, make_feed):
    """A 304 means "the calendar you read last time": what was missing from it is missing again, exactly as
    with a server that sends the whole calendar every time."""
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics", etag='"v2"')
    run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))
    assert run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=20)).outcome == "not_modified"
    assert bookings_of(feed)[UID_A].status == Booking.Status.CONFIRMED
    result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=30))
    assert result.outcome == "not_modified" and result.counts["cancelled"] == 1
    assert bookings_of(feed)[UID_A].status == Booking.Status.CANCELLED
    assert bookings_of(feed)[UID_B].status == Booking.Status.CONFIRMED


def test_changing_the_block_patterns_reads_the_whole_calendar_again(feed_server, make_feed):
    from accesscodes.bookings.ical.services import calendar_feed_save

    feed_server.serve_file("/calendar.ics", "google.ics", etag='"g1"')
    feed = make_feed(name="Google")
    run(feed, BEFORE_THE_STAYS)
    feed = fresh(feed)
    feed.block_patterns = "Blocked\nStay: Alan Turing"
    calendar_feed_save(feed=feed, changed_fields=["block_patterns"])
    assert fresh(feed).etag == ""
    assert run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10)).outcome == "imported"
    assert "If-None-Match" not in feed_server.requests[-1][1]


def test_a_broken_event_is_recorded_on_its_entry_and_the_others_are_imported(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "one_broken.ics")
    feed = make_feed(name="VRBO")
    result = run(feed, BEFORE_THE_STAYS)
    assert result.counts["created"] == 2 and result.counts["failed"] == 2
    assert set(bookings_of(feed)) == {"good-stay@vrbo.example", "second-good-stay@vrbo.example"}
    errors = dict(
        CalendarFeedEntry.objects.for_workspace(feed.workspace_id)
        .exclude(last_error="")
        .values_list("uid", "last_error")
    )
    assert set(errors) == {"backwards-stay@vrbo.example", "bad-date@vrbo.example"}
    assert all(errors.values())


def test_a_uid_the_booking_rules_refuse_is_recorded_and_the_rest_goes_on(feed_server, make_feed):
    long_uid = "x" * 300 + "@example.com"  # longer than a booking's external id may be
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{long_uid}\r\nDTSTART;VALUE=DATE:20300610\r\nDTEND;VALUE=DATE:20300612\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:ok@example.com\r\nDTSTART;VALUE=DATE:20300701\r\nDTEND;VALUE=DATE:20300703\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    feed_server.replies["/calendar.ics"] = Reply(body=calendar.encode())
    feed = make_feed()
    result = run(feed, BEFORE_THE_STAYS)
    assert result.outcome == "imported" and result.counts == {"created": 1, "failed": 1}
    entry = CalendarFeedEntry.objects.for_workspace(feed.workspace_id).get(uid=long_uid)
    assert entry.booking is None and "external_id" in entry.last_error


def test_a_stay_already_over_is_neither_imported_nor_cancelled(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    after_a = dt.datetime(2030, 6, 20, tzinfo=UTC)
    result = run(feed, after_a)
    assert result.counts["past"] == 1 and set(bookings_of(feed)) == {UID_B}
    # A booking whose stay is over drops out of the export: it stays as it was.
    run(feed, BEFORE_THE_STAYS)
    feed_server.serve_file("/calendar.ics", "airbnb_a_gone.ics")
    for fetch in range(4):
        run(feed, after_a + dt.timedelta(minutes=10 * fetch))
    assert bookings_of(feed)[UID_A].status == Booking.Status.CONFIRMED


def test_a_cancelled_event_cancels_its_booking(feed_server, make_feed):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    run(feed, BEFORE_THE_STAYS)
    text = (FEEDS / "airbnb.ics").read_bytes().decode()
    first_stay_cancelled = text.replace(
        "SUMMARY:Reserved\r\nEND:VEVENT", "SUMMARY:Reserved\r\nSTATUS:CANCELLED\r\nEND:VEVENT", 1
    )
    feed_server.replies["/calendar.ics"] = Reply(body=first_stay_cancelled.encode())
    result = run(feed, BEFORE_THE_STAYS + dt.timedelta(minutes=10))
    assert result.counts["cancelled"] == 1
    assert bookings_of(feed)[UID_A].status == Booking.Status.CANCELLED
    assert bookings_of(feed)[UID_B].status == Booking.Status.CONFIRMED


def test_a_scheduled_import_claims_the_feed_once(feed_server, make_feed, workspace_b):
    feed_server.serve_file("/calendar.ics", "airbnb.ics")
    feed = make_feed()
    now = BEFORE_THE_STAYS
    assert calendar_feed_claim(workspace_id=workspace_b.pk, feed_id=feed.pk, now=now) is None
    claimed = calendar_feed_claim(workspace_id=feed.workspace_id, feed_id=feed.pk, now=now)
    assert claimed is not None and claimed.next_import_at == now + dt.timedelta(minutes=10)
    assert calendar_feed_claim(workspace_id=feed.workspace_id, feed_id=feed.pk, now=now) is None
    later = now + dt.timedelta(minutes=10)
    assert calendar_feed_claim(workspace_id=feed.workspace_id, feed_id=feed.pk, now=later) is not None
