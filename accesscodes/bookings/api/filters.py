import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accesscodes.bookings.models import Alert, Booking
from portal.api.filters import StrictBooleanFilter, UtcIsoDateTimeFromToRangeFilter


class BookingFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id")
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)
    check_in = UtcIsoDateTimeFromToRangeFilter(
        help_text="check_in_after / check_in_before: ISO 8601 date-times, both ends included."
    )
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Booking
        fields = []

    @extend_schema_field(OpenApiTypes.STR)
    def filter_search(self, bookings, name, value):
        """The guest's name (any part) or the booking's external id (exact)."""
        return bookings.filter(Q(guest_name__icontains=value) | Q(external_id=value))


class AlertFilter(django_filters.FilterSet):
    open = StrictBooleanFilter(field_name="resolved_at", method="filter_open")
    kind = django_filters.ChoiceFilter(choices=Alert.Kind.choices)
    booking = django_filters.NumberFilter(field_name="booking_id")

    class Meta:
        model = Alert
        fields = []

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_open(self, alerts, name, value):
        return alerts.filter(resolved_at__isnull=value)
