"""What accesscodes tells the apps above it (they connect in their `AppConfig.ready()`)."""

from django.dispatch import Signal

# sender: AccessCode; kwargs: access_code (just saved), changed (frozenset of the names among "status",
# "sync_state" and "is_scheduled_on_device" whose value changed). Sent inside the transaction that saved
# the code: a receiver with effects outside the database defers them with `transaction.on_commit`.
access_code_status_changed = Signal()
