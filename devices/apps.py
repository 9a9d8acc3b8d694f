from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self):
        from devices import event_handlers, page_sections, receivers
        from portal import seam_events

        receivers.connect(app_config=self)
        page_sections.register()
        seam_events.register("device", event_handlers.device_event_apply)
        seam_events.register(
            "connected_account.disconnected", event_handlers.connected_account_disconnected_apply
        )
