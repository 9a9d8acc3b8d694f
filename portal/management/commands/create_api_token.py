from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.management.commands.create_workspace import validation_error_text
from portal.models import ApiToken, Workspace
from portal.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a workspace and print it alone on stdout (it is shown only this once; "
        "only its hash is stored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. the booking system.")
        parser.add_argument(
            "--read-only", action="store_true", help="A read token: GET only; every write answers 403."
        )

    def handle(self, *args, **options):
        workspace = Workspace.objects.filter(slug=options["slug"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug {options['slug']!r}.")
        scope = ApiToken.Scope.READ if options["read_only"] else ApiToken.Scope.WRITE
        try:
            _, clear = api_token_create(workspace=workspace, name=options["name"], scope=scope)
        except ValidationError as error:
            raise CommandError(validation_error_text(error)) from None
        self.stdout.write(clear)
