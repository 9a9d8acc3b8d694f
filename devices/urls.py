from django.urls import path

from devices import views

# The device page itself (`device_detail`) is about its access codes: the accesscodes app serves it.
urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("sync/", views.device_sync_now, name="device_sync_now"),
]
