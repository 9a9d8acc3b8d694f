"""Run a slow iterator (Seam pages over HTTP) one step ahead of its consumer (database writes)."""

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

Item = TypeVar("Item")

_PAGE, _DONE, _ERROR = "page", "done", "error"
_POLL_SECONDS = 0.1


def prefetched(items: Iterator[Item], *, ahead: int = 2) -> Iterator[Item]:
    """Yield `items` while a background thread already produces up to `ahead` more.

    The sync writes page n while Seam's answer for page n+1 is on its way, so the database time hides
    behind the network time. Items and the producer's exception arrive in order: an error on page 3 is
    raised after pages 1 and 2 were yielded. Leaving early (an exception in the consumer) stops the
    producer after its current item; the producer is always finished when this generator returns, so the
    caller may close what the producer was using (the HTTP client).
    """
    buffer: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((_PAGE, item)):
                    return
            put((_DONE, None))
        except BaseException as error:  # whatever stops the producer must reach the consumer
            put((_ERROR, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name="prefetch", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = buffer.get()
            if kind == _PAGE:
                yield value
            elif kind == _ERROR:
                raise value
            else:
                return
    finally:
        stop.set()
        producer.join()
