"""What accesscodes tells the apps above it. accesscodes never imports those apps: they connect receivers
to these signals in their `AppConfig.ready()`.

Sent inside the transaction that records the event, so what a receiver writes commits with it."""

from django.dispatch import Signal

# sender: UnlockRecord; kwargs: unlock_record (new, action "unlocked"; its access_code may be None).
unlock_recorded = Signal()
