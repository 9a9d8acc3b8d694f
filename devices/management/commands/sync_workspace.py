from django.core.management.base import BaseCommand, CommandError

from devices.models import SyncRun
from devices.services import device_sync
from portal.models import Workspace


class Command(BaseCommand):
    help = "Sync one workspace's devices and connected accounts from Seam now, in this process."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")

    def handle(self, *args, slug, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug “{slug}”.")
        sync_run = device_sync(workspace=workspace)
        if sync_run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync of “{workspace.name}” failed: {sync_run.error_message}")
        self.stdout.write(
            f"Synced “{workspace.name}”: {sync_run.devices_seen} devices "
            f"({sync_run.devices_created} new, {sync_run.devices_updated} updated, "
            f"{sync_run.devices_removed} removed), {sync_run.accounts_seen} connected accounts."
        )
