from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self):
        from devices import page_sections, receivers

        receivers.connect(app_config=self)
        page_sections.register()
