from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "accesscodes.bookings"
    label = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from accesscodes.api.owners import OwnerLookup, register_owner_lookup
        from accesscodes.bookings import outbound_receivers, page_sections
        from accesscodes.bookings.demo import demo_bookings_ensure
        from accesscodes.bookings.models import BookingCode
        from accesscodes.bookings.schedules import booking_schedule_ensure
        from accesscodes.bookings.unlocks import unlock_on_booking_timeline
        from accesscodes.models import UnlockRecord
        from accesscodes.signals import unlock_recorded
        from portal.settings_tabs import SettingsTab, settings_tabs
        from portal.signals import demo_workspace_ready

        post_migrate.connect(booking_schedule_ensure, sender=self, dispatch_uid="bookings-schedule")
        demo_workspace_ready.connect(demo_bookings_ensure, dispatch_uid="bookings-demo")
        # The access-code API shows each code's booking_id without accesscodes importing bookings.
        links = BookingCode.objects.for_workspace
        register_owner_lookup(
            OwnerLookup(
                booking_ids=lambda workspace, ids: dict(
                    links(workspace)
                    .filter(access_code_id__in=ids)
                    .values_list("access_code_id", "booking_id")
                ),
                owned_access_code_ids=lambda workspace: links(workspace).values("access_code_id"),
            )
        )
        outbound_receivers.connect()
        unlock_recorded.connect(
            unlock_on_booking_timeline, sender=UnlockRecord, dispatch_uid="bookings-unlocks"
        )
        page_sections.register()
        settings_tabs.register(
            SettingsTab(key="properties", label="Properties and units", url_name="settings_properties")
        )
        settings_tabs.register(SettingsTab(key="feeds", label="Calendar feeds", url_name="settings_feeds"))
        settings_tabs.register(
            SettingsTab(key="sources", label="Booking sources", url_name="settings_sources")
        )
