"""The door timeline as a picture: one row per door, days across, each code a bar.

Pure on purpose: plain facts in (rows of bars with their times and links, the range, now, the zone), an
SVG string out, so the drawing is tested by tables and any page can show it. Days are laid out on the
property's wall clock (a DST-change day is 23 or 25 hours wide, like the day the guest lives through).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape

LABEL_WIDTH = 170
DAY_WIDTH = 64
HEADER_HEIGHT = 34
LANE_HEIGHT = 22
ROW_PADDING = 6
LEGEND_HEIGHT = 26
# Distinct on white and readable with white text; a booking keeps its colour on every door.
BOOKING_COLOURS = ("#2456d6", "#1d7a3a", "#8a3ffc", "#b25e00", "#00798c", "#a2366f", "#4b6b00", "#5a4fcf")
OTHER_COLOUR = "#8a93a5"
FAILED_COLOUR = "#b3261e"
NOW_COLOUR = "#d12f1f"


@dataclass(frozen=True)
class TimelineBar:
    """One code on one door. A missing start or end means it runs from before / past the picture."""

    label: str  # the tooltip: who, when, state
    href: str
    starts_at: datetime | None
    ends_at: datetime | None
    booking_key: str | None = None  # booking codes are coloured by booking; None: another code (grey)
    stay_starts_at: datetime | None = None  # before this the bar is a buffer (early access), shaded
    stay_ends_at: datetime | None = None  # after this the bar is a buffer (late access), shaded
    not_revocable: bool = False  # an offline code: valid until its end whatever happens
    failed: bool = False


@dataclass(frozen=True)
class TimelineRow:
    label: str
    href: str
    bars: tuple[TimelineBar, ...]
    note: str = ""  # e.g. "shared door" or the unit's name


def first_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


def day_starts(start_day: date, days: int, zone: tzinfo) -> list[datetime]:
    """Local midnights from `start_day`, one more than `days` (the last closes the range)."""
    return [
        datetime.combine(start_day + timedelta(days=offset), time(0), tzinfo=zone)
        for offset in range(days + 1)
    ]


def booking_colours(rows: list[TimelineRow], range_start: datetime) -> dict[str, str]:
    """One colour per booking, the same on every door; bookings in the order they start get the
    palette's colours in turn, so neighbouring stays always differ."""
    starts: dict[str, datetime] = {}
    for row in rows:
        for bar in row.bars:
            if bar.booking_key is not None:
                start = bar.starts_at or range_start
                starts[bar.booking_key] = min(start, starts.get(bar.booking_key, start))
    ordered = sorted(starts, key=lambda key: (starts[key], key))
    return {key: BOOKING_COLOURS[index % len(BOOKING_COLOURS)] for index, key in enumerate(ordered)}


def bar_colour(bar: TimelineBar, colours: dict[str, str]) -> str:
    if bar.failed:
        return FAILED_COLOUR
    return colours[bar.booking_key] if bar.booking_key else OTHER_COLOUR


def lanes(
    bars: tuple[TimelineBar, ...], range_start: datetime, range_end: datetime
) -> list[list[TimelineBar]]:
    """Bars spread over as few lanes as keep overlapping bars apart (greedy by start)."""
    placed: list[list[TimelineBar]] = []
    lane_ends: list[datetime] = []
    for bar in sorted(bars, key=lambda bar: (bar.starts_at or range_start, bar.ends_at or range_end)):
        start = bar.starts_at or range_start
        for index, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                placed[index].append(bar)
                lane_ends[index] = bar.ends_at or range_end
                break
        else:
            placed.append([bar])
            lane_ends.append(bar.ends_at or range_end)
    return placed or [[]]


def timeline_svg(
    *, rows: list[TimelineRow], now: datetime, zone: tzinfo, days: int = 14, title: str = ""
) -> str:
    midnights = day_starts(first_day(now, zone), days, zone)
    range_start, range_end = midnights[0], midnights[-1]
    span = (range_end - range_start).total_seconds()
    width = LABEL_WIDTH + DAY_WIDTH * days

    def x_of(moment: datetime) -> float:
        clamped = min(max(moment, range_start), range_end)
        return round(LABEL_WIDTH + (clamped - range_start).total_seconds() / span * DAY_WIDTH * days, 1)

    colours = booking_colours(rows, range_start)
    body: list[str] = []
    y = HEADER_HEIGHT
    for row in rows:
        visible = tuple(bar for bar in row.bars if _overlaps(bar, range_start, range_end))
        row_lanes = lanes(visible, range_start, range_end)
        height = len(row_lanes) * LANE_HEIGHT + 2 * ROW_PADDING
        body.append(_row_frame(row, y, height, width))
        for lane_index, lane in enumerate(row_lanes):
            top = y + ROW_PADDING + lane_index * LANE_HEIGHT
            body.extend(
                _bar(bar, bar_colour(bar, colours), top, x_of, range_start, range_end) for bar in lane
            )
        y += height
    if not rows:
        body.append(f'<text x="{LABEL_WIDTH + 8}" y="{y + 20}" class="muted">No doors.</text>')
        y += 30
    height = y + LEGEND_HEIGHT
    header = _header(midnights, x_of, height - LEGEND_HEIGHT)
    now_line = ""
    if range_start <= now <= range_end:
        x = x_of(now)
        now_line = (
            f'<line class="now" x1="{x}" y1="{HEADER_HEIGHT - 6}" x2="{x}" y2="{y}" stroke="{NOW_COLOUR}" '
            f'stroke-width="2"><title>Now: {now.astimezone(zone):%Y-%m-%d %H:%M} {escape(str(zone))}</title></line>'
        )
    label = escape(title or f"Door timeline, next {days} days, {zone}")
    # A figure, not an img: an img's content is presentational, and the bars are links to open.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="door-timeline" role="figure" aria-label="{label}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" '
        f'font-size="12">'
        f"<title>{label}</title>"
        '<defs><pattern id="not-revocable" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" fill-opacity="0.45"/></pattern></defs>'
        f"{header}{''.join(body)}{now_line}{_legend(height)}</svg>"
    )


def _overlaps(bar: TimelineBar, range_start: datetime, range_end: datetime) -> bool:
    return (bar.starts_at is None or bar.starts_at < range_end) and (
        bar.ends_at is None or bar.ends_at > range_start
    )


def _header(midnights: list[datetime], x_of, bottom: int) -> str:
    parts = []
    for index, midnight in enumerate(midnights[:-1]):
        x = x_of(midnight)
        weekend = midnight.weekday() >= 5
        if weekend:
            parts.append(
                f'<rect x="{x}" y="{HEADER_HEIGHT}" width="{x_of(midnights[index + 1]) - x}" '
                f'height="{bottom - HEADER_HEIGHT}" fill="#f3f4f7"/>'
            )
        parts.append(f'<line x1="{x}" y1="{HEADER_HEIGHT - 4}" x2="{x}" y2="{bottom}" stroke="#dde1e8"/>')
        parts.append(f'<text x="{x + 4}" y="{HEADER_HEIGHT - 18}" fill="#5b6475">{midnight:%a}</text>')
        parts.append(f'<text x="{x + 4}" y="{HEADER_HEIGHT - 5}" fill="#1d2330">{midnight:%d %b}</text>')
    return "".join(parts)


def _row_frame(row: TimelineRow, y: int, height: int, width: int) -> str:
    label = escape(row.label)
    note = (
        f'<text x="8" y="{y + 31}" fill="#5b6475" font-size="11">{escape(row.note)}</text>'
        if row.note
        else ""
    )
    return (
        f'<g class="door-row"><line x1="0" y1="{y + height}" x2="{width}" y2="{y + height}" stroke="#dde1e8"/>'
        f'<a href="{escape(row.href)}"><text x="8" y="{y + 17}" fill="#2456d6" font-weight="600">'
        f"{escape(_shorten(row.label, 24))}<title>{label}</title></text></a>{note}</g>"
    )


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _bar(bar: TimelineBar, colour: str, top: int, x_of, range_start: datetime, range_end: datetime) -> str:
    start = bar.starts_at or range_start
    end = bar.ends_at or range_end
    x1, x2 = x_of(start), x_of(end)
    bar_width = max(round(x2 - x1, 1), 2)
    height = LANE_HEIGHT - 4
    classes = ["bar"]
    if bar.failed:
        classes.append("failed")
    if bar.not_revocable:
        classes.append("not-revocable")
    if bar.booking_key is None:
        classes.append("other")
    title = bar.label + (" · offline code: not revocable, valid until its end" if bar.not_revocable else "")
    parts = [
        f'<a href="{escape(bar.href)}" class="bar-link"><title>{escape(title)}</title>'
        f'<rect class="{" ".join(classes)}" x="{x1}" y="{top}" width="{bar_width}" height="{height}" rx="3" '
        f'fill="{colour}"/>'
    ]
    # Buffers (early / late access around the stay) are the same code, shaded lighter.
    for buffer_start, buffer_end in _buffers(bar, start, end):
        bx1, bx2 = x_of(buffer_start), x_of(buffer_end)
        if bx2 - bx1 > 0:
            parts.append(
                f'<rect class="buffer" x="{bx1}" y="{top}" width="{round(bx2 - bx1, 1)}" height="{height}" '
                'fill="#ffffff" fill-opacity="0.55"/>'
            )
    if bar.not_revocable:
        parts.append(
            f'<rect x="{x1}" y="{top}" width="{bar_width}" height="{height}" rx="3" fill="url(#not-revocable)" '
            f'stroke="{colour}" stroke-dasharray="4 2"/>'
        )
    caption = _caption(bar)
    if bar_width > 8 * len(caption) * 0.75:
        parts.append(
            f'<text x="{x1 + 4}" y="{top + 13}" fill="#ffffff" font-size="11">{escape(caption)}</text>'
        )
    parts.append("</a>")
    return "".join(parts)


def _buffers(bar: TimelineBar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    buffers = []
    if bar.stay_starts_at and bar.stay_starts_at > start:
        buffers.append((start, min(bar.stay_starts_at, end)))
    if bar.stay_ends_at and bar.stay_ends_at < end:
        buffers.append((max(bar.stay_ends_at, start), end))
    return buffers


def _caption(bar: TimelineBar) -> str:
    words = bar.label.split(" · ")[0]
    if bar.failed:
        return f"{words} (failed)"
    if bar.not_revocable:
        return f"{words} (not revocable)"
    return words


def _legend(height: int) -> str:
    y = height - LEGEND_HEIGHT + 16
    items = [
        (BOOKING_COLOURS[0], "booking code (one colour per booking)"),
        (OTHER_COLOUR, "other code"),
        (FAILED_COLOUR, "failed"),
    ]
    parts, x = [], 8
    for colour, text in items:
        parts.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" rx="2" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="{y}" fill="#5b6475" font-size="11">{escape(text)}</text>')
        x += 26 + int(len(text) * 6.2)
    parts.append(
        f'<rect x="{x}" y="{y - 10}" width="14" height="12" rx="2" fill="{BOOKING_COLOURS[0]}"/>'
        f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="#ffffff" fill-opacity="0.55"/>'
        f'<text x="{x + 18}" y="{y}" fill="#5b6475" font-size="11">buffer</text>'
    )
    x += 70
    parts.append(
        f'<line x1="{x + 6}" y1="{y - 11}" x2="{x + 6}" y2="{y + 2}" stroke="{NOW_COLOUR}" stroke-width="2"/>'
        f'<text x="{x + 14}" y="{y}" fill="#5b6475" font-size="11">now · dashed: offline, not revocable</text>'
    )
    return f'<g class="legend">{"".join(parts)}</g>'
