"""When the Seam client may repeat a request, and how long it waits in between."""

from __future__ import annotations

import random

from portal.seam.errors import SeamError, SeamRateLimited

# Writes that converge to the same state when repeated. Creates are deliberately absent: a create whose
# answer was lost may already exist at Seam, and a blind retry would make a second access code.
IDEMPOTENT_WRITES = frozenset({"access_codes/update", "access_codes/delete", "webhooks/delete"})


def is_retryable_route(route: str) -> bool:
    return route.endswith(("/get", "/list")) or route in IDEMPOTENT_WRITES


def backoff_delay(retry_number: int, *, base: float, cap: float, rng=random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(n-1))] for retry n >= 1.

    Full jitter spreads the retries of many workers hitting the same outage instead of synchronising them.
    """
    return rng() * min(cap, base * 2 ** (retry_number - 1))


def retry_delay(
    error: SeamError, retry_number: int, *, base: float, cap: float, max_retry_after: float
) -> float | None:
    """Seconds to sleep before retry `retry_number`, or None when waiting here is not worth it.

    A 429 waits at least as long as Seam's Retry-After asks; a Retry-After beyond `max_retry_after`
    gives up at once so the caller (a queued task) can reschedule instead of blocking a worker.
    """
    delay = backoff_delay(retry_number, base=base, cap=cap)
    if isinstance(error, SeamRateLimited) and error.retry_after is not None:
        if error.retry_after > max_retry_after:
            return None
        delay = max(delay, error.retry_after)
    return delay
