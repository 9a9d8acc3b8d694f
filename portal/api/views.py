"""The base of every API view: the token's workspace and role resolved once, roles checked like the
pages, querysets scoped to that workspace (another workspace's id is 404), Idempotency-Key on POST."""

from zoneinfo import ZoneInfo

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from portal.api.authentication import BearerTokenAuthentication
from portal.api.idempotency import Replay, idempotency_claim
from portal.api.pagination import IdCursorPagination
from portal.api.permissions import WorkspaceRolePermission
from portal.api.throttling import TokenRateThrottle
from portal.log_context import bind_workspace
from portal.models import CODE_EDITOR_ROLES
from portal.tenant_views import workspace_access_for_token


class WorkspaceAPIMixin:
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated, WorkspaceRolePermission]
    throttle_classes = [TokenRateThrottle]
    read_roles = None
    edit_roles = CODE_EDITOR_ROLES

    access = None
    workspace = None
    zone = None
    idempotency = None

    def perform_authentication(self, request):
        token = request.auth
        if token is not None:
            self.access = workspace_access_for_token(token)
            self.workspace = self.access.workspace
            self.zone = ZoneInfo(self.workspace.timezone)
            bind_workspace(self.workspace)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.idempotency = idempotency_claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency is not None:
            self.idempotency.finish(response)
            self.idempotency = None
        return response

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "workspace": self.workspace, "zone": self.zone}


class WorkspaceAPIView(WorkspaceAPIMixin, APIView):
    def get_serializer_context(self):
        return {"request": self.request, "view": self, "workspace": self.workspace, "zone": self.zone}


class WorkspaceViewSet(WorkspaceAPIMixin, viewsets.GenericViewSet):
    """Subclasses name `model` (a TenantModel) and may refine `scoped_queryset`."""

    model = None
    pagination_class = IdCursorPagination
    lookup_value_regex = r"[0-9]+"

    def scoped_queryset(self):
        return self.model.objects.for_workspace(self.workspace)

    def get_queryset(self):
        if self.workspace is None:  # schema generation: no request token
            return self.model.objects.none()
        return self.scoped_queryset()
