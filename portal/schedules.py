"""Periodic Django-Q2 work, for every app: one named schedule per job, so ensuring it again changes
nothing but its settings, and removing it needs only the name."""

from django_q.models import Schedule


def schedule_every_minutes(*, name: str, func: str, minutes: int, args: tuple = ()) -> Schedule:
    """Create or update the schedule `name`: `func(*args)` every `minutes`, forever."""
    schedule, _ = Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "args": repr(args) if args else None,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
    return schedule


def schedule_remove(*, name: str) -> None:
    # Schedules are not foreign keys: deleting what they work on does not cascade to them.
    Schedule.objects.filter(name=name).delete()


WORKER_HEARTBEAT_SCHEDULE = "portal: worker heartbeat"


def worker_heartbeat_schedule_ensure(**kwargs) -> None:
    """Idempotent; connected to post_migrate."""
    schedule_every_minutes(name=WORKER_HEARTBEAT_SCHEDULE, func="portal.tasks.worker_heartbeat", minutes=1)
