"""Included at `w/<workspace_slug>/`: the bookings pages and the properties pages."""

from django.urls import path

from accesscodes.bookings.views import bookings, feeds, properties, property_forms, sources

urlpatterns = [
    path("bookings/", bookings.BookingListView.as_view(), name="booking_list"),
    path("bookings/new/", bookings.BookingCreateView.as_view(), name="booking_create"),
    path("bookings/preview/", bookings.BookingPreviewView.as_view(), name="booking_preview"),
    path("bookings/<int:pk>/", bookings.BookingDetailView.as_view(), name="booking_detail"),
    path("bookings/<int:pk>/edit/", bookings.BookingEditView.as_view(), name="booking_edit"),
    path(
        "bookings/<int:pk>/edit/preview/", bookings.BookingPreviewView.as_view(), name="booking_edit_preview"
    ),
    path("bookings/<int:pk>/move/", bookings.BookingMoveView.as_view(), name="booking_move"),
    path(
        "bookings/<int:pk>/move/preview/",
        bookings.BookingMovePreviewView.as_view(),
        name="booking_move_preview",
    ),
    path("bookings/<int:pk>/unit/", bookings.BookingChangeUnitView.as_view(), name="booking_change_unit"),
    path(
        "bookings/<int:pk>/unit/preview/",
        bookings.BookingChangeUnitPreviewView.as_view(),
        name="booking_change_unit_preview",
    ),
    path("bookings/<int:pk>/cancel/", bookings.BookingCancelView.as_view(), name="booking_cancel"),
    path("bookings/<int:pk>/rotate-pin/", bookings.BookingRotatePinView.as_view(), name="booking_rotate_pin"),
    path("properties/", properties.PropertyListView.as_view(), name="property_list"),
    path("properties/<int:pk>/", properties.PropertyDetailView.as_view(), name="property_detail"),
    path("properties/units/<int:pk>/", properties.UnitDetailView.as_view(), name="unit_detail"),
    path("settings/properties/", property_forms.PropertySettingsView.as_view(), name="settings_properties"),
    path("properties/new/", property_forms.PropertyCreateView.as_view(), name="property_create"),
    path("properties/<int:pk>/edit/", property_forms.PropertyEditView.as_view(), name="property_edit"),
    path(
        "properties/<int:property_pk>/units/new/", property_forms.UnitCreateView.as_view(), name="unit_create"
    ),
    path("properties/units/<int:pk>/edit/", property_forms.UnitEditView.as_view(), name="unit_edit"),
    path("settings/feeds/", feeds.FeedListView.as_view(), name="settings_feeds"),
    path("settings/feeds/<int:pk>/", feeds.FeedEditView.as_view(), name="settings_feed_edit"),
    path("settings/feeds/<int:pk>/import/", feeds.FeedImportView.as_view(), name="settings_feed_import"),
    path("settings/sources/", sources.SourceListView.as_view(), name="settings_sources"),
    path(
        "settings/sources/<int:pk>/secret/",
        sources.SourceSecretRotateView.as_view(),
        name="settings_source_secret_rotate",
    ),
    path(
        "settings/sources/<int:pk>/url/",
        sources.SourceUrlRotateView.as_view(),
        name="settings_source_url_rotate",
    ),
    path(
        "settings/sources/<int:pk>/disable/",
        sources.SourceDisableView.as_view(),
        name="settings_source_disable",
    ),
]
