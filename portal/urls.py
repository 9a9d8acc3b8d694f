from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views
from portal.hooks.views import seam_webhook_receive

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("hooks/seam/<str:token>/", seam_webhook_receive, name="seam_webhook"),
    path("hooks/bookings/", include("accesscodes.bookings.hook_urls")),
    path("w/<slug:workspace_slug>/", views.WorkspaceDetailView.as_view(), name="workspace_detail"),
    path(
        "w/<slug:workspace_slug>/sections/", views.WorkspaceSectionsView.as_view(), name="workspace_sections"
    ),
    path("w/<slug:workspace_slug>/settings/", include("portal.settings_urls")),
    path("w/<slug:workspace_slug>/devices/", include("devices.urls")),
    path("w/<slug:workspace_slug>/codes/", include("accesscodes.urls")),
    path("w/<slug:workspace_slug>/", include("accesscodes.bookings.urls")),
]
