from django_q.models import Schedule

BOOKING_WORK_SCHEDULE = "bookings-periodic-work"
BOOKING_WORK_MINUTES = 5


def booking_schedule_ensure(**_signal_kwargs) -> None:
    """Idempotent; connected to post_migrate, so every migrated database has it."""
    Schedule.objects.update_or_create(
        name=BOOKING_WORK_SCHEDULE,
        defaults={
            "func": "accesscodes.bookings.tasks.dispatch_booking_work",
            "schedule_type": Schedule.MINUTES,
            "minutes": BOOKING_WORK_MINUTES,
            "repeats": -1,
        },
    )
