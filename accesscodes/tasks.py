"""Django-Q2 tasks: thin wrappers that take ids, look the workspace up, and call the sync engine.

A task never ends in an unhandled exception: the engine records each code's failure on that code, and a
task for a workspace deleted since it was queued ends quietly.
"""

import logging

from django.utils import timezone
from django_q.tasks import async_task

from accesscodes.sync.converge import access_code_converge, access_codes_process_due, workspaces_with_due_work
from accesscodes.sync.reconcile import access_codes_reconcile
from portal.models import Workspace

logger = logging.getLogger(__name__)


def _workspace(workspace_id: int, task: str) -> Workspace | None:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        logger.info("%s: workspace %s no longer exists; nothing to do", task, workspace_id)
    return workspace


def push_access_code(workspace_id: int, access_code_id: int) -> str | None:
    workspace = _workspace(workspace_id, "push_access_code")
    if workspace is None:
        return None
    return access_code_converge(workspace=workspace, access_code_id=access_code_id)


def push_access_codes(workspace_id: int, access_code_ids: list[int]) -> dict[str, int] | None:
    """The Seam work of codes created together (a booking's doors): each code on its own, so one code's
    failure is recorded on it and the others still go."""
    workspace = _workspace(workspace_id, "push_access_codes")
    if workspace is None:
        return None
    outcomes: dict[str, int] = {}
    for access_code_id in access_code_ids:
        try:
            outcome = access_code_converge(workspace=workspace, access_code_id=access_code_id)
        except Exception:  # e.g. the database went away while claiming the lease; the scheduler retries
            logger.exception("push_access_codes: access code %s", access_code_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def process_due_access_codes(workspace_id: int) -> dict | None:
    workspace = _workspace(workspace_id, "process_due_access_codes")
    if workspace is None:
        return None
    try:
        return access_codes_process_due(workspace=workspace)
    except Exception:  # e.g. the workspace's Seam key cannot be read; each code's own errors never get here
        logger.exception("process_due_access_codes: workspace %s", workspace_id)
        return None


def reconcile_workspace(workspace_id: int) -> dict | None:
    workspace = _workspace(workspace_id, "reconcile_workspace")
    if workspace is None:
        return None
    try:
        outcome = access_codes_reconcile(workspace=workspace)
    except Exception:
        logger.exception("reconcile_workspace: workspace %s", workspace_id)
        return None
    return outcome.__dict__


def dispatch_due_access_code_work() -> int:
    """Scheduled every minute: one task per workspace that has pushes or polls due."""
    workspace_ids = list(workspaces_with_due_work(now=timezone.now()))
    for workspace_id in workspace_ids:
        async_task("accesscodes.tasks.process_due_access_codes", workspace_id)
    return len(workspace_ids)
