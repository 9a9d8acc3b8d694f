"""What the portal tells the apps above it. The portal never imports those apps: they connect receivers to
these signals in their `AppConfig.ready()`.

Both are sent inside the transaction that creates or deletes the workspace, so what a receiver writes
(e.g. a schedule) is committed or rolled back together with the workspace. A receiver with effects
outside the database defers them with `transaction.on_commit`."""

from django.dispatch import Signal

# sender: Workspace; kwargs: workspace (saved, and its owner's membership when one was given).
workspace_created = Signal()
# sender: Workspace; kwargs: workspace_id (the row and its tenant rows are already deleted).
workspace_deleted = Signal()
# kwargs: workspace (the demo workspace, its devices just synced from the sandbox).
demo_workspace_ready = Signal()
# sender: WebhookEndpoint; kwargs: endpoint (just disabled: a 410 answer, or deliveries that kept failing),
# reason. Sent inside the transaction that disables it.
webhook_endpoint_disabled = Signal()
