import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from devices.models import Device
from portal.api.filters import StrictBooleanFilter


class DeviceFilter(django_filters.FilterSet):
    manufacturer = django_filters.CharFilter()
    online = StrictBooleanFilter()
    has_errors = StrictBooleanFilter(method="filter_has_errors")
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Device
        fields = []

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_has_errors(self, devices, name, value):
        with_errors = ~Q(errors=[])
        return devices.filter(with_errors if value else ~with_errors)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_search(self, devices, name, value):
        return devices.filter(Q(name__icontains=value) | Q(seam_device_id=value) | Q(model__icontains=value))
