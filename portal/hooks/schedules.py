"""When Seam event work runs: the every-minute dispatcher (polling and stale events) and the hourly check
that every workspace's webhook is still registered with Seam (only with PORTAL_PUBLIC_URL)."""

from django.apps import apps as global_apps

from portal.schedules import schedule_every_minutes

DISPATCH_SCHEDULE = "seam-events-every-minute"
DISPATCH_TASK = "portal.hooks.tasks.dispatch_seam_event_work"
KEEP_REGISTERED_SCHEDULE = "seam-webhooks-keep-registered"
KEEP_REGISTERED_TASK = "portal.hooks.tasks.keep_seam_webhooks_registered"
KEEP_REGISTERED_MINUTES = 60


def seam_event_schedules_ensure(sender=None, *, apps=global_apps, **kwargs) -> None:
    """Idempotent (named schedules); connected to post_migrate."""
    try:
        # A partial migrate may not have created Django-Q2's tables yet.
        apps.get_model("django_q", "Schedule")
    except LookupError:
        return
    schedule_every_minutes(name=DISPATCH_SCHEDULE, func=DISPATCH_TASK, minutes=1)
    schedule_every_minutes(
        name=KEEP_REGISTERED_SCHEDULE, func=KEEP_REGISTERED_TASK, minutes=KEEP_REGISTERED_MINUTES
    )
