"""`/api/v1/`: each app's `api/urls.py` (wired here with include(), like the pages), the schema and the
interactive docs (assets installed by drf-spectacular-sidecar, no CDN). Anything else under the API
answers 404 in the error envelope."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api.errors import api_not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("devices.api.urls")),
    path("", include("accesscodes.bookings.api.urls")),
    path("", include("accesscodes.api.urls")),
    re_path(r"^(?P<unmatched>.*)$", api_not_found),
]
