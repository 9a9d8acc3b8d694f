from django.urls import path

from accesscodes import views

urlpatterns = [
    path("", views.access_code_list, name="access_code_list"),
    path("<int:pk>/", views.access_code_detail, name="access_code_detail"),
    path("<int:pk>/delete/", views.access_code_delete_view, name="access_code_delete"),
    path("<int:pk>/retry/", views.access_code_retry_view, name="access_code_retry"),
    path("<int:pk>/backup/", views.access_code_backup_view, name="access_code_backup"),
]
