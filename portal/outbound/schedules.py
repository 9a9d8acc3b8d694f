from django.apps import apps as global_apps

from portal.schedules import schedule_every_minutes

DISPATCH_SCHEDULE = "webhooks-out-dispatch"
DISPATCH_TASK = "portal.outbound.tasks.dispatch_due_webhook_deliveries"


def webhook_dispatch_schedule_ensure(*, apps=global_apps, **_signal_kwargs) -> None:
    """Idempotent; connected to post_migrate, so every migrated database retries due deliveries."""
    try:
        apps.get_model("django_q", "Schedule")  # a partial migrate may not have created it yet
    except LookupError:
        return
    schedule_every_minutes(name=DISPATCH_SCHEDULE, func=DISPATCH_TASK, minutes=1)
