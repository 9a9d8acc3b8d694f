"""devices' reactions to the portal: each workspace has its periodic sync from creation to deletion."""

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from devices.schedules import workspace_sync_schedule_ensure, workspace_sync_schedule_remove
from portal.models import Workspace
from portal.signals import workspace_created, workspace_deleted


def connect(*, app_config) -> None:
    workspace_created.connect(
        workspace_sync_schedule_on_create, sender=Workspace, dispatch_uid="devices-sync-schedule-create"
    )
    workspace_deleted.connect(
        workspace_sync_schedule_on_delete, sender=Workspace, dispatch_uid="devices-sync-schedule-delete"
    )
    post_migrate.connect(
        workspace_sync_schedules_on_migrate, sender=app_config, dispatch_uid="devices-sync-schedules-migrate"
    )


def workspace_sync_schedule_on_create(sender, *, workspace, **kwargs) -> None:
    workspace_sync_schedule_ensure(workspace=workspace)


def workspace_sync_schedule_on_delete(sender, *, workspace_id, **kwargs) -> None:
    workspace_sync_schedule_remove(workspace_id=workspace_id)


def workspace_sync_schedules_on_migrate(sender, *, apps=global_apps, **kwargs) -> None:
    """Give every workspace its schedule, also those created before creation went through one service."""
    try:
        # A partial migrate (e.g. `migrate portal 0001` on an empty database) may not have these tables yet.
        apps.get_model("portal", "Workspace")
        apps.get_model("django_q", "Schedule")
    except LookupError:
        return
    for workspace in Workspace.objects.only("pk"):
        workspace_sync_schedule_ensure(workspace=workspace)
