from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django_q.models import Schedule

from accesscodes.schedules import reconcile_schedule_name
from devices.schedules import workspace_sync_schedule_name
from portal.management.commands import runportal
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


@pytest.mark.django_db
def test_demo_workspace_gets_its_schedules():
    call_command("demo_setup", stdout=StringIO())
    workspace = Workspace.objects.get()
    assert set(Schedule.objects.filter(args=repr((workspace.pk,))).values_list("name", flat=True)) == {
        workspace_sync_schedule_name(workspace.pk),
        reconcile_schedule_name(workspace.pk),
    }


@pytest.mark.django_db
def test_runportal_reports_a_failed_first_sync_and_goes_on():
    errors = StringIO()
    runportal.Command(stdout=StringIO(), stderr=errors)._first_sync()
    assert "First sync of the demo workspace failed: No workspace with slug “demo”." in errors.getvalue()
