"""Settings for the benchmark: the app's own settings, run as in production (DEBUG off,
persistent database connections as in deploy/k8s/configmap.yaml), with the bench's URLs.

HTTPS-only behaviour is off: the benchmark talks plain HTTP to 127.0.0.1 and the test client.
"""

from __future__ import annotations

import os
import warnings

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS, STORAGES

DEBUG = False
# No collectstatic for the bench: WhiteNoise would only warn that STATIC_ROOT is absent.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
ROOT_URLCONF = "bench.urls"
# The bench's own commands (`seed_school`): they exist for measuring, and ship in no app.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Plain static storage: pages are timed, not static files (the manifest needs collectstatic).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
