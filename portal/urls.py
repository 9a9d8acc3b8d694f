from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accesscodes import views as access_code_views
from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("w/<slug:slug>/", views.workspace_detail, name="workspace_detail"),
    # A device's page is about its codes, so the access codes app serves it.
    path(
        "w/<slug:workspace_slug>/devices/<int:device_id>/",
        access_code_views.device_detail,
        name="device_detail",
    ),
    path("w/<slug:workspace_slug>/devices/", include("devices.urls")),
    path("w/<slug:workspace_slug>/codes/", include("accesscodes.urls")),
]
