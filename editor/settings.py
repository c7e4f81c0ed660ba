"""Flowdesk settings, configured from the environment (see README)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from editor.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "django_vite",
    "workflows",
    "editor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "editor.urls"
ASGI_APPLICATION = "editor.asgi.application"

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

DATABASES = {"default": env_database("DATABASE_URL", VAR_DIR / "flowdesk.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
# Serve straight from the finders so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Vite puts a content hash in every asset name, so those never change.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/assets/.+-[A-Za-z0-9_-]{8,}\.\w+$"

DJANGO_VITE = {
    "default": {
        "dev_mode": False,
        "manifest_path": BASE_DIR / "frontend" / "dist" / ".vite" / "manifest.json",
        "static_url_prefix": "",
    }
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workflows.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Flowdesk API",
    "DESCRIPTION": "Workflows, versions, runs and their events.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Runs and nodes both have a `status`: one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "workflows.models.runs.RUN_STATUS_CHOICES",
        "NodeStatusEnum": "workflows.models.runs.NODE_STATUS_CHOICES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Logging done inside a running node becomes that node's log events.
        "nodes": {"class": "workflows.engine.node_logging.NodeLogHandler"},
    },
    "root": {"handlers": ["console", "nodes"], "level": "INFO"},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # httpx logs every URL it fetches, query strings and all.
        "httpx": {"level": "WARNING"},
    },
}

# The app's own options; read through workflows.conf, never at import time.
FLOWDESK = {
    # Environment variables that expressions may read as `env.NAME`.
    "EXPRESSION_ENV": env_list("FLOWDESK_EXPRESSION_ENV", []),
    # How many nodes of one run may execute at the same time.
    "MAX_PARALLEL": 8,
    # How many nodes one executor runs at once across all its runs (Airflow's
    # `parallelism`); the others wait, highest run priority first.
    "EXECUTOR_SLOTS": env_int("FLOWDESK_EXECUTOR_SLOTS", 32, minimum=1),
    # The largest node output, as JSON, that a run stores; a bigger one fails
    # the attempt with OutputTooLarge. Above core.http's 5 MB body cap, so a
    # response the node accepts can be stored.
    "MAX_OUTPUT_BYTES": env_int(
        "FLOWDESK_MAX_OUTPUT_BYTES", 8 * 1024 * 1024, minimum=1
    ),
    # Whether this process executes the runs it starts; when off, only
    # `manage.py executor` processes run them.
    "EMBEDDED_EXECUTOR": env_bool("FLOWDESK_EMBEDDED_EXECUTOR", True),
    # Where node attempts run: "local" in the executor's own process, or
    # "celery" as tasks on the Redis broker, run by `celery -A editor worker`.
    "EXECUTOR": env_choice("FLOWDESK_EXECUTOR", ("local", "celery"), "local"),
    # An executor renews the lease on its runs every third of this; a run
    # whose lease has expired is taken over by another executor.
    "LEASE_S": env_int("FLOWDESK_LEASE_S", 15),
    # How often an executor looks for runs to take over or pick up.
    "SCAN_INTERVAL_S": env_int("FLOWDESK_SCAN_INTERVAL_S", 2),
    # Node permissions every user has; the others are granted in the admin.
    "GRANTED_NODE_PERMISSIONS": env_list(
        "FLOWDESK_GRANTED_NODE_PERMISSIONS", ["network"]
    ),
    # Whether core.http may reach loopback, private and other internal addresses.
    "HTTP_ALLOW_PRIVATE": env_bool("FLOWDESK_HTTP_ALLOW_PRIVATE", False),
    # Hosts core.http may reach (exact or *.example.com); empty means any public host.
    "HTTP_ALLOWED_HOSTS": env_list("FLOWDESK_HTTP_ALLOWED_HOSTS", []),
    # How deep core.subworkflow runs may nest (a run started by a run started by ...).
    "MAX_SUBWORKFLOW_DEPTH": env_int("FLOWDESK_MAX_SUBWORKFLOW_DEPTH", 5),
}

# The distributed mode. Workers on other machines share the database, so it
# must be a server, and the broker is the Redis the channel layer uses.
if FLOWDESK["EXECUTOR"] == "celery" and not (
    REDIS_URL and DATABASES["default"]["ENGINE"].endswith("postgresql")
):
    raise ImproperlyConfigured(
        "FLOWDESK_EXECUTOR=celery needs REDIS_URL (the broker) and DATABASE_URL "
        "on PostgreSQL (the database every worker shares)"
    )
CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
# The queue of nodes that name none, and of a worker started without --queues.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("FLOWDESK_DEFAULT_QUEUE", "default")
# Node attempts report back through their executor's reply list, not Celery's
# result backend.
CELERY_TASK_IGNORE_RESULT = True
# A worker process that dies mid-attempt leaves the task to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
