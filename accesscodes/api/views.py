"""Access codes through the API. Every write goes through `accesscodes.services` (and the backup pull through
`accesscodes.backup`), so the provider rules in `clean()` answer here exactly as in the admin."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accesscodes.api.filters import AccessCodeFilter
from accesscodes.api.owners import booking_ids_for
from accesscodes.api.serializers import (
    AccessCodeChangeSerializer,
    AccessCodeCreateSerializer,
    AccessCodeSerializer,
    PullBackupSerializer,
)
from accesscodes.backup import access_code_backup_pull
from accesscodes.models import AccessCode
from accesscodes.services import access_code_create, access_code_delete, access_code_update
from portal.api.errors import Conflict
from portal.api.views import WorkspaceViewSet

# The model's field names as the API spells them.
API_FIELD_NAMES = {"device": "device_id"}


def as_api_error(error: DjangoValidationError) -> Exception:
    """A refusal about fields stays a 400 (in the API's field names); a refusal about the code's state
    (offline, removed, found on the lock, not in Seam yet) is a 409 with the rule's own sentence."""
    if not hasattr(error, "error_dict"):
        return Conflict(" ".join(error.messages))
    return DjangoValidationError(
        {API_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


class AccessCodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """The workspace's access codes, newest first; removed ones only with `include_removed=true`."""

    model = AccessCode
    serializer_class = AccessCodeSerializer
    filterset_class = AccessCodeFilter

    def scoped_queryset(self):
        return AccessCode.objects.for_workspace(self.workspace).select_related("device")

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else None
        if instances is not None and not isinstance(instances, dict):
            rows = instances if kwargs.get("many") else [instances]
            # One query per page for every code's booking, whatever the page size.
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["booking_ids"] = booking_ids_for(self.workspace, [row.pk for row in rows])
        return super().get_serializer(*args, **kwargs)

    def _answer(self, access_code: AccessCode, status_code: int) -> Response:
        access_code = self.scoped_queryset().get(pk=access_code.pk)
        return Response(self.get_serializer(access_code).data, status=status_code)

    @extend_schema(request=AccessCodeCreateSerializer, responses={201: AccessCodeSerializer})
    def create(self, request):
        """Create a code on a device; the portal sends it to Seam in the background (`sync_state`)."""
        payload = AccessCodeCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            access_code = access_code_create(**payload.create_kwargs())
        except DjangoValidationError as error:
            raise as_api_error(error) from error
        return self._answer(access_code, status.HTTP_201_CREATED)

    @extend_schema(request=AccessCodeChangeSerializer, responses={200: AccessCodeSerializer})
    def partial_update(self, request, pk=None):
        """Change a code's name, PIN, window or options; offline codes cannot change (409)."""
        access_code = self.get_object()
        changes = AccessCodeChangeSerializer(data=request.data, context=self.get_serializer_context())
        changes.is_valid(raise_exception=True)
        try:
            access_code = access_code_update(access_code=access_code, **changes.validated_data)
        except DjangoValidationError as error:
            raise as_api_error(error) from error
        return self._answer(access_code, status.HTTP_200_OK)

    @extend_schema(request=None, responses={202: AccessCodeSerializer})
    def destroy(self, request, pk=None):
        """Remove the code from the lock: 202, the deletion goes to Seam in the background. Deleting an
        offline code is refused (409): the lock keeps it until it ends."""
        access_code = self.get_object()
        try:
            access_code = access_code_delete(access_code=access_code)
        except DjangoValidationError as error:
            raise as_api_error(error) from error
        return self._answer(access_code, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: PullBackupSerializer})
    @action(detail=True, methods=["post"], url_path="pull-backup")
    def pull_backup(self, request, pk=None):
        """Hand the guest a backup code from the device's pool (for a code created with
        `use_backup_access_code_pool`); pulling again answers the same backup code."""
        access_code = self.get_object()
        try:
            backup = access_code_backup_pull(access_code=access_code)
        except DjangoValidationError as error:
            raise as_api_error(error) from error
        access_code = self.scoped_queryset().get(pk=access_code.pk)
        context = {
            **self.get_serializer_context(),
            "booking_ids": booking_ids_for(self.workspace, [access_code.pk]),
        }
        body = {"backup_access_code": backup, "access_code": access_code}
        return Response(PullBackupSerializer(body, context=context).data)
