"""One environment-driven settings module.

With no environment at all this gives a working local portal: SQLite, Django-Q2 on the ORM broker and a
Seam sandbox on 127.0.0.1. Production sets DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEY, DATABASE_URL,
ALLOWED_HOSTS and, for several web/worker machines, REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# The fallback key only exists so a fresh checkout runs; `check --deploy` flags it as insecure.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-local-development-only")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Seam API keys are encrypted with this Fernet key (urlsafe base64 of 32 bytes). Several comma-separated
# keys allow rotation: the first encrypts, all decrypt. Without it a key is derived from SECRET_KEY, which
# is only acceptable for local development.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "portal",
    "devices",
    "accesscodes",
    "accesscodes.bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.log_context.RequestContextMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections: Django-Q2's database broker closes a connection that has outlived its
        # age before every enqueue, so with 0 each queued Seam task cost a new PostgreSQL connection.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets several test runs share one PostgreSQL server without dropping each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Django-Q2 worker write to one file. IMMEDIATE takes the write lock when a
    # transaction begins, so a busy file makes it wait (busy_timeout) at BEGIN; a deferred transaction
    # that read first fails at once with "database is locked" when it tries to write, whatever the
    # timeout. WAL lets readers (pages, the broker's polling) run while one connection writes.
    # synchronous=NORMAL is durable across application crashes with WAL, and fsyncs only at checkpoints.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA busy_timeout=20000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Django-Q2: the ORM broker needs nothing extra; REDIS_URL moves the queue to Redis so several web and
# worker machines share it.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "portal",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 1,
    "catch_up": False,
    "sync": env_bool("Q_SYNC"),
    "poll": 1,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Seam: the production API unless a workspace names its own base URL (the sandbox does).
SEAM_API_URL = os.environ.get("SEAM_API_URL", "https://connect.getseam.com")
SEAM_SANDBOX_URL = os.environ.get("SEAM_SANDBOX_URL", "http://127.0.0.1:8765")
# A workspace's Seam URL must be https://, since its API key travels there. Plain http:// to this machine
# (127.0.0.0/8, localhost, [::1]) is allowed for the local sandbox: by default only in development, i.e.
# with DEBUG or without DJANGO_SECRET_KEY, which every production deployment sets.
SEAM_ALLOW_HTTP_LOOPBACK = env_bool(
    "SEAM_ALLOW_HTTP_LOOPBACK", default=DEBUG or not os.environ.get("DJANGO_SECRET_KEY")
)
SEAM_CONNECT_TIMEOUT = float(os.environ.get("SEAM_CONNECT_TIMEOUT", "5"))
SEAM_READ_TIMEOUT = float(os.environ.get("SEAM_READ_TIMEOUT", "20"))
SEAM_MAX_RETRIES = int(os.environ.get("SEAM_MAX_RETRIES", "3"))
SEAM_BACKOFF_BASE = float(os.environ.get("SEAM_BACKOFF_BASE", "0.5"))
SEAM_SYNC_INTERVAL_MINUTES = int(os.environ.get("SEAM_SYNC_INTERVAL_MINUTES", "5"))
SEAM_RECONCILE_INTERVAL_MINUTES = int(os.environ.get("SEAM_RECONCILE_INTERVAL_MINUTES", "15"))
# Where Seam reaches this portal (e.g. https://portal.example.com). When set, every workspace's webhook
# endpoint is registered with Seam and kept registered; without it, workspaces poll Seam's events instead.
PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "").strip().rstrip("/")

# The API (/api/v1/) accepts only workspace tokens (portal/api/views.py); the browser keeps its session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.PortalJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_RATE_LIMIT", "6000/minute")},
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lock portal API",
    "DESCRIPTION": (
        "Devices, access codes, properties, units, bookings, alerts and events of one workspace: the "
        "workspace of the bearer token. Errors use Seam's envelope "
        '`{"error": {"type", "message", "validation_errors"}, "request_id"}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set where several share a field name (status, kind).
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "accesscodes.bookings.models.Booking.Status",
        "AccessCodeStatusEnum": "accesscodes.models.AccessCode.Status",
        "AlertKindEnum": "accesscodes.bookings.models.Alert.Kind",
        "PlannedCodeKindEnum": "accesscodes.bookings.planner.Kind",
    },
}
# Throttle counters: Redis when several processes serve the API (REDIS_URL), else this process's memory.
CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

# Alerts are e-mailed to a workspace's managers; without EMAIL_HOST they are printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "lock-portal@localhost")

# One JSON object a line in production (LOG_FORMAT=json), readable lines in development; both carry the
# request id and workspace, and mask Seam keys, API tokens, webhook secrets and phone numbers.
LOG_FORMAT = os.environ.get(
    "LOG_FORMAT", "plain" if DEBUG or not os.environ.get("DJANGO_SECRET_KEY") else "json"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "portal.log_context.ContextFilter"}},
    "formatters": {
        "plain": {
            "()": "portal.log_context.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(workspace)s %(request_id)s] %(message)s",
        },
        "json": {"()": "portal.log_context.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # runserver's access lines (`./dev run`) name each request's path, a hook URL's token included:
        # through the console handler, so they are masked like every other line.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=bool(os.environ.get("DJANGO_SECRET_KEY")))
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None

from portal.crypto import build_fernet  # noqa: E402  (needs SECRET_KEY above)

try:
    FIELD_ENCRYPTION = build_fernet(FIELD_ENCRYPTION_KEYS, fallback_secret=SECRET_KEY)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"FIELD_ENCRYPTION_KEY is invalid: {exc}. Generate one with "
        "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
    ) from exc
