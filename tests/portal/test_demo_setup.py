from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from portal.management.commands.demo_setup import DEMO_PASSWORD, DEMO_USERNAME
from portal.models import Membership, Role, Workspace


@pytest.mark.django_db
def test_demo_setup_is_idempotent_and_follows_the_sandbox_port():
    call_command("demo_setup", seam_api_url="http://127.0.0.1:8765", stdout=StringIO())
    out = StringIO()
    call_command("demo_setup", seam_api_url="http://127.0.0.1:9999", stdout=out)
    workspace = Workspace.objects.get()
    assert workspace.seam_api_url == "http://127.0.0.1:9999"
    assert workspace.seam_api_key.startswith("seam_sandbox_")
    user = authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    assert user is not None and user.is_superuser
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER
    assert f"{DEMO_USERNAME} / {DEMO_PASSWORD}" in out.getvalue()
