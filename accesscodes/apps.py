from django.apps import AppConfig


class AccessCodesConfig(AppConfig):
    name = "accesscodes"
    verbose_name = "Access codes"

    def ready(self):
        from accesscodes import page_sections, receivers, webhook_events

        receivers.connect(app_config=self)
        page_sections.register()
        webhook_events.connect()
