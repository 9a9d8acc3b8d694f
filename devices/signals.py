"""What devices tells the apps above it. devices never imports those apps: they connect receivers to
these signals in their `AppConfig.ready()`."""

from django.dispatch import Signal

# sender: SyncRun; kwargs: workspace_id, sync_run_id. Sent after a sync that read every Seam page.
device_sync_succeeded = Signal()
