"""Rappel settings: one module, read from the environment, with safe local defaults.

Locally (no environment at all) the app runs in DEBUG with a SQLite file. In production
(`DJANGO_DEBUG=0`) it refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)


def is_weak_secret_key(key: str) -> bool:
    """A key nobody may run production with: Django's own deploy-check rule (security.W009: under
    50 characters, under 5 distinct ones, or Django's "django-insecure-" prefix) or one that
    still says to change it (deploy/k8s/secret.yaml's placeholder)."""
    return (
        len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure") or "change-me" in key.lower()
    )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"
elif not DEBUG and is_weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is a placeholder or too weak for DJANGO_DEBUG=0: generate one with "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
    # First: its `runserver` serves the ASGI application (WebSockets included) for `make run`.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_htmx",
    # Our apps, bottom to top: each imports only those above it in this list.
    "course",
    "quizzes",
    "review",
    "classes",
    "interop",
    "live",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Control characters and endless numbers get a 400 before anything reads them. Last, so its
    # page knows the signed-in user and gets every header; it still refuses before any view and
    # any process_view (CSRF's reads the form) runs: each middleware's __call__ comes first.
    "config.middleware.InputGuardMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The same pages and, for live class sessions, the WebSockets (Django Channels).
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "course.context_processors.frame",
            ],
        },
    },
]

# Widgets render with the project's template settings, so a widget of ours can keep its markup in
# templates/ like every page (Django's own widget templates come from the django.forms app).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections in production (a connection per request costs more than a query).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one request writes; busy timeout waits instead of failing.
    # synchronous=NORMAL, the setting SQLite advises with WAL, syncs the log to disk at checkpoints
    # rather than at every commit: a commit survives the process crashing but not the machine
    # losing power, and a rating no longer waits 0.5 to 4 ms for the disk.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
    # Tests on a file, not in memory: the live mode's sockets and the browser tests' servers read
    # and write from other threads, and an in-memory database shared between connections fails
    # at once with "database table is locked" where a file waits its turn (busy timeout, WAL).
    # One file per process (pytest-xdist's workers each add their suffix too).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"rappel-test-{os.getpid()}.sqlite3")
    }
elif os.environ.get("PG_PREPARED", "1") == "1":
    # Every page runs the same few statements again and again. Sent with server-side parameters,
    # PostgreSQL prepares each one on a connection after its second run and plans it no more (on
    # the review step, planning took as long as running). Set PG_PREPARED=0 behind a pooler that
    # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # by role: classes.views.landing
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- cache and sessions -------------------------------------------------------------------------
# The database by default (no extra service to run); Redis when REDIS_URL is set, so several web
# pods share the cache (login throttling) and the sessions.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Read from Redis, written through to the database: a Redis restart (it keeps nothing on disk,
    # deploy/k8s/redis-deployment.yaml) logs nobody out, and a live session's players reconnect.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "rappel_cache"}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Live sessions broadcast through the channel layer; their state lives in the database. In
# memory for one process (`make run`); Redis when several processes or pods serve one session.
if REDIS_URL:
    # redis-py 8 gives up reading after 5 s by default, the very time channels-redis's blocking
    # receive waits for a message: a quiet socket then crashed with "Timeout reading" (1011).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # health_check_interval: a pooled connection idle that long is PINGed before use, so
            # after a Redis restart a stale one is replaced instead of failing a socket.
            # max_connections: redis-py 8 refuses a 101st connection at once ("Too many
            # connections") where a room of phones joining needs one each for a moment.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "health_check_interval": 2,
                        "max_connections": 2000,
                    }
                ]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- security --------------------------------------------------------------------------------------
# No inline script or style anywhere: htmx comes from a file, its config from a <meta> tag.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    # Behind a TLS-terminating proxy (an Ingress) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the cluster
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Failed logins (classes/throttle.py): after this many failures in the window, a username waits
# on the address it was tried from (its owner elsewhere does not), and an address that tried many
# usernames waits. Class codes: tries per address in the same window.
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))  # seconds
JOIN_CODE_TRIES_PER_ADDRESS = int(os.environ.get("JOIN_CODE_TRIES_PER_ADDRESS", "10"))
# How many reverse proxies (the Ingress: 1) stand before the app and append to X-Forwarded-For:
# the client's address is the entry the first of them added. 0: the peer's address.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Where `load_course` and `load_banks` read from by default.
FIXTURES_DIR = BASE_DIR / "fixtures"
