import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_q.models import Schedule

from accesscodes.schedules import reconcile_schedule_name
from devices.schedules import workspace_sync_schedule_name
from portal.models import Membership, Role, Workspace


def run_create_workspace(*args):
    out = StringIO()
    call_command("create_workspace", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_creates_workspace_and_prints_slug(make_user):
    owner = make_user("olivia")
    slug = run_create_workspace(
        "--name",
        "Seaside Villas",
        "--seam-api-key",
        "seam_live_abc123xyz",
        "--timezone",
        "Europe/Lisbon",
        "--seam-api-url",
        "http://127.0.0.1:8765",
        "--owner",
        "olivia",
    )
    assert slug == "seaside-villas"
    workspace = Workspace.objects.get(slug=slug)
    assert workspace.timezone == "Europe/Lisbon"
    assert workspace.seam_api_key == "seam_live_abc123xyz"
    assert workspace.seam_api_url == "http://127.0.0.1:8765"
    assert Membership.objects.get(workspace=workspace, user=owner).role == Role.OWNER
    assert set(Schedule.objects.filter(args=repr((workspace.pk,))).values_list("name", flat=True)) == {
        workspace_sync_schedule_name(workspace.pk),
        reconcile_schedule_name(workspace.pk),
    }


@pytest.mark.django_db
def test_explicit_slug():
    assert (
        run_create_workspace("--name", "X", "--seam-api-key", "seam_k1", "--slug", "custom-x") == "custom-x"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", "Dup", "--seam-api-key", "seam_k2", "--slug", "taken"],
            "slug: Workspace with this Slug already exists",
        ),
        (
            ["--name", "Tz", "--seam-api-key", "seam_k3", "--timezone", "Mars/Olympus"],
            "is not an IANA timezone",
        ),
        (["--name", "Key", "--seam-api-key", "sk_live_123"], "starts with “seam_”"),
        (["--name", "Owner", "--seam-api-key", "seam_k4", "--owner", "nobody"], "No user named “nobody”"),
        (["--name", "", "--seam-api-key", "seam_k5"], "name: This field cannot be blank"),
    ],
    ids=["duplicate-slug", "unknown-timezone", "bad-key-prefix", "unknown-owner", "blank-name"],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(args, message):
    run_create_workspace("--name", "Taken", "--seam-api-key", "seam_k0", "--slug", "taken")
    schedules_before = set(Schedule.objects.values_list("name", flat=True))
    with pytest.raises(CommandError, match=message):
        run_create_workspace(*args)
    assert Workspace.objects.count() == 1
    assert set(Schedule.objects.values_list("name", flat=True)) == schedules_before


@pytest.mark.django_db(transaction=True)
def test_bad_input_exits_with_code_1():
    env = {**os.environ, "DATABASE_URL": database_url_for_test_db()}
    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "create_workspace",
            "--name",
            "Bad",
            "--seam-api-key",
            "seam_k6",
            "--timezone",
            "Nowhere/Land",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "is not an IANA timezone" in result.stderr


def database_url_for_test_db() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
