"""Which calendar URLs the portal fetches: a feed URL is typed by a workspace admin and fetched by the
server, so it must not reach the server's own network (SSRF). Only https to public addresses; plain http
only to this machine, and only where the deployment allows it (SEAM_ALLOW_HTTP_LOOPBACK: tests and the
local demo). The address rule is checked again on every connection, after DNS resolution."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from portal.fields import UnreadableSecret


def validate_feed_url(value) -> None:
    # The messages never repeat the URL: a calendar export address carries a secret token.
    if isinstance(value, UnreadableSecret):
        raise ValidationError(
            "The stored feed URL cannot be decrypted with this server's FIELD_ENCRYPTION_KEY: enter it again.",
            code="unreadable",
        )
    problem = feed_url_problem(value)
    if problem:
        raise ValidationError(problem, code="url")


def feed_url_problem(url: str) -> str:
    """Why this URL may not be fetched ("" when it may)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port out of range raises ValueError here
    except ValueError:
        return "Enter a valid URL."
    if not host:
        return "Enter a URL with a host name, e.g. https://www.airbnb.com/calendar/ical/…"
    if parts.scheme == "http" and settings.SEAM_ALLOW_HTTP_LOOPBACK and is_loopback_host(host):
        return ""
    if parts.scheme != "https":
        return "A calendar feed URL must start with https://."
    literal = _ip_literal(host)
    if literal is not None and not address_allowed(literal):
        return "A calendar feed URL must point to a public address, not a private or local one."
    return ""


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public unicast addresses; loopback too when this deployment allows local feeds."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return settings.SEAM_ALLOW_HTTP_LOOPBACK
    return address.is_global and not address.is_multicast


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    literal = _ip_literal(host)
    return literal is not None and literal.is_loopback


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
