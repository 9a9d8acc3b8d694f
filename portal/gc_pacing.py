"""Cyclic garbage collection paced by requests, for WSGI server processes.

DRF's views, requests, serializers and their fields refer to each other, so each list page leaves its rows
in reference cycles that only the cyclic collector frees. Left to itself, the collector's full pass runs
inside whichever request crosses its threshold and walks every object loaded at start-up as well: a stall
of 100-150 ms about once in 30 API requests. Here the start-up objects are frozen out of collection once
every view is imported, and the full pass runs after a response has been sent, before the process takes
its next request."""

import gc
from importlib import import_module

from django.conf import settings
from django.core.signals import request_finished

# Young-generation passes between full passes; Python's own default is 10. Fewer means less garbage per
# pass, so a request that still meets one inside itself waits less.
FULL_PASS_AFTER = 5


def _collect_when_due(**kwargs):
    if gc.get_count()[2] >= FULL_PASS_AFTER:
        gc.collect()


def pace_garbage_collection() -> None:
    """Call once, after the WSGI application is built."""
    import_module(settings.ROOT_URLCONF)  # imports every view now, so they are frozen with the rest
    gc.collect()
    gc.freeze()
    request_finished.connect(_collect_when_due, dispatch_uid="portal.gc_pacing")
