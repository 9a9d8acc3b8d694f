from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.services import user_get_by_username, workspace_create


def validation_error_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create a workspace (tenant) with its Seam API key and print its slug."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--seam-api-key", required=True, help="Starts with seam_. Stored encrypted.")
        parser.add_argument("--slug", default="")
        parser.add_argument("--seam-api-url", default="", help="Base URL of a Seam sandbox; default: Seam.")
        parser.add_argument("--timezone", default="UTC", help="IANA timezone, e.g. Europe/Paris.")
        parser.add_argument("--owner", default=None, help="Username that becomes the workspace owner.")

    def handle(self, *args, **options):
        try:
            owner = user_get_by_username(username=options["owner"]) if options["owner"] else None
            workspace = workspace_create(
                name=options["name"],
                seam_api_key=options["seam_api_key"],
                slug=options["slug"],
                timezone=options["timezone"],
                seam_api_url=options["seam_api_url"],
                owner=owner,
            )
        except ValidationError as error:
            raise CommandError(validation_error_text(error)) from None
        self.stdout.write(workspace.slug)
