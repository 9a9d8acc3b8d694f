"""The WSGI process's cyclic garbage is collected between requests, not in the middle of one."""

import gc
import weakref

import pytest
from django.core.signals import request_finished

from portal.gc_pacing import FULL_PASS_AFTER, pace_garbage_collection


class Node:
    def __init__(self):
        self.other = self


@pytest.fixture
def paced():
    pace_garbage_collection()
    yield
    request_finished.disconnect(dispatch_uid="portal.gc_pacing")
    gc.unfreeze()


def garbage_in_oldest_generation():
    node = Node()
    gc.collect(1)  # node is alive here, so this moves it into the oldest generation
    alive = weakref.ref(node)
    del node
    return alive


def test_start_up_objects_are_frozen_out_of_collection(paced):
    assert gc.get_freeze_count() > 10_000  # Django, DRF and every view of the URLconf


def test_a_finished_request_runs_the_full_pass_once_it_is_due(paced):
    cycle = garbage_in_oldest_generation()
    request_finished.send(sender=None)
    assert cycle() is not None, "not due yet: the young passes since the last full one are too few"

    for _ in range(FULL_PASS_AFTER):
        gc.collect(1)  # each young pass counts towards the next full one and cannot reach the cycle
    assert cycle() is not None
    request_finished.send(sender=None)
    assert cycle() is None
