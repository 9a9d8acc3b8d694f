"""Fetching a calendar feed: bounded in time and size, conditional (ETag / If-Modified-Since), and only
from addresses `url_safety` allows, checked on the very connection (a DNS answer cannot smuggle in a
private address after the URL was validated)."""

import ipaddress
import socket
from dataclasses import dataclass

import httpcore
import httpx

from accesscodes.bookings.ical.url_safety import address_allowed, feed_url_problem

MAX_FEED_BYTES = 5 * 1024 * 1024  # a busy listing's feed is a few hundred kilobytes
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})  # httpx's is_redirect counts 304 as one
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
HEADERS = {"User-Agent": "lockportal-ical", "Accept": "text/calendar, */*;q=0.5"}


class FeedFetchError(Exception):
    """Why the feed could not be fetched; the message never contains the URL (it carries a token)."""


@dataclass(frozen=True)
class FetchedFeed:
    content: bytes | None  # None: not modified since the ETag / Last-Modified we sent
    etag: str
    last_modified: str


def feed_fetch(*, url: str, etag: str = "", last_modified: str = "") -> FetchedFeed:
    conditional = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    with httpx.Client(
        transport=_PublicAddressTransport(),
        timeout=TIMEOUT,
        headers=HEADERS,
        follow_redirects=False,  # followed below, each hop checked against the URL rules
        trust_env=False,  # an environment proxy would connect on our behalf, unchecked
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            problem = feed_url_problem(url)
            if problem:
                raise FeedFetchError(f"Refused to fetch: {problem}")
            try:
                with client.stream("GET", url, headers=conditional) as response:
                    if response.status_code in REDIRECTS and "Location" in response.headers:
                        url = str(response.url.join(response.headers["Location"]))
                        continue
                    return _read(response, etag=etag, last_modified=last_modified)
            except httpx.TimeoutException as error:
                raise FeedFetchError("The calendar server did not answer in time.") from error
            except httpx.HTTPError as error:
                raise FeedFetchError(f"Could not reach the calendar server: {_reason(error)}") from error
        raise FeedFetchError(f"The calendar server redirected more than {MAX_REDIRECTS} times.")


def _read(response: httpx.Response, *, etag: str, last_modified: str) -> FetchedFeed:
    if response.status_code == 304:
        return FetchedFeed(content=None, etag=etag, last_modified=last_modified)
    if response.status_code != 200:
        raise FeedFetchError(f"The calendar server answered HTTP {response.status_code}.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
        raise _too_large()
    content = bytearray()
    for chunk in response.iter_bytes():  # decoded: the limit also holds for a compressed body
        content += chunk
        if len(content) > MAX_FEED_BYTES:
            raise _too_large()
    return FetchedFeed(
        content=bytes(content),
        etag=response.headers.get("ETag", "")[:500],
        last_modified=response.headers.get("Last-Modified", "")[:100],
    )


def _too_large() -> FeedFetchError:
    return FeedFetchError(f"The calendar is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB.")


def _reason(error: Exception) -> str:
    # httpx's messages name the host at most, never the path or query that carry the token.
    return str(error) or type(error).__name__


class _PublicAddressBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only when every address it resolves to is allowed."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}") from error
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in resolved]
        if not addresses or not all(address_allowed(address) for address in addresses):
            raise httpcore.ConnectError(
                f"{host} resolves to a private or local address; only public addresses are fetched"
            )
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)


class _PublicAddressTransport(httpx.HTTPTransport):
    def __init__(self):
        super().__init__(trust_env=False)
        # httpx takes no network backend of its own, so its connection pool is rebuilt with ours; TLS still
        # verifies the certificate against the URL's host name (httpcore passes it on, not the address).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=_PublicAddressBackend()
        )
