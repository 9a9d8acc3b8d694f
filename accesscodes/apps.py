from django.apps import AppConfig


class AccessCodesConfig(AppConfig):
    name = "accesscodes"
    verbose_name = "Access codes"

    def ready(self):
        from accesscodes import event_handlers, page_sections, receivers, webhook_events
        from accesscodes.provider_facts import device_facts
        from accesscodes.providers import describe_rules
        from devices.api.rules import register_rule_describer
        from portal import seam_events

        receivers.connect(app_config=self)
        page_sections.register()
        webhook_events.connect()
        seam_events.register("access_code", event_handlers.access_code_event_apply)
        seam_events.register("lock.unlocked", event_handlers.lock_event_record)
        seam_events.register("lock.locked", event_handlers.lock_event_record)
        # The device API lists each door's code rules as sentences; only accesscodes knows them.
        register_rule_describer(lambda device: describe_rules(device_facts(device)))
