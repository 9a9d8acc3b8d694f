from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import Role, Workspace
from portal.services import membership_set, workspace_create

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-portal"  # local demo only: the portal binds to 127.0.0.1 and talks to the sandbox
DEMO_WORKSPACE_SLUG = "demo"
# Keys starting with seam_sandbox_ are provisioned by the sandbox on first use, with its demo devices.
DEMO_SEAM_API_KEY = "seam_sandbox_demo_workspace"


class Command(BaseCommand):
    help = "Idempotently create the demo superuser and a demo workspace that points at the Seam sandbox."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seam-api-url", default=settings.SEAM_SANDBOX_URL, help="Where the sandbox listens."
        )

    @transaction.atomic
    def handle(self, *args, seam_api_url, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE_SLUG).first()
        if workspace is None:
            workspace = workspace_create(
                name="Demo Rentals",
                slug=DEMO_WORKSPACE_SLUG,
                timezone="America/Los_Angeles",
                seam_api_key=DEMO_SEAM_API_KEY,
                seam_api_url=seam_api_url,
                owner=user,
            )
        else:
            membership_set(workspace=workspace, user=user, role=Role.OWNER)
            if workspace.seam_api_url != seam_api_url:
                workspace.seam_api_url = seam_api_url
                workspace.save(update_fields=["seam_api_url"])
        self.stdout.write(
            f"Demo workspace “{workspace.name}” ({workspace.slug}) · login {DEMO_USERNAME} / {DEMO_PASSWORD}"
        )
