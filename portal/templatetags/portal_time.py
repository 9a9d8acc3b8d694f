"""`{{ value|local_time }}`: an aware datetime in the active zone, with the zone named next to it."""

from datetime import UTC, datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

from portal.local_time import zoned

register = template.Library()

DEFAULT_FORMAT = "Y-m-d H:i"


@register.filter
def local_time(value, format_string=DEFAULT_FORMAT):
    if not isinstance(value, datetime):
        return "—" if value in (None, "") else value
    if timezone.is_naive(value):
        return dateformat.format(value, format_string)
    shown = zoned(value)
    return format_html(
        '<time datetime="{}">{} <span class="zone">{}</span></time>',
        value.astimezone(UTC).isoformat(),
        dateformat.format(shown, format_string),
        str(shown.tzinfo),
    )
