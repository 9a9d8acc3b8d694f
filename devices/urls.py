from django.urls import path

from devices import views

urlpatterns = [
    path("", views.DeviceListView.as_view(), name="device_list"),
    path("<int:device_id>/", views.DeviceDetailView.as_view(), name="device_detail"),
    path("sync/", views.DeviceSyncView.as_view(), name="device_sync_now"),
]
