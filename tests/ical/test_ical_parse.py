"""parse_feed, pure and table-driven: one small calendar per case, the facts it must give."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accesscodes.bookings.ical.parse import InvalidFeed, is_block, parse_feed, phone_last_digits
from accesscodes.bookings.models import DEFAULT_BLOCK_PATTERNS

PATTERNS = DEFAULT_BLOCK_PATTERNS.splitlines()
UTC = dt.UTC


def calendar(*events: str, header: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{header}{body}END:VCALENDAR\r\n"


def lines(*items: str) -> str:
    return "\r\n".join(items)


WHEN_CASES = [
    pytest.param(
        lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300614"),
        "",
        dt.date(2030, 6, 10),
        dt.date(2030, 6, 14),  # DTEND is exclusive: the check-out day
        id="all-day stays stay dates",
    ),
    pytest.param(
        lines("UID:a", "DTSTART;VALUE=DATE:20300610"),
        "",
        dt.date(2030, 6, 10),
        dt.date(2030, 6, 11),
        id="all-day without an end lasts one day",
    ),
    pytest.param(
        lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DURATION:P3D"),
        "",
        dt.date(2030, 6, 10),
        dt.date(2030, 6, 13),
        id="all-day with a duration",
    ),
    pytest.param(
        lines(
            "UID:a", "DTSTART;TZID=Europe/Berlin:20300610T140000", "DTEND;TZID=Europe/Berlin:20300612T100000"
        ),
        "",
        dt.datetime(2030, 6, 10, 14, tzinfo=ZoneInfo("Europe/Berlin")),
        dt.datetime(2030, 6, 12, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        id="timed with a zone keeps it",
    ),
    pytest.param(
        lines("UID:a", "DTSTART:20300610T120000Z", "DTEND:20300612T080000Z"),
        "X-WR-TIMEZONE:America/New_York\r\n",
        dt.datetime(2030, 6, 10, 12, tzinfo=UTC),
        dt.datetime(2030, 6, 12, 8, tzinfo=UTC),
        id="UTC stays UTC whatever X-WR-TIMEZONE says",
    ),
    pytest.param(
        lines("UID:a", "DTSTART:20300610T160000", "DTEND:20300614T100000"),
        "X-WR-TIMEZONE:America/New_York\r\n",
        dt.datetime(2030, 6, 10, 16, tzinfo=ZoneInfo("America/New_York")),
        dt.datetime(2030, 6, 14, 10, tzinfo=ZoneInfo("America/New_York")),
        id="floating time read in X-WR-TIMEZONE",
    ),
    pytest.param(
        lines("UID:a", "DTSTART:20300610T160000", "DTEND:20300614T100000"),
        "",
        dt.datetime(2030, 6, 10, 16),
        dt.datetime(2030, 6, 14, 10),
        id="floating time without X-WR-TIMEZONE stays naive (the property's zone)",
    ),
    pytest.param(
        lines("UID:a", "DTSTART:20300610T160000", "DTEND:20300614T100000"),
        "X-WR-TIMEZONE:Mars/Olympus_Mons\r\n",
        dt.datetime(2030, 6, 10, 16),
        dt.datetime(2030, 6, 14, 10),
        id="an unknown X-WR-TIMEZONE is ignored",
    ),
]


@pytest.mark.parametrize(("event", "header", "start", "end"), WHEN_CASES)
def test_event_times(event, header, start, end):
    parsed = parse_feed(calendar(event, header=header), block_patterns=PATTERNS)
    assert parsed.broken == ()
    (only,) = parsed.events
    assert (only.start, only.end) == (start, end)
    # A date stays a date; an aware time is never compared equal to a naive one, so equality covers zones.
    assert type(only.start) is type(start) and type(only.end) is type(end)
    assert only.is_all_day == (not isinstance(start, dt.datetime))


@pytest.mark.parametrize(
    ("summary", "blocked"),
    [
        ("Not available", True),
        ("Blocked", True),
        ("Airbnb (Not available)", True),
        ("CLOSED - Not available", True),
        ("closed - not available", True),
        ("Unavailable", True),
        ("Reserved", False),
        ("Reserved - Ada Lovelace", False),
        ("Stay: Grace Hopper", False),
        ("", False),
    ],
)
def test_blocks_by_default_patterns(summary, blocked):
    assert is_block(summary, [pattern.casefold() for pattern in PATTERNS]) is blocked
    event = lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612", f"SUMMARY:{summary}")
    assert parse_feed(calendar(event), block_patterns=PATTERNS).events[0].is_block is blocked


def test_block_patterns_are_configurable():
    event = lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612", "SUMMARY:Owner stay")
    assert parse_feed(calendar(event), block_patterns=PATTERNS).events[0].is_block is False
    assert parse_feed(calendar(event), block_patterns=["owner STAY"]).events[0].is_block is True


@pytest.mark.parametrize(
    ("description", "digits"),
    [
        ("Reservation URL: https://www.airbnb.com/x\nPhone Number (Last 4 Digits): 4821", "4821"),
        ("phone number (last 4 digits):0042", "0042"),
        ("Phone Number (Last 4 Digits): 12", ""),
        ("Phone Number (Last 4 Digits): 123456", ""),
        ("Call +49 30 1234 5678", ""),
        ("", ""),
    ],
)
def test_phone_last_digits(description, digits):
    assert phone_last_digits(description) == digits


def test_phone_digits_come_from_the_escaped_ics_description():
    event = lines(
        "UID:a",
        "DTSTART;VALUE=DATE:20300610",
        "DTEND;VALUE=DATE:20300612",
        r"DESCRIPTION:Reservation URL: https://www.airbnb.com/h/HM1\nPhone Number (Last 4 Digits): 7733",
    )
    assert parse_feed(calendar(event), block_patterns=PATTERNS).events[0].phone_last_digits == "7733"


BROKEN_CASES = [
    pytest.param(lines("DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612"), "", id="no UID"),
    pytest.param(
        lines("UID:b", "DTSTART;VALUE=DATE:20300612", "DTEND;VALUE=DATE:20300610"),
        "b",
        id="ends before start",
    ),
    pytest.param(lines("UID:b", "DTSTART:20300612T100000Z", "DTEND:20300612T100000Z"), "b", id="zero length"),
    pytest.param(lines("UID:b", "DTSTART:2030-06-12", "DTEND;VALUE=DATE:20300614"), "b", id="bad date"),
    pytest.param(
        lines("UID:b", "DTSTART;VALUE=DATE:20300612", "DTEND:20300614T100000Z"), "b", id="date and date-time"
    ),
    pytest.param(
        lines("UID:b", "DTSTART:20300612T100000Z", "DTEND:20300614T100000"), "b", id="aware start, naive end"
    ),
    pytest.param(lines("UID:b", "SUMMARY:No dates"), "b", id="no start"),
]


@pytest.mark.parametrize(("event", "uid"), BROKEN_CASES)
def test_a_broken_event_is_reported_and_the_others_still_parse(event, uid):
    good = lines("UID:good", "DTSTART;VALUE=DATE:20300701", "DTEND;VALUE=DATE:20300703")
    parsed = parse_feed(calendar(event, good), block_patterns=PATTERNS)
    assert [event.uid for event in parsed.events] == ["good"]
    (broken,) = parsed.broken
    assert broken.uid == uid and broken.reason


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<!doctype html><html><body>Service unavailable</body></html>",
        b"BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n",
        b'{"bookings": []}',
    ],
    ids=["empty body", "html page", "an event without a calendar", "json"],
)
def test_what_is_not_a_calendar_is_invalid(content):
    with pytest.raises(InvalidFeed):
        parse_feed(content, block_patterns=PATTERNS)


def test_an_empty_calendar_is_valid_and_empty():
    parsed = parse_feed(calendar(), block_patterns=PATTERNS)
    assert parsed.events == () and parsed.broken == () and parsed.size == 0


@pytest.mark.parametrize(
    ("status", "cancelled"), [("CANCELLED", True), ("cancelled", True), ("CONFIRMED", False), ("", False)]
)
def test_cancelled_status(status, cancelled):
    event = lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612", f"STATUS:{status}")
    assert parse_feed(calendar(event), block_patterns=PATTERNS).events[0].is_cancelled is cancelled


def test_a_recurrence_override_does_not_make_a_second_stay():
    first = lines("UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612")
    override = lines(
        "UID:a",
        "RECURRENCE-ID;VALUE=DATE:20300610",
        "DTSTART;VALUE=DATE:20300611",
        "DTEND;VALUE=DATE:20300613",
    )
    parsed = parse_feed(calendar(first, override), block_patterns=PATTERNS)
    assert [(event.uid, event.start) for event in parsed.events] == [("a", dt.date(2030, 6, 10))]


def test_last_modified_is_read():
    event = lines(
        "UID:a", "DTSTART;VALUE=DATE:20300610", "DTEND;VALUE=DATE:20300612", "LAST-MODIFIED:20300401T100000Z"
    )
    assert parse_feed(calendar(event), block_patterns=PATTERNS).events[0].last_modified == dt.datetime(
        2030, 4, 1, 10, tzinfo=UTC
    )
