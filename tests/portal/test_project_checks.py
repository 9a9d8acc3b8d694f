import os
import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings

MANAGE = str(settings.BASE_DIR / "manage.py")


def run(args, env=None):
    # The browser tests' process allows ORM calls beside Playwright's event loop; a deployment never does,
    # and its checks must see it as a deployment would.
    env = {key: value for key, value in (env or os.environ).items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR)


def test_migrations_are_complete():
    result = run([sys.executable, MANAGE, "makemigrations", "--check", "--dry-run"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = run([sys.executable, "-m", "ruff", "check", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = run([sys.executable, "-m", "ruff", "format", "--check", "."])
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7!k" + Fernet.generate_key().decode() + "q#Zp9@Lm2&",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "DEBUG": "0",
}


def test_deploy_check_passes_with_production_settings():
    # Production does not set the loopback switch (./dev test does, for the local sandbox).
    env = {**{k: v for k, v in os.environ.items() if k != "SEAM_ALLOW_HTTP_LOOPBACK"}, **PRODUCTION_ENV}
    result = run([sys.executable, MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_requires_a_field_encryption_key():
    # Without it the Seam keys hang on SECRET_KEY: rotating that would make them all unreadable.
    env = {
        key: value for key, value in {**os.environ, **PRODUCTION_ENV}.items() if key != "FIELD_ENCRYPTION_KEY"
    }
    result = run([sys.executable, MANAGE, "check", "--deploy"], env=env)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr + result.stdout
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr + result.stdout


def test_deploy_check_warns_about_plain_http_to_a_local_seam():
    env = {**os.environ, **PRODUCTION_ENV, "SEAM_ALLOW_HTTP_LOOPBACK": "1"}
    result = run([sys.executable, MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode != 0
    assert "portal.W001" in result.stderr + result.stdout


def test_deploy_check_flags_the_development_defaults():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SECRET_KEY", "SECURE_SSL_REDIRECT"}
    }
    result = run([sys.executable, MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr
