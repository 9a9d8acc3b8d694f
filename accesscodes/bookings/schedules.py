from portal.schedules import schedule_every_minutes

BOOKING_WORK_SCHEDULE = "bookings-periodic-work"
BOOKING_WORK_MINUTES = 5
# Every minute: each feed has its own poll interval, and the dispatcher queues the ones that are due.
CALENDAR_FEED_SCHEDULE = "bookings-calendar-feed-imports"


def booking_schedule_ensure(**_signal_kwargs) -> None:
    """Idempotent; connected to post_migrate, so every migrated database has both schedules."""
    schedule_every_minutes(
        name=BOOKING_WORK_SCHEDULE,
        func="accesscodes.bookings.tasks.dispatch_booking_work",
        minutes=BOOKING_WORK_MINUTES,
    )
    schedule_every_minutes(
        name=CALENDAR_FEED_SCHEDULE,
        func="accesscodes.bookings.tasks.dispatch_calendar_feed_imports",
        minutes=1,
    )
    booking_hook_inbox_schedule_ensure()


BOOKING_HOOK_INBOX_SCHEDULE = "bookings-hook-inbox-upkeep"
BOOKING_HOOK_INBOX_MINUTES = 60


def booking_hook_inbox_schedule_ensure() -> None:
    schedule_every_minutes(
        name=BOOKING_HOOK_INBOX_SCHEDULE,
        func="accesscodes.bookings.tasks.booking_hook_inbox_upkeep",
        minutes=BOOKING_HOOK_INBOX_MINUTES,
    )
