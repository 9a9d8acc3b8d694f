from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.selectors import workspace_get_for_user, workspace_role, workspaces_for_user


@login_required
def home(request):
    workspaces = workspaces_for_user(user=request.user)
    return render(request, "portal/home.html", {"workspaces": workspaces})


@login_required
def workspace_detail(request, slug):
    workspace = workspace_get_for_user(user=request.user, slug=slug)
    context = {"workspace": workspace, "role": workspace_role(user=request.user, workspace=workspace)}
    context.update(workspace_sections(workspace=workspace))
    return render(request, "portal/workspace_detail.html", context)


def workspace_sections(*, workspace):
    from devices.selectors import device_health_summary, sync_run_latest

    return {
        "health": device_health_summary(workspace=workspace),
        "last_sync": sync_run_latest(workspace=workspace),
    }
