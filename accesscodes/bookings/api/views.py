"""Properties and units (workspace settings: admins), bookings and alerts (managers), and the timeline.
Every write goes through the bookings services, so the API answers exactly as the admin does."""

from django.db import IntegrityError
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accesscodes.bookings.alerts import alert_resolve
from accesscodes.bookings.api.batch import bookings_batch_apply
from accesscodes.bookings.api.events import Position, events_page
from accesscodes.bookings.api.filters import AlertFilter, BookingFilter
from accesscodes.bookings.api.payload import BATCH_LIMIT, BookingBatchSerializer, BookingPayloadSerializer
from accesscodes.bookings.api.serializers import (
    AlertSerializer,
    BookingBatchAnswerSerializer,
    BookingCancelSerializer,
    BookingPatchSerializer,
    BookingSerializer,
    EventPageSerializer,
    EventQuerySerializer,
    EventSerializer,
    PreviewSerializer,
    PropertySerializer,
    UnitSerializer,
)
from accesscodes.bookings.models import Alert, Booking, Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.property_services import (
    InUse,
    property_create,
    property_delete,
    property_update,
    unit_create,
    unit_delete,
    unit_update,
)
from accesscodes.bookings.selectors import bookings_attach_codes_and_alerts, door_ids_by_owner
from accesscodes.bookings.services import booking_cancel, booking_preview, booking_upsert
from portal.api.errors import Conflict
from portal.api.views import WorkspaceAPIView, WorkspaceViewSet
from portal.models import WORKSPACE_ADMIN_ROLES

BOOKING_UNIQUE_CONSTRAINT = "unique_booking_per_source"
BOOKING_RESULT_HEADER = OpenApiParameter(
    "Booking-Result",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    enum=["created", "updated", "unchanged", "stale", "cancelled"],
    description="What the request did: `stale` means the update was older than the stored one and ignored.",
)


class DoorSetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Properties and units: each carries a set of door ids, read for a whole page in one query; writes
    go through the property services."""

    edit_roles = WORKSPACE_ADMIN_ROLES
    link_model = None
    owner_field = ""
    doors_attribute = ""

    def attach_doors(self, owners):
        doors = door_ids_by_owner(
            link_model=self.link_model,
            owner_field=self.owner_field,
            workspace=self.workspace,
            owner_ids=[owner.pk for owner in owners],
        )
        for owner in owners:
            setattr(owner, self.doors_attribute, doors[owner.pk])
        return owners

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self.attach_doors(page), many=True).data)

    def answer(self, owner, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.attach_doors([owner])[0]).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self.answer(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = self.create_service(workspace=self.workspace, **serializer.validated_data)
        return self.answer(owner, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self.answer(self.update_service(serializer.instance, serializer.validated_data))

    def perform_destroy(self, instance):
        try:
            self.delete_service(instance)
        except InUse as refusal:
            raise Conflict(str(refusal)) from refusal


class PropertyViewSet(DoorSetViewSet):
    """The workspace's properties: time zone, default check-in/out times, shared doors and code policy."""

    model = Property
    serializer_class = PropertySerializer
    link_model = PropertySharedDoor
    owner_field = "property"
    doors_attribute = "shared_door_ids"

    @staticmethod
    def create_service(**fields):
        return property_create(**fields)

    @staticmethod
    def update_service(property, changes):
        return property_update(property=property, **changes)

    @staticmethod
    def delete_service(property):
        property_delete(property=property)


class UnitViewSet(DoorSetViewSet):
    """The workspace's units: their property, listing id, doors and code policy overrides."""

    model = Unit
    serializer_class = UnitSerializer
    link_model = UnitDoor
    owner_field = "unit"
    doors_attribute = "door_ids"

    @staticmethod
    def create_service(**fields):
        return unit_create(**fields)

    @staticmethod
    def update_service(unit, changes):
        return unit_update(unit=unit, **changes)

    @staticmethod
    def delete_service(unit):
        unit_delete(unit=unit)


class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Bookings, each with the codes it holds on its doors now and its open alerts."""

    model = Booking
    serializer_class = BookingSerializer
    filterset_class = BookingFilter

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("unit")

    def answer(self, booking, *, result=None, status_code=status.HTTP_200_OK):
        """The booking as the service left it (no re-read), with its codes and open alerts."""
        bookings_attach_codes_and_alerts(workspace=self.workspace, bookings=[booking])
        headers = {"Booking-Result": result} if result else None
        return Response(self.get_serializer(booking).data, status=status_code, headers=headers)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        bookings_attach_codes_and_alerts(workspace=self.workspace, bookings=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self.answer(self.get_object())

    def payload(self, data) -> BookingPayloadSerializer:
        payload = BookingPayloadSerializer(data=data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return payload

    @extend_schema(
        request=BookingPayloadSerializer,
        responses={201: BookingSerializer, 200: BookingSerializer},
        parameters=[BOOKING_RESULT_HEADER],
    )
    def create(self, request, *args, **kwargs):
        """Create or update the booking with this `source` and `external_id` (201 new, 200 updated),
        then make its doors hold exactly its codes."""
        outcome = self._upsert(self.payload(request.data).upsert_kwargs())
        created = outcome.result == "created"
        return self.answer(
            outcome.booking,
            result=outcome.result,
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @staticmethod
    def _upsert(kwargs: dict):
        try:
            return booking_upsert(**kwargs)
        except IntegrityError as error:
            if BOOKING_UNIQUE_CONSTRAINT not in str(error):
                raise
            # The same new booking arrived twice at once and the other request created it first (its
            # transaction rolled back whole): now it exists, so this one is an update like any other.
            return booking_upsert(**kwargs)

    @extend_schema(
        request=inline_serializer(
            "BookingBatch",
            {
                "bookings": BookingPayloadSerializer(
                    many=True, help_text=f"1 to {BATCH_LIMIT} bookings, each the body of POST /bookings/."
                )
            },
        ),
        responses={200: BookingBatchAnswerSerializer},
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Create or update up to 100 bookings, each as POST /bookings/ would, in order and together (for
        imports: far cheaper than one request each). Each item succeeds or fails alone: a failed item wrote
        nothing and its `error` says why, in the shape of the error envelope."""
        body = BookingBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = bookings_batch_apply(
            workspace=self.workspace,
            items=body.validated_data["bookings"],
            context=self.get_serializer_context(),
        )
        answer = BookingBatchAnswerSerializer({"results": results}, context=self.get_serializer_context())
        return Response(answer.data)

    @extend_schema(
        request=BookingPatchSerializer, responses={200: BookingSerializer}, parameters=[BOOKING_RESULT_HEADER]
    )
    def partial_update(self, request, *args, **kwargs):
        """Change some fields: the stored booking with these changes is applied like a POST."""
        booking = self.get_object()
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        fixed = sorted({"source", "external_id"} & set(request.data))
        if fixed:
            raise serializers.ValidationError(
                {name: ["It names the booking and cannot change; create another booking."] for name in fixed}
            )
        merged = {**self._stored_input(booking), **request.data}
        if "unit_external_id" in request.data and "unit_id" not in request.data:
            merged.pop("unit_id")
        outcome = booking_upsert(**self.payload(merged).upsert_kwargs())
        return self.answer(outcome.booking, result=outcome.result)

    @staticmethod
    def _stored_input(booking: Booking) -> dict:
        return {
            "unit_id": booking.unit_id,
            "source": booking.source,
            "external_id": booking.external_id,
            "guest_name": booking.guest_name,
            "guest_email": booking.guest_email,
            "guest_phone": booking.guest_phone,
            "provided_pin": booking.provided_pin,
            "check_in": booking.check_in.isoformat(),
            "check_out": booking.check_out.isoformat(),
            "status": booking.status,
        }

    @extend_schema(
        request=BookingCancelSerializer,
        responses={200: BookingSerializer},
        parameters=[BOOKING_RESULT_HEADER],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the booking: its online codes are removed; offline ones stay valid and raise an alert."""
        booking = self.get_object()
        body = BookingCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = booking_cancel(booking=booking, **body.validated_data)
        return self.answer(outcome.booking, result=outcome.result)

    @extend_schema(request=BookingPayloadSerializer, responses={200: PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What this booking would do, saving nothing: the code each door would get, and why."""
        the_plan, _ = booking_preview(**self.payload(request.data).preview_kwargs())
        return Response(PreviewSerializer({"planned_codes": the_plan.codes}).data)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Problems a person must look at, open and resolved."""

    model = Alert
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark the alert resolved by hand (again on a resolved alert: no change)."""
        alert = alert_resolve(alert=self.get_object(), resolved_by=str(request.user))
        return Response(self.get_serializer(alert).data)


class EventListView(WorkspaceAPIView):
    """The timeline of the workspace, newest first: booking events and access-code events."""

    @extend_schema(parameters=[EventQuerySerializer], responses={200: EventPageSerializer})
    def get(self, request):
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = dict(query.validated_data)
        limit, cursor = options.pop("limit"), options.pop("cursor", None)
        position = Position.decode(cursor) if cursor else None
        page = events_page(workspace=self.workspace, filters=options, limit=limit, position=position)
        next_url = None
        if page.next_position is not None:
            params = {**request.query_params.dict(), "cursor": page.next_position.encode()}
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
        return Response({"next": next_url, "results": EventSerializer(page.rows, many=True).data})
