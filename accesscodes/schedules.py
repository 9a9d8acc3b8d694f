from django.conf import settings
from django_q.models import Schedule

DUE_WORK_SCHEDULE = "access-codes-due-work"


def reconcile_schedule_name(workspace_id: int) -> str:
    return f"access-codes-reconcile-workspace-{workspace_id}"


def access_code_schedules_ensure(*, workspace) -> None:
    """Idempotent: the global every-minute dispatcher of due pushes/polls, and this workspace's reconcile."""
    Schedule.objects.update_or_create(
        name=DUE_WORK_SCHEDULE,
        defaults={
            "func": "accesscodes.tasks.dispatch_due_access_code_work",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name=reconcile_schedule_name(workspace.pk),
        defaults={
            "func": "accesscodes.tasks.reconcile_workspace",
            "args": repr((workspace.pk,)),
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SEAM_RECONCILE_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )
