from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from devices.schedules import device_sync_enqueue
from devices.selectors import (
    DEVICE_HEALTH_CHOICES,
    device_health_summary,
    device_manufacturers,
    devices_filtered,
    sync_run_latest,
    sync_run_latest_succeeded,
)
from portal.models import CODE_EDITOR_ROLES
from portal.selectors import workspace_get_for_user, workspace_role

DEVICES_PER_PAGE = 100


@login_required
def device_list(request, workspace_slug):
    workspace = workspace_get_for_user(user=request.user, slug=workspace_slug)
    filters = {
        "manufacturer": request.GET.get("manufacturer", ""),
        "health": request.GET.get("health", ""),
        "removed": request.GET.get("removed") == "1",
    }
    page = Paginator(devices_filtered(workspace=workspace, **filters), DEVICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    last_sync = sync_run_latest(workspace=workspace)
    return render(
        request,
        "devices/device_list.html",
        {
            "workspace": workspace,
            "page": page,
            "devices": page.object_list,
            "filters": filters,
            "filtered": any(filters.values()),
            "manufacturers": device_manufacturers(workspace=workspace),
            "health_choices": DEVICE_HEALTH_CHOICES,
            "health": device_health_summary(workspace=workspace),
            "last_sync": last_sync,
            "last_good_sync": (
                sync_run_latest_succeeded(workspace=workspace)
                if last_sync and last_sync.status == last_sync.Status.FAILED
                else None
            ),
            "can_sync": workspace_role(user=request.user, workspace=workspace) in CODE_EDITOR_ROLES,
        },
    )


@login_required
@require_POST
def device_sync_now(request, workspace_slug):
    workspace = workspace_get_for_user(user=request.user, slug=workspace_slug)
    if workspace_role(user=request.user, workspace=workspace) not in CODE_EDITOR_ROLES:
        raise PermissionDenied("Only managers, admins and owners can sync devices.")
    device_sync_enqueue(workspace=workspace)
    messages.success(request, "Sync with Seam queued. Refresh this page in a moment to see the result.")
    return redirect("device_list", workspace.slug)
