from django.urls import path

from accesscodes import views

urlpatterns = [
    path("", views.AccessCodeListView.as_view(), name="access_code_list"),
    path("new/", views.AccessCodeCreateView.as_view(), name="access_code_create"),
    path("<int:pk>/", views.AccessCodeDetailView.as_view(), name="access_code_detail"),
    path("<int:pk>/delete/", views.AccessCodeDeleteView.as_view(), name="access_code_delete"),
    path("<int:pk>/retry/", views.AccessCodeRetryView.as_view(), name="access_code_retry"),
    path("<int:pk>/backup/", views.AccessCodeBackupView.as_view(), name="access_code_backup"),
]
