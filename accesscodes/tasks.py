"""Django-Q2 tasks: thin wrappers that take ids, look the workspace up, and call the lifecycle."""

from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.lifecycle import access_code_converge, access_codes_due, access_codes_process_due
from accesscodes.reconcile import access_codes_reconcile
from portal.models import Workspace


def push_access_code(workspace_id: int, access_code_id: int) -> str:
    workspace = Workspace.objects.get(pk=workspace_id)
    return access_code_converge(workspace=workspace, access_code_id=access_code_id)


def process_due_access_codes(workspace_id: int) -> dict:
    workspace = Workspace.objects.get(pk=workspace_id)
    return access_codes_process_due(workspace=workspace)


def reconcile_workspace(workspace_id: int) -> dict:
    workspace = Workspace.objects.get(pk=workspace_id)
    outcome = access_codes_reconcile(workspace=workspace)
    return outcome.__dict__


def dispatch_due_access_code_work() -> int:
    """Scheduled every minute: one task per workspace that has pushes or polls due."""
    now = timezone.now()
    dispatched = 0
    for workspace in Workspace.objects.all():
        if access_codes_due(workspace=workspace, now=now).exists():
            async_task("accesscodes.tasks.process_due_access_codes", workspace.pk)
            dispatched += 1
    return dispatched
