from django.apps import AppConfig


class AccessCodesConfig(AppConfig):
    name = "accesscodes"
    verbose_name = "Access codes"

    def ready(self):
        from accesscodes import event_handlers, page_sections, receivers
        from portal import seam_events

        receivers.connect(app_config=self)
        page_sections.register()
        seam_events.register("access_code", event_handlers.access_code_event_apply)
        seam_events.register("lock.unlocked", event_handlers.lock_event_record)
        seam_events.register("lock.locked", event_handlers.lock_event_record)
