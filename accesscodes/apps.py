from django.apps import AppConfig


class AccessCodesConfig(AppConfig):
    name = "accesscodes"
    verbose_name = "Access codes"
