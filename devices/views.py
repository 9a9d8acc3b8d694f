from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect

from devices.filters import DeviceFilterForm
from devices.models import Device
from devices.page_sections import device_page
from devices.schedules import device_sync_enqueue
from devices.selectors import (
    device_health_summary,
    device_manufacturers,
    devices_filtered,
    sync_run_latest,
    sync_run_latest_succeeded,
)
from portal.tenant_views import WorkspaceView

DEVICES_PER_PAGE = 100


class DeviceListView(WorkspaceView):
    def get(self, request):
        filters = DeviceFilterForm(request.GET)
        if filters.is_valid():
            devices = devices_filtered(workspace=self.workspace, **filters.cleaned_data)
        else:
            devices = Device.objects.for_workspace(self.workspace).none()
        page = Paginator(devices, DEVICES_PER_PAGE).get_page(request.GET.get("page"))
        last_sync = sync_run_latest(workspace=self.workspace)
        return self.render_page(
            "devices/device_list.html",
            status=200 if filters.is_valid() else 400,
            page=page,
            devices=page.object_list,
            filters=filters,
            filtered=any(filters.cleaned_data.values()),
            manufacturers=device_manufacturers(workspace=self.workspace),
            health=device_health_summary(workspace=self.workspace),
            last_sync=last_sync,
            last_good_sync=(
                last_sync
                if last_sync and last_sync.status == last_sync.Status.SUCCEEDED
                else sync_run_latest_succeeded(workspace=self.workspace)
            ),
        )


class DeviceDetailView(WorkspaceView):
    def get(self, request, device_id):
        device = (
            Device.objects.for_workspace(self.workspace)
            .select_related("connected_account")
            .filter(pk=device_id)
            .first()
        )
        if device is None:
            raise Http404("No such device")
        return self.render_page(
            "devices/device_detail.html",
            device=device,
            last_good_sync=sync_run_latest_succeeded(workspace=self.workspace),
            sections=device_page.sections(request=request, access=self.access, device=device),
        )


class DeviceSyncView(WorkspaceView):
    http_method_names = ["post"]

    def post(self, request):
        device_sync_enqueue(workspace=self.workspace)
        messages.success(request, "Sync with Seam queued. Refresh this page in a moment to see the result.")
        return redirect("device_list", self.workspace.slug)
