"""What the portal tells the apps above it. The portal never imports those apps: they connect receivers to
these signals in their `AppConfig.ready()`. Both are sent once the surrounding transaction commits."""

from django.dispatch import Signal

# kwargs: workspace (a saved Workspace).
workspace_created = Signal()
# kwargs: workspace_id (the row no longer exists).
workspace_deleted = Signal()
# kwargs: workspace (the demo workspace, its devices just synced from the sandbox).
demo_workspace_ready = Signal()
