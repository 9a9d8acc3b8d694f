import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accesscodes.api.owners import owned_access_code_querysets
from accesscodes.models import AccessCode
from portal.api.filters import StrictBooleanFilter


class AccessCodeFilter(django_filters.FilterSet):
    device_id = django_filters.NumberFilter(field_name="device_id")
    status = django_filters.ChoiceFilter(choices=AccessCode.Status.choices)
    sync_state = django_filters.ChoiceFilter(choices=AccessCode.SyncState.choices)
    type = django_filters.ChoiceFilter(choices=AccessCode.Type.choices)
    is_offline_access_code = StrictBooleanFilter()
    is_managed = StrictBooleanFilter()
    has_errors = StrictBooleanFilter(method="filter_has_errors")
    has_booking = StrictBooleanFilter(method="filter_has_booking")
    include_removed = StrictBooleanFilter(
        method="keep", help_text="Removed codes are left out unless this is true."
    )
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = AccessCode
        fields = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_removed"):
            queryset = queryset.filter(removed_at__isnull=True)
        return queryset

    @extend_schema_field(OpenApiTypes.BOOL)
    def keep(self, access_codes, name, value):
        return access_codes

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_has_errors(self, access_codes, name, value):
        with_errors = ~Q(errors=[])
        return access_codes.filter(with_errors if value else ~with_errors)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_has_booking(self, access_codes, name, value):
        owned = Q(pk__in=[])
        workspace_id = self.request.auth.workspace_id  # the API acts on the token's workspace only
        for owned_ids in owned_access_code_querysets(workspace_id):
            owned |= Q(pk__in=owned_ids)
        return access_codes.filter(owned if value else ~owned)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_search(self, access_codes, name, value):
        return access_codes.filter(Q(name__icontains=value) | Q(seam_access_code_id=value))
