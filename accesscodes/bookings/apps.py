from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "accesscodes.bookings"
    label = "bookings"
    verbose_name = "Bookings"
