import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.hooks.endpoints import endpoint_url, seam_webhook_endpoint_set, seam_webhook_register
from portal.models import Workspace
from portal.seam import SeamError


class Command(BaseCommand):
    help = (
        "Print the workspace's Seam webhook endpoint as one JSON object {url, secret}, creating it if needed. "
        "With PORTAL_PUBLIC_URL set, the endpoint is registered with Seam, whose secret it then uses; "
        "otherwise --secret stores the secret Seam gave for the URL registered by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("--secret", default="", help="Seam's whsec_... secret for this endpoint.")

    def handle(self, *args, slug, secret, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug “{slug}”.")
        if secret and settings.PORTAL_PUBLIC_URL:
            raise CommandError(
                "PORTAL_PUBLIC_URL is set: the portal registers this endpoint with Seam and uses the secret "
                "Seam returns. Leave out --secret."
            )
        try:
            if settings.PORTAL_PUBLIC_URL:
                endpoint = seam_webhook_register(workspace=workspace, public_url=settings.PORTAL_PUBLIC_URL)
            else:
                endpoint = seam_webhook_endpoint_set(workspace=workspace, secret=secret)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except SeamError as error:
            raise CommandError(f"Seam did not register the webhook: {error.message}") from error
        self.stdout.write(json.dumps({"url": endpoint_url(endpoint), "secret": str(endpoint.secret)}))
