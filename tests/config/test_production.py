"""Production readiness: probes, deploy checks, CSP without inline code, login throttling."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.checks import run_checks
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "-a-long-random-production-key-for-the-test",
    "ALLOWED_HOSTS": "rappel.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_without_any_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0 and f"{missing} must be set" in result.stderr


def example_secret_key() -> str:
    secret = yaml.safe_load((ROOT / "deploy" / "k8s" / "secret.yaml").read_text())
    return secret["stringData"]["SECRET_KEY"]


def test_the_example_secret_key_cannot_pass_the_deploy_check(settings):
    """The placeholder of deploy/k8s/secret.yaml fails Django's own rule, and production
    refuses to start with it (the old one, 68 characters of "change-me...", passed both)."""
    placeholder = example_secret_key()
    settings.SECRET_KEY = placeholder
    assert "security.W009" in {
        message.id for message in run_checks(tags=["security"], include_deployment_checks=True)
    }
    result = manage("check", "--deploy", env={**PROD_ENV, "SECRET_KEY": placeholder})
    assert result.returncode != 0 and "SECRET_KEY is a placeholder or too weak" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        "change-me-example-only-generate-with-python-secrets-token-urlsafe-50",  # the old example
        "short-key",
        "ab" * 40,
        "django-insecure-" + "k" * 40 + "abcdefgh",
    ],
)
def test_production_refuses_a_weak_secret_key(weak):
    result = manage("check", env={**PROD_ENV, "SECRET_KEY": weak})
    assert result.returncode != 0 and "SECRET_KEY is a placeholder or too weak" in result.stderr


def test_redis_url_switches_cache_and_sessions():
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    result = manage("shell", "--no-imports", "-c", code, env={"REDIS_URL": "redis://127.0.0.1:6399/0"})
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",  # written through: survives a Redis restart
    ]
    result = manage("shell", "--no-imports", "-c", code, env={})
    assert result.stdout.split() == [
        "django.core.cache.backends.db.DatabaseCache",
        "django.contrib.sessions.backends.db",
    ]


def test_database_settings_for_many_small_writes():
    code = "from django.conf import settings as s; print(s.DATABASES['default'].get('OPTIONS'))"
    # PostgreSQL: server-side parameters and prepared statements, unless PG_PREPARED=0
    pg = {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/rappel"}
    result = manage("shell", "--no-imports", "-c", code, env=pg)
    assert "'server_side_binding': True" in result.stdout and "'prepare_threshold': 2" in result.stdout
    result = manage("shell", "--no-imports", "-c", code, env={**pg, "PG_PREPARED": "0"})
    assert "server_side_binding" not in result.stdout and "prepare_threshold" not in result.stdout


@pytest.mark.django_db
def test_sqlite_connections_sync_the_log_at_checkpoints_only():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's pragmas")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL


@pytest.mark.django_db
def test_probes(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_reports_a_database_it_cannot_reach(client, monkeypatch):
    from django.db import connections

    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(connections["default"], "ensure_connection", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_every_page_carries_a_strict_csp(student_client, loaded_banks):
    response = student_client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )


def test_no_template_needs_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert not inline_script.search(text), f"{path}: inline <script>"
        assert " style=" not in text and "<style" not in text, f"{path}: inline style"
        assert not re.search(r"\son[a-z]+=", text), f"{path}: inline event handler"


def _window_passes() -> None:
    from django.utils import timezone

    from classes.models import Throttle

    Throttle.objects.update(window_ends=timezone.now())


@pytest.mark.django_db
def test_failed_logins_are_throttled_per_account(client, student, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert client.post(reverse("login"), {"username": "student", "password": "wrong"}).status_code == 200
    blocked = client.post(reverse("login"), {"username": "student", "password": "pass-word-123"})
    assert blocked.status_code == 200 and "Trop de connexions échouées" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    _window_passes()
    assert (
        client.post(reverse("login"), {"username": "student", "password": "pass-word-123"}).status_code == 302
    )


@pytest.mark.django_db
def test_failed_logins_are_throttled_per_address(client, user_factory, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        client.post(reverse("login"), {"username": f"someone{n}", "password": "wrong"})
    user_factory(username="fresh")
    blocked = client.post(reverse("login"), {"username": "fresh", "password": "pass-word-123"})
    assert "_auth_user_id" not in client.session and blocked.status_code == 200
    other = client.post(
        reverse("login"), {"username": "fresh", "password": "pass-word-123"}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302
