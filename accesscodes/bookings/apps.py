from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "accesscodes.bookings"
    label = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from accesscodes.bookings.schedules import booking_schedule_ensure

        post_migrate.connect(booking_schedule_ensure, sender=self, dispatch_uid="bookings-schedule")
