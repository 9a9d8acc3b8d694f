"""What accesscodes tells the apps above it. accesscodes never imports those apps: they connect receivers
to these signals in their `AppConfig.ready()`.

Both are sent inside the transaction that saves the change, so what a receiver writes commits with it; a
receiver with effects outside the database defers them with `transaction.on_commit`."""

from django.dispatch import Signal

# sender: AccessCode; kwargs: access_code (just saved), changed (frozenset of the names among "status",
# "sync_state" and "is_scheduled_on_device" whose value changed).
access_code_status_changed = Signal()

# sender: UnlockRecord; kwargs: unlock_record (new, action "unlocked"; its access_code may be None).
unlock_recorded = Signal()
