from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from devices.api.filters import DeviceFilter
from devices.api.serializers import DeviceSerializer, SyncQueuedSerializer
from devices.models import Device, SyncRun
from devices.schedules import device_sync_enqueue
from portal.api.views import WorkspaceViewSet


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """The workspace's locks, as the last device sync saw them (removed ones included, flagged)."""

    model = Device
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter

    @extend_schema(request=None, responses={202: SyncQueuedSerializer})
    @action(detail=False, methods=["post"])
    def sync(self, request):
        """Queue a device sync now; the answer names the last finished or running sync."""
        device_sync_enqueue(workspace=self.workspace)
        last = SyncRun.objects.for_workspace(self.workspace).order_by("-started_at").first()
        body = SyncQueuedSerializer({"queued": True, "last_sync_run": last}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
