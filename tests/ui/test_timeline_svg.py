"""The door timeline drawing, by tables: plain facts in, SVG out (no database)."""

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from accesscodes.bookings.timeline_svg import (
    BOOKING_COLOURS,
    DAY_WIDTH,
    FAILED_COLOUR,
    LABEL_WIDTH,
    OTHER_COLOUR,
    TimelineBar,
    TimelineRow,
    timeline_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def draw(rows, now, zone=BERLIN, days=14):
    return ET.fromstring(timeline_svg(rows=rows, now=now, zone=zone, days=days))


def bars(svg):
    return [rect for rect in svg.iter(f"{SVG}rect") if "bar" in rect.get("class", "").split()]


def bar(label="Ada · booking pms:1", start=None, end=None, **fields):
    return TimelineBar(label=label, href="/x/", starts_at=start, ends_at=end, **fields)


def expected_x(moment, range_start, range_end, days=14):
    fraction = (moment - range_start) / (range_end - range_start)
    return round(LABEL_WIDTH + fraction * DAY_WIDTH * days, 1)


NOW = local(BERLIN, 2026, 3, 10, 12, 0)
START = local(BERLIN, 2026, 3, 10, 0, 0)
END = local(BERLIN, 2026, 3, 24, 0, 0)


@pytest.mark.parametrize(
    ("codes", "drawn"),
    [
        ([], 0),
        ([(local(BERLIN, 2026, 3, 11, 15), local(BERLIN, 2026, 3, 13, 11))], 1),
        # Ends before the picture starts / starts after it ends: not drawn.
        ([(local(BERLIN, 2026, 3, 1), local(BERLIN, 2026, 3, 9))], 0),
        ([(local(BERLIN, 2026, 3, 25), local(BERLIN, 2026, 3, 27))], 0),
        # Ongoing (no window) and half-open codes cross the picture.
        ([(None, None), (None, local(BERLIN, 2026, 3, 12)), (local(BERLIN, 2026, 3, 20), None)], 3),
        ([(local(BERLIN, 2026, 3, 11), local(BERLIN, 2026, 3, 12))] * 4, 4),
    ],
)
def test_one_bar_per_code_in_the_range(codes, drawn):
    row = TimelineRow(label="Door", href="/d/", bars=tuple(bar(start=s, end=e) for s, e in codes))
    assert len(bars(draw([row], NOW))) == drawn


@pytest.mark.parametrize(
    ("zone", "now", "start", "end"),
    [
        # An ordinary fortnight.
        (BERLIN, NOW, local(BERLIN, 2026, 3, 11, 15), local(BERLIN, 2026, 3, 13, 11)),
        # Clocks go forward on 29 March in Berlin: that day is 23 h; 15:00 local is still 15:00 local.
        (
            BERLIN,
            local(BERLIN, 2026, 3, 28, 9),
            local(BERLIN, 2026, 3, 29, 15),
            local(BERLIN, 2026, 3, 31, 11),
        ),
        # Clocks go back on 1 November in New York (a 25 h day).
        (
            NEW_YORK,
            local(NEW_YORK, 2026, 10, 31, 9),
            local(NEW_YORK, 2026, 11, 1, 15),
            local(NEW_YORK, 2026, 11, 2, 11),
        ),
        # Clipped at both ends.
        (BERLIN, NOW, local(BERLIN, 2026, 3, 1), local(BERLIN, 2026, 4, 30)),
    ],
)
def test_bars_sit_at_their_local_times(zone, now, start, end):
    range_start = dt.datetime.combine(now.astimezone(zone).date(), dt.time(0), tzinfo=zone)
    range_end = dt.datetime.combine(range_start.date() + dt.timedelta(days=14), dt.time(0), tzinfo=zone)
    row = TimelineRow(label="Door", href="/d/", bars=(bar(start=start, end=end),))
    (drawn,) = bars(draw([row], now, zone))
    x1 = expected_x(max(start, range_start), range_start, range_end)
    x2 = expected_x(min(end, range_end), range_start, range_end)
    assert float(drawn.get("x")) == pytest.approx(x1, abs=0.1)
    assert float(drawn.get("width")) == pytest.approx(x2 - x1, abs=0.2)


def test_day_lines_fall_on_local_midnights_across_a_dst_change():
    now = local(BERLIN, 2026, 3, 28, 9)
    svg = timeline_svg(rows=[], now=now, zone=BERLIN)
    range_start, range_end = local(BERLIN, 2026, 3, 28), local(BERLIN, 2026, 4, 11)
    # 30 March 00:00 local comes 47 real hours after 28 March 00:00 (29 March has 23 h).
    assert f'x1="{expected_x(local(BERLIN, 2026, 3, 30), range_start, range_end)}"' in svg
    assert ">30 Mar<" in svg and ">29 Mar<" in svg


@pytest.mark.parametrize(
    ("fields", "colour", "classes"),
    [
        ({"booking_key": "pms:1"}, BOOKING_COLOURS[0], {"bar"}),
        ({}, OTHER_COLOUR, {"bar", "other"}),
        ({"booking_key": "pms:1", "failed": True}, FAILED_COLOUR, {"bar", "failed"}),
        ({"booking_key": "pms:2", "not_revocable": True}, BOOKING_COLOURS[0], {"bar", "not-revocable"}),
    ],
)
def test_colours_and_marks(fields, colour, classes):
    row = TimelineRow(
        label="Door",
        href="/d/",
        bars=(bar(start=local(BERLIN, 2026, 3, 11), end=local(BERLIN, 2026, 3, 12), **fields),),
    )
    (drawn,) = bars(draw([row], NOW))
    assert drawn.get("fill") == colour
    assert set(drawn.get("class").split()) == classes


def test_a_booking_keeps_its_colour_on_every_door_and_bookings_in_turn_differ():
    stays = [
        (f"pms:{number}", local(BERLIN, 2026, 3, 11 + number), local(BERLIN, 2026, 3, 12 + number))
        for number in range(3)
    ]
    rows = [
        TimelineRow(
            label=f"Door {index}",
            href="/d/",
            bars=tuple(bar(start=start, end=end, booking_key=key) for key, start, end in stays),
        )
        for index in range(2)
    ]
    fills = [rect.get("fill") for rect in bars(draw(rows, NOW))]
    assert fills == [*BOOKING_COLOURS[:3], *BOOKING_COLOURS[:3]]


def test_each_bar_is_a_link_with_a_tooltip_and_offline_ones_say_not_revocable():
    row = TimelineRow(
        label="Door",
        href="/d/",
        bars=(
            bar(label="Ada <b> · pms:1", start=START, end=END, not_revocable=True),
            bar(label="Staff", start=None, end=None),
        ),
    )
    svg = draw([row], NOW)
    links = [link for link in svg.iter(f"{SVG}a") if link.get("class") == "bar-link"]
    assert [link.get("href") for link in links] == ["/x/", "/x/"]
    titles = [link.find(f"{SVG}title").text for link in links]
    assert "Ada <b> · pms:1 · offline code: not revocable, valid until its end" in titles
    assert "Staff" in titles


@pytest.mark.parametrize(
    ("stay", "buffers"),
    [
        ((None, None), []),
        # 2 h early access, 1 h late access.
        ((local(BERLIN, 2026, 3, 11, 15), local(BERLIN, 2026, 3, 13, 11)), [2, 1]),
        ((local(BERLIN, 2026, 3, 11, 13), local(BERLIN, 2026, 3, 13, 11)), [1]),
    ],
)
def test_buffers_around_the_stay_are_shaded(stay, buffers):
    code = bar(
        start=local(BERLIN, 2026, 3, 11, 13),
        end=local(BERLIN, 2026, 3, 13, 12),
        booking_key="pms:1",
        stay_starts_at=stay[0],
        stay_ends_at=stay[1],
    )
    svg = draw([TimelineRow(label="Door", href="/d/", bars=(code,))], NOW)
    shaded = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "buffer"]
    hour = DAY_WIDTH * 14 / ((END - START).total_seconds() / 3600)
    assert [round(float(rect.get("width")) / hour) for rect in shaded] == buffers


@pytest.mark.parametrize(
    ("now", "drawn"),
    [(NOW, True), (local(BERLIN, 2026, 3, 10, 0, 0), True)],
)
def test_the_now_line(now, drawn):
    svg = draw([], now)
    lines = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "now"]
    assert len(lines) == int(drawn)
    start = dt.datetime.combine(now.date(), dt.time(0), tzinfo=BERLIN)
    assert float(lines[0].get("x1")) == expected_x(now, start, start + dt.timedelta(days=14))


def test_overlapping_codes_on_one_door_are_drawn_in_separate_lanes():
    first = bar(start=local(BERLIN, 2026, 3, 11), end=local(BERLIN, 2026, 3, 14))
    overlapping = bar(start=local(BERLIN, 2026, 3, 12), end=local(BERLIN, 2026, 3, 15))
    after = bar(start=local(BERLIN, 2026, 3, 14), end=local(BERLIN, 2026, 3, 16))
    svg = draw([TimelineRow(label="Door", href="/d/", bars=(first, overlapping, after))], NOW)
    tops = sorted(float(rect.get("y")) for rect in bars(svg))
    assert len(set(tops)) == 2  # two lanes: the third code follows the first in its lane


def test_texts_are_escaped():
    row = TimelineRow(label='<script>alert("x")</script>', href='/d/?a=1&b="2"', bars=())
    svg = timeline_svg(rows=[row], now=NOW, zone=BERLIN)
    assert "<script>" not in svg
    ET.fromstring(svg)  # still well-formed XML
