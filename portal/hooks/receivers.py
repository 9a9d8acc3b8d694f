"""The webhook machinery's reactions: its schedules after every migrate, and a new workspace's endpoint
registered with Seam when the portal has a public URL."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_migrate
from django_q.tasks import async_task

from portal.hooks.schedules import KEEP_REGISTERED_TASK, seam_event_schedules_ensure
from portal.models import Workspace
from portal.signals import workspace_created


def connect(*, app_config) -> None:
    post_migrate.connect(seam_event_schedules_ensure, sender=app_config, dispatch_uid="seam-event-schedules")
    workspace_created.connect(
        seam_webhook_register_on_create, sender=Workspace, dispatch_uid="seam-webhook-register-on-create"
    )


def seam_webhook_register_on_create(sender, *, workspace, **kwargs) -> None:
    if settings.PORTAL_PUBLIC_URL:
        transaction.on_commit(lambda: async_task(KEEP_REGISTERED_TASK))
