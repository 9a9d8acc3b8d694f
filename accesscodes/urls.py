from django.urls import path

from accesscodes import views

urlpatterns = [
    path("", views.access_code_list, name="access_code_list"),
]
