"""Where the portal may send a workspace's events: never into the network it runs in (SSRF).

An endpoint URL is `https://` to a public address. Plain `http://` is allowed only to this machine
(127.0.0.0/8, localhost, [::1]) and only when the deployment allows it with SEAM_ALLOW_HTTP_LOOPBACK, as for
the Seam URL. A host name is checked again when each delivery is sent: it is resolved, every address must be
public, and the request goes to the address that was checked (so a second DNS answer cannot point it
elsewhere).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

NOT_PUBLIC = "The endpoint must be on the public internet, not a private, loopback or link-local address."


def validate_webhook_url(value: str) -> None:
    """For the model field: what can be judged without DNS."""
    refusal = _url_refusal(urlsplit(value))
    if refusal:
        raise ValidationError(refusal, code="destination")


@dataclass(frozen=True)
class Destination:
    """The request target with the host replaced by the checked address, and the name TLS must verify."""

    url: str
    host_header: str
    tls_server_name: str | None


class DestinationRefused(Exception):
    pass


def destination_resolve(url: str) -> Destination:
    """The checked address to send to, or DestinationRefused with the reason."""
    parts = urlsplit(url)
    refusal = _url_refusal(parts)
    if refusal:
        raise DestinationRefused(refusal)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DestinationRefused(f"Could not resolve {host}: {error}.") from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise DestinationRefused(f"Could not resolve {host}.")
    for address in addresses:
        refusal = _address_refusal(address, scheme=parts.scheme)
        if refusal:
            raise DestinationRefused(f"{host} resolves to {address}. {refusal}")
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    return Destination(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=host_header,
        tls_server_name=host if parts.scheme == "https" else None,
    )


def _url_refusal(parts) -> str:
    if parts.scheme not in ("https", "http"):
        return "The endpoint URL must start with https://."
    if not parts.hostname:
        return "The endpoint URL needs a host name."
    if parts.username or parts.password:
        return "Put no user name or password in the URL: the signature proves who sends the events."
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return "The port of the endpoint URL is not a number."
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return _address_refusal(ipaddress.ip_address("127.0.0.1"), scheme=parts.scheme)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name: only https (its address is checked when each delivery is sent).
        return "" if parts.scheme == "https" else _plain_http_refusal()
    return _address_refusal(address, scheme=parts.scheme)


def _address_refusal(address, *, scheme: str) -> str:
    if address.is_loopback:
        if settings.SEAM_ALLOW_HTTP_LOOPBACK:
            return ""
        return "This deployment sends events to no address of its own machine. " + NOT_PUBLIC
    if getattr(address, "ipv4_mapped", None):
        return _address_refusal(address.ipv4_mapped, scheme=scheme)
    if not address.is_global or address.is_multicast:
        return NOT_PUBLIC
    return "" if scheme == "https" else _plain_http_refusal()


def _plain_http_refusal() -> str:
    if settings.SEAM_ALLOW_HTTP_LOOPBACK:
        return "The endpoint URL must start with https:// (plain http:// only to this machine)."
    return "The endpoint URL must start with https://."
