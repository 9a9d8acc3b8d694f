from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "accesscodes.bookings"
    label = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from accesscodes.bookings import page_sections
        from accesscodes.bookings.demo import demo_bookings_ensure
        from accesscodes.bookings.schedules import booking_schedule_ensure
        from portal.signals import demo_workspace_ready

        post_migrate.connect(booking_schedule_ensure, sender=self, dispatch_uid="bookings-schedule")
        demo_workspace_ready.connect(demo_bookings_ensure, dispatch_uid="bookings-demo")
        page_sections.register()
