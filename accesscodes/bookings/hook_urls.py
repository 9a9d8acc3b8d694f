"""Included at `hooks/bookings/`: the signed booking hooks a booking system posts to."""

from django.urls import path

from accesscodes.bookings.hooks import booking_hook_receive

urlpatterns = [
    path("<str:token>/", booking_hook_receive, name="booking_hook"),
]
