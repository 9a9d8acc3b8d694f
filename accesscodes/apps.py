from django.apps import AppConfig


class AccessCodesConfig(AppConfig):
    name = "accesscodes"
    verbose_name = "Access codes"

    def ready(self):
        from accesscodes import page_sections

        page_sections.register()
