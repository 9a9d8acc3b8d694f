import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accesscodes.bookings.hook_sources import booking_source_create
from portal.management.commands.create_workspace import validation_error_text
from portal.models import Workspace


class Command(BaseCommand):
    help = (
        "Create a booking source for the workspace SLUG and print, once, its hook URL path and signing "
        'secret as JSON: {"url": "/hooks/bookings/<token>/", "secret": "whsec_..."}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("--name", required=True, help="The booking system, e.g. Hostaway.")

    def handle(self, *args, **options):
        workspace = Workspace.objects.filter(slug=options["slug"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug “{options['slug']}”.")
        try:
            _, url, secret = booking_source_create(workspace=workspace, name=options["name"])
        except ValidationError as error:
            raise CommandError(validation_error_text(error)) from None
        self.stdout.write(json.dumps({"url": url, "secret": secret}))
