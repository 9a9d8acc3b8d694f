"""Webhook delivery the way Seam does it through Svix: signed POSTs from background threads, retried
with backoff, never on the request path.

The svix-id stays the same across retries (receivers use it to deduplicate); the timestamp and
signature are fresh per attempt and use real wall time, not the sandbox clock, because receivers
reject signatures more than five minutes away from their own clock.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from svix.webhooks import Webhook

logger = logging.getLogger("portal.seam.sandbox.webhooks")

WORKERS = 4


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def wants(webhook: dict, event_type: str) -> bool:
    event_types = webhook.get("event_types")
    return not event_types or event_type in event_types


@dataclass
class Delivery:
    webhook_id: str
    url: str
    secret: str
    msg_id: str
    event_id: str
    event_type: str
    payload: str
    attempt: int = 0


class WebhookDispatcher:
    def __init__(
        self,
        *,
        timeout: Callable[[], float],
        max_attempts: Callable[[], int],
        backoff: Callable[[], float],
        is_active: Callable[[str], bool],
    ):
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._is_active = is_active
        self._queue: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        # The latest attempts, newest last, for tests and the /_sandbox/webhooks/deliveries view.
        self.attempts: deque[dict] = deque(maxlen=2000)

    def start(self) -> None:
        for number in range(WORKERS):
            thread = threading.Thread(target=self._work, name=f"sandbox-webhooks-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def enqueue(self, webhook: dict, event: dict) -> None:
        delivery = Delivery(
            webhook_id=webhook["webhook_id"],
            url=webhook["url"],
            secret=webhook["secret"],
            msg_id="msg_" + event["event_id"].replace("-", ""),
            event_id=event["event_id"],
            event_type=event["event_type"],
            payload=json.dumps(event, separators=(",", ":")),
        )
        self._schedule(delivery, time.monotonic())

    def _schedule(self, delivery: Delivery, due: float) -> None:
        with self._cond:
            heapq.heappush(self._queue, (due, next(self._seq), delivery))
            self._cond.notify()

    def _next(self) -> Delivery | None:
        with self._cond:
            while not self._stopping:
                if self._queue and self._queue[0][0] <= time.monotonic():
                    return heapq.heappop(self._queue)[2]
                wait = self._queue[0][0] - time.monotonic() if self._queue else None
                self._cond.wait(timeout=wait)
            return None

    def _work(self) -> None:
        client = None  # created on first use: building an httpx client (TLS context) costs ~50 ms
        try:
            while (delivery := self._next()) is not None:
                if self._is_active(delivery.webhook_id):
                    client = client or httpx.Client(follow_redirects=False)
                    self._attempt(client, delivery)
        finally:
            if client is not None:
                client.close()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        delivery.attempt += 1
        now = datetime.fromtimestamp(int(time.time()), UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "Svix-Webhooks/1.0 (seam-sandbox)",
            "svix-id": delivery.msg_id,
            "svix-timestamp": str(int(now.timestamp())),
            "svix-signature": Webhook(delivery.secret).sign(delivery.msg_id, now, delivery.payload),
        }
        status, error = None, None
        try:
            response = client.post(
                delivery.url, content=delivery.payload.encode(), headers=headers, timeout=self._timeout()
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        self.attempts.append(
            {
                "webhook_id": delivery.webhook_id,
                "url": delivery.url,
                "event_id": delivery.event_id,
                "event_type": delivery.event_type,
                "svix_id": delivery.msg_id,
                "attempt": delivery.attempt,
                "status_code": status,
                "error": error,
            }
        )
        if status is not None and 200 <= status < 300:
            return
        if delivery.attempt < self._max_attempts():
            backoff = self._backoff() * 2 ** (delivery.attempt - 1)
            self._schedule(delivery, time.monotonic() + backoff)
        else:
            logger.warning("Giving up on webhook %s for event %s", delivery.url, delivery.event_id)
