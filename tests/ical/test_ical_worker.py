"""The schedule end to end: after migrate the every-minute dispatcher exists; run by a real Django-Q2
worker it queues the due feed, whose import (in the same worker) turns a served calendar into bookings."""

import time

import pytest
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from accesscodes.bookings.models import Booking, CalendarFeed
from accesscodes.bookings.schedules import CALENDAR_FEED_SCHEDULE, booking_schedule_ensure

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE_SECONDS = 90


def test_the_dispatcher_schedule_exists_after_migrate():
    booking_schedule_ensure()  # what post_migrate runs; a transactional test database starts empty
    schedule = Schedule.objects.get(name=CALENDAR_FEED_SCHEDULE)
    assert schedule.func == "accesscodes.bookings.tasks.dispatch_calendar_feed_imports"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_a_worker_imports_a_due_feed(feed_server, make_feed, django_q_worker):
    feed_server.serve_file("/calendar.ics", "google.ics")
    feed = make_feed(name="Google")
    Schedule.objects.all().delete()  # only the dispatch we queue runs
    dispatch_id = async_task("accesscodes.bookings.tasks.dispatch_calendar_feed_imports")
    worker = django_q_worker()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while Booking.objects.for_workspace(feed.workspace_id).filter(source=feed.source).count() < 3:
        assert worker.poll() is None, f"qcluster exited early: {worker.output()}"
        assert time.monotonic() < deadline, f"no import in time: {worker.output()}"
        time.sleep(0.5)

    assert Task.objects.get(id=dispatch_id).result == 1
    feed = CalendarFeed.objects.for_workspace(feed.workspace_id).get(pk=feed.pk)
    assert feed.is_healthy and feed.events_seen == 4 and feed.next_import_at is not None
