"""One signed POST to an endpoint, over a checked address, with timeouts; the answer or the error, never
an exception."""

import time
from dataclasses import dataclass

import httpx
from django.utils import timezone

from portal.outbound.destination import DestinationRefused, destination_resolve
from portal.outbound.models import EXCERPT_LENGTH
from portal.outbound.signing import signed_headers

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "lockportal-webhooks/1"


@dataclass(frozen=True)
class SendResult:
    response_code: int | None = None
    response_excerpt: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def delivered(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def webhook_post(*, url: str, secret: str, event_id: str, body: str) -> SendResult:
    started = time.monotonic()
    try:
        destination = destination_resolve(url)
    except DestinationRefused as refusal:
        return SendResult(error=f"Not sent: {refusal}")
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": destination.host_header,
        **signed_headers(secret=secret, event_id=event_id, body=body, sent_at=timezone.now()),
    }
    extensions = {"sni_hostname": destination.tls_server_name} if destination.tls_server_name else {}
    try:
        # No proxies from the environment and no redirects: the request goes to the address just checked.
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
            request = client.build_request(
                "POST", destination.url, content=body.encode(), headers=headers, extensions=extensions
            )
            response = client.send(request, stream=True)
            try:
                excerpt = _excerpt(response)
            finally:
                response.close()
            code = response.status_code
    except httpx.HTTPError as error:
        return SendResult(error=f"{type(error).__name__}: {error}"[:1000], duration_ms=_since(started))
    return SendResult(response_code=code, response_excerpt=excerpt, duration_ms=_since(started))


def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, for the log; the rest is not even downloaded."""
    received = b""
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= EXCERPT_LENGTH:
            break
    return received[:EXCERPT_LENGTH].decode("utf-8", errors="replace").replace("\x00", "")


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
