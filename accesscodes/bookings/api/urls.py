from django.urls import path
from rest_framework.routers import SimpleRouter

from accesscodes.bookings.api.views import (
    AlertViewSet,
    BookingViewSet,
    EventListView,
    PropertyViewSet,
    UnitViewSet,
)

router = SimpleRouter()
router.register("properties", PropertyViewSet, basename="api-property")
router.register("units", UnitViewSet, basename="api-unit")
router.register("bookings", BookingViewSet, basename="api-booking")
router.register("alerts", AlertViewSet, basename="api-alert")
urlpatterns = [*router.urls, path("events/", EventListView.as_view(), name="api-event-list")]
