"""accesscodes' reactions to the layers below: workspace lifecycle, migrations and finished device syncs."""

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from accesscodes.schedules import (
    due_work_schedule_ensure,
    reconcile_enqueue,
    reconcile_schedule_ensure,
    reconcile_schedule_remove,
)
from devices.models import SyncRun
from devices.signals import device_sync_succeeded
from portal.models import Workspace
from portal.signals import workspace_created, workspace_deleted


def connect(*, app_config) -> None:
    workspace_created.connect(
        reconcile_schedule_on_create, sender=Workspace, dispatch_uid="accesscodes-reconcile-schedule-create"
    )
    workspace_deleted.connect(
        reconcile_schedule_on_delete, sender=Workspace, dispatch_uid="accesscodes-reconcile-schedule-delete"
    )
    post_migrate.connect(
        access_code_schedules_on_migrate, sender=app_config, dispatch_uid="accesscodes-schedules-migrate"
    )
    device_sync_succeeded.connect(
        reconcile_after_device_sync, sender=SyncRun, dispatch_uid="accesscodes-reconcile-after-sync"
    )


def reconcile_schedule_on_create(sender, *, workspace, **kwargs) -> None:
    reconcile_schedule_ensure(workspace=workspace)


def reconcile_schedule_on_delete(sender, *, workspace_id, **kwargs) -> None:
    reconcile_schedule_remove(workspace_id=workspace_id)


def access_code_schedules_on_migrate(sender, *, apps=global_apps, **kwargs) -> None:
    """The global dispatcher exists once whether or not there are workspaces; every workspace has its
    reconcile, also those created before creation went through one service."""
    try:
        # A partial migrate (e.g. `migrate portal 0001` on an empty database) may not have these tables yet.
        apps.get_model("portal", "Workspace")
        apps.get_model("django_q", "Schedule")
    except LookupError:
        return
    due_work_schedule_ensure()
    for workspace in Workspace.objects.only("pk"):
        reconcile_schedule_ensure(workspace=workspace)


def reconcile_after_device_sync(sender, *, workspace_id, **kwargs) -> None:
    # Fresh devices: compare their access codes with Seam's now rather than at the next periodic reconcile.
    reconcile_enqueue(workspace_id=workspace_id)
