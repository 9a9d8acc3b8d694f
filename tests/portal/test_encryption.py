import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from portal.crypto import build_fernet
from portal.models import Workspace

PLAIN_KEY = "seam_test_alpha_key_000"


def test_seam_api_key_is_not_stored_in_plain_text(workspace_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT seam_api_key FROM portal_workspace WHERE id = %s", [workspace_a.pk])
        (stored,) = cursor.fetchone()
    assert PLAIN_KEY not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_key == PLAIN_KEY


def test_database_dump_does_not_contain_the_key(workspace_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(w)::text FROM portal_workspace w")
        dump = " ".join(row[0] for row in cursor.fetchall())
    assert PLAIN_KEY not in dump


def test_masked_key_never_shows_the_whole_key(workspace_a):
    masked = workspace_a.masked_seam_api_key
    assert masked != PLAIN_KEY
    assert PLAIN_KEY[5:-4] not in masked


def test_value_written_with_another_key_fails_loudly(workspace_a, settings):
    settings.FIELD_ENCRYPTION = build_fernet([Fernet.generate_key().decode()], fallback_secret="")
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY does not match"):
        Workspace.objects.get(pk=workspace_a.pk)


def test_key_rotation_reads_old_values(workspace_a, settings):
    old = settings.FIELD_ENCRYPTION
    new_key = Fernet.generate_key().decode()
    # Rotation: new key first (encrypts), old keys after (decrypt). The dev fallback is the old key here.
    settings.FIELD_ENCRYPTION = type(old)([Fernet(new_key.encode()), *old._fernets])
    assert Workspace.objects.get(pk=workspace_a.pk).seam_api_key == PLAIN_KEY


def test_invalid_encryption_key_is_a_clear_startup_error():
    env = {**os.environ, "FIELD_ENCRYPTION_KEY": "not-a-fernet-key"}
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is invalid" in result.stderr
    assert "not-a-fernet-key" not in result.stderr
