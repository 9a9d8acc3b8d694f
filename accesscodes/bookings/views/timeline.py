"""The door timeline of some doors: their codes read by the selector, turned into plain bars with their
links and tooltips, drawn by the pure `timeline_svg`."""

import datetime as dt

from django.urls import reverse
from django.utils.safestring import mark_safe

from accesscodes.bookings.selectors import TIMELINE_DAYS, Door, timeline_codes
from accesscodes.bookings.timeline_svg import TimelineBar, TimelineRow, day_starts, first_day, timeline_svg
from accesscodes.models import AccessCode


def _window_words(access_code: AccessCode, zone) -> str:
    if access_code.starts_at is None and access_code.ends_at is None:
        return "ongoing"
    starts = f"{access_code.starts_at.astimezone(zone):%d %b %H:%M}" if access_code.starts_at else "…"
    ends = f"{access_code.ends_at.astimezone(zone):%d %b %H:%M}" if access_code.ends_at else "…"
    return f"{starts} → {ends} {zone}"


def code_bar(access_code: AccessCode, link, *, workspace_slug: str, zone) -> TimelineBar:
    state = f"{access_code.status}, {access_code.get_sync_state_display()}"
    booking = link.booking if link is not None else None
    if booking is not None:
        label = (
            f"{access_code.name} · booking {booking.reference} · {_window_words(access_code, zone)} · {state}"
        )
        href = reverse("booking_detail", args=[workspace_slug, booking.pk])
    else:
        label = f"{access_code.name} · {_window_words(access_code, zone)} · {state}"
        href = reverse("access_code_detail", args=[workspace_slug, access_code.pk])
    return TimelineBar(
        label=label,
        href=href,
        starts_at=access_code.starts_at,
        ends_at=access_code.ends_at,
        booking_key=booking.reference if booking is not None else None,
        stay_starts_at=booking.check_in if booking is not None else None,
        stay_ends_at=booking.check_out if booking is not None else None,
        not_revocable=access_code.is_offline_access_code,
        failed=access_code.sync_state == AccessCode.SyncState.FAILED,
    )


def door_timeline(*, workspace, doors: list[Door], zone, now: dt.datetime, title: str = "") -> str:
    """The SVG (safe to put in a page: `timeline_svg` escapes every text it draws) of these doors over the next two weeks on `zone`'s clock."""
    midnights = day_starts(first_day(now, zone), TIMELINE_DAYS, zone)
    codes, links = timeline_codes(
        workspace=workspace,
        device_ids=[door.device.pk for door in doors],
        starts_at=midnights[0],
        ends_at=midnights[-1],
    )
    bars_by_device: dict[int, list[TimelineBar]] = {door.device.pk: [] for door in doors}
    for access_code in codes:
        bars_by_device[access_code.device_id].append(
            code_bar(access_code, links.get(access_code.pk), workspace_slug=workspace.slug, zone=zone)
        )
    rows = [
        TimelineRow(
            label=door.device.name,
            href=reverse("device_detail", args=[workspace.slug, door.device.pk]),
            bars=tuple(bars_by_device[door.device.pk]),
            note=door.note,
        )
        for door in doors
    ]
    return mark_safe(timeline_svg(rows=rows, now=now, zone=zone, days=TIMELINE_DAYS, title=title))
