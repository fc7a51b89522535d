"""Every URL of the URL conf, as every role, with real and hostile path values, hostile form
fields, wrong methods, no CSRF token and junk htmx headers: never a 5xx, never a traceback in the
log, and a refused request (4xx) changes no row.

The URLs come from the URL conf (tests/hostile.py walks it), so a new page is covered the day it
is added; a placeholder that no rule knows how to fill fails the test until it gets one.

Set HOSTILE_REPORT=path to append one JSON line per URL (tries, 5xx, partial writes, slow
requests) for the figures in the report.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client

from classes.models import Throttle
from tests import hostile

ROUTES = hostile.routes()
SLOW = 1.0  # seconds: reported, not asserted (timings belong to bench/)


@pytest.fixture
def world(sections) -> hostile.World:
    return hostile.world_build(sections=sections)


# Tables a refused request is meant to write: its session, and the throttle's counters, which
# count refused tries (a wrong class code is one).
COUNTS_REFUSALS = {Session, Throttle}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model not in COUNTS_REFUSALS and model._meta.managed
    }


class Probe:
    """Sends requests and keeps what went wrong, so one run lists every failure of a URL."""

    def __init__(self, world: hostile.World, route: hostile.Route, caplog) -> None:
        self.world, self.route, self.caplog = world, route, caplog
        self.tries = 0
        self.errors: list[str] = []
        self.partial: list[str] = []
        self.slow: list[str] = []
        self.clients: dict[str, Client] = {}

    @staticmethod
    def _key(role: str, csrf: bool) -> str:
        """A role's client, and its other client that enforces CSRF checks, are kept apart."""
        return f"{role}-csrf" if csrf else role

    def client(self, role: str, *, csrf: bool = False) -> Client:
        key = self._key(role, csrf)
        if key not in self.clients:
            client = Client(enforce_csrf_checks=csrf)
            user = self.world.users[role]
            if user is not None:
                client.force_login(user)
            self.clients[key] = client
        return self.clients[key]

    def send(self, role: str, method: str, path: str, *, data=None, csrf: bool = False, headers=None):
        client = self.client(role, csrf=csrf)
        write = method != "get"
        before = row_counts() if write else None
        self.caplog.clear()
        started = time.perf_counter()
        try:
            response = getattr(client, method)(path, data=data or {}, headers=headers or {})
        except Exception as error:  # the test client re-raises what the view raised
            self.tries += 1
            self.clients.pop(self._key(role, csrf), None)
            frames = [f for f in traceback.extract_tb(error.__traceback__) if "/.venv/" not in f.filename]
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            self.errors.append(f"{role} {method.upper()} {path[:120]} raised {error!r:.200}{where}")
            return None
        elapsed = time.perf_counter() - started
        self.tries += 1
        if "sessionid" in response.cookies:  # logged in, out, or a new password: start afresh
            self.clients.pop(self._key(role, csrf), None)
        what = f"{role} {method.upper()} {path[:120]} {_short(data)}"
        if elapsed > SLOW:
            self.slow.append(f"{what} took {elapsed:.1f} s")
        if response.status_code >= 500:
            self.errors.append(f"{what} -> {response.status_code}")
        logged = [
            r
            for r in self.caplog.records
            if r.levelno >= logging.ERROR
            and not r.name.startswith("django.security")
            and (r.name == "django.request" or r.exc_info)
        ]
        if logged:
            self.errors.append(f"{what} logged {logged[0].getMessage()[:200]}")
        if write and 400 <= response.status_code < 500:
            after = row_counts()
            changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
            if changed:
                self.partial.append(f"{what} -> {response.status_code} changed {changed}")
        return response

    def report(self) -> None:
        target = os.environ.get("HOSTILE_REPORT")
        if target:
            with open(target, "a", encoding="utf-8") as out:
                line = {
                    "route": self.route.route,
                    "tries": self.tries,
                    "errors": len(self.errors),
                    "partial": len(self.partial),
                    "slow": len(self.slow),
                    "details": (self.errors + self.partial + self.slow)[:20],
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        assert not self.errors, "\n".join(self.errors[:40])
        assert not self.partial, "\n".join(self.partial[:40])


def _short(data) -> str:
    if not data:
        return ""
    return "{" + ", ".join(f"{k}={str(v)[:20]!r}" for k, v in list(data.items())[:6]) + "}"


@contextmanager
def _errors_captured(caplog) -> Iterator[None]:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        yield


JUNK_HTMX = {
    "HX-Request": "true",
    "HX-Target": "\x7f" + "#" * 3000,
    "HX-Current-URL": "javascript:alert(1)//" + "é" * 500,
    "HX-Trigger": "../../etc/passwd",
    "HX-Boosted": "maybe",
}


def _forms_to(route_path: str, response) -> list[hostile.Form]:
    """The POST forms of a page that post to this URL (no action, or this path)."""
    if response is None or response.status_code != 200:
        return []
    if "html" not in response.get("Content-Type", ""):
        return []
    return [
        form
        for form in hostile.forms_of(response.content.decode("utf-8", "replace"))
        if form.action in {"", route_path, route_path.split("?")[0]}
    ]


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_hostile_input_never_breaks_a_page(route: hostile.Route, world, caplog):
    probe = Probe(world, route, caplog)
    real = route.build(hostile.real_values(route, world))
    values = hostile.hostile_values(world)
    admin = route.route.startswith("admin/")
    # The admin's pages are Django's: its forms get the hostile values from the admin only.
    probing = ("anonymous", "student", "admin") if admin else hostile.ROLES
    with _errors_captured(caplog):
        seen_forms = False
        reached = []  # the roles the real URL answers (not a 4xx)
        for role in hostile.ROLES:
            page = probe.send(role, "get", real)
            if page is not None and page.status_code < 400 and role != "anonymous":
                reached.append(role)
            forms = _forms_to(real, page) if role in probing else []
            for form in forms:
                baseline = dict(form.fields)
                probe.send(role, "post", real, data=baseline)
                if seen_forms:
                    continue  # the hostile values go to one role's forms: the first to see any
                for value in values:  # every field at once
                    probe.send(role, "post", real, data=dict.fromkeys(baseline, value))
                if not admin:
                    for index, name in enumerate(baseline):  # one field at a time, the rest as given
                        for value in (values[index % len(values)], "a\x00b", "²", "9" * 5000):
                            probe.send(role, "post", real, data={**baseline, name: value})
            seen_forms = seen_forms or bool(forms)
            if not forms and role in probing:  # a POST-only URL, or none of its forms shown
                value = values[role_index(role, len(values))]
                probe.send(role, "post", real, data=dict.fromkeys(GENERIC_FIELDS, value))
        # Hostile paths, headers and methods as one role the page is for (or a student).
        role = "admin" if admin else (reached[0] if reached else "student")
        probe.send(role, "get", real, headers=JUNK_HTMX)
        probe.send(role, "get", real + "?quiz=²&sort=best&p=" + "9" * 5000 + "&q=%00&o=-9" + "9" * 30)
        probe.send(role, "post", real, data={"x": "1"}, csrf=True)
        probe.send(role, "put", real)
        for path in hostile.hostile_paths(route, world):
            probe.send(role, "get", path)
            probe.send(role, "post", path, data={"revision": "1", "token": "x", "post": "yes"})
    probe.report()


GENERIC_FIELDS = ("revision", "token", "rating", "text", "choice", "answer", "code", "scope", "slug", "next")


def role_index(role: str, count: int) -> int:
    """Which of `count` hostile values a role's generic post gets: each role its own."""
    return hostile.ROLES.index(role) * 2 % count


# --- who sees what -------------------------------------------------------------------------------

OK = "ok"  # the page works for them: 2xx, a redirect that is not to a login page, 405, or 4xx on a form
LOGIN = "login"  # sent to the login page
ADMIN_LOGIN = "admin-login"  # sent to the admin's login page
DENIED = "denied"  # 403 or 404: not theirs (404 hides that it exists)


def _rule(default: set[str], **roles: set[str]) -> dict[str, set[str]]:
    return {role: roles.get(role, default) for role in hostile.ROLES}


PUBLIC = _rule({OK})
SIGNED_IN = _rule({OK}, anonymous={LOGIN})
LOGOUT = _rule({OK, LOGIN})
# A student's own object (attempt, card): theirs only; not even the admin opens it as a student.
OWN = _rule({DENIED}, anonymous={LOGIN}, student={OK})
TRAINERS = _rule({DENIED}, anonymous={LOGIN}, trainer={OK}, other_trainer={OK}, admin={OK})
# Something of one class (its id in the URL): its trainer and the admin.
CLASS = _rule({DENIED}, anonymous={LOGIN}, trainer={OK}, admin={OK})
# A live session (its id in the URL): the trainer who runs it, and the admin; the same rule as a
# class's pages (the test world's session is run by the class's trainer).
LIVE_SESSION = CLASS
# The admin site: staff only; an editor's rights (and even a superuser's: revisions are
# immutable) depend on the model.
STAFF = _rule({ADMIN_LOGIN}, editor={OK, DENIED}, admin={OK, DENIED})

# The rule for each URL, by its route; the first that matches. A URL without a rule fails
# test_every_role_sees_only_what_is_theirs. Another app's pages: one line here.
RULES: list[tuple[str, dict[str, set[str]]]] = [
    (r"^(healthz|readyz|favicon\.ico|)$", PUBLIC),
    (r"^start/$", SIGNED_IN),  # where a login lands: each role's own first page
    (r"^accounts/(login|signup)/$", PUBLIC),
    (r"^(accounts|admin)/logout/$", LOGOUT),
    (r"^accounts/password/", SIGNED_IN),
    (r"^i18n/", PUBLIC),
    (r"^join/$", SIGNED_IN),
    (r"^join/", PUBLIC),  # a shared link: anonymous people go to the signup page with the code
    (r"^quizzes/attempts/", OWN),
    (r"^review/cards/", OWN),
    (r"^(course|quizzes|review)/", SIGNED_IN),
    (r"^trainer/cohorts/<id:pk>/", CLASS),
    (r"^live/trainer/<id:pk>/", LIVE_SESSION),
    (r"^live/trainer/", TRAINERS),
    (r"^live/", PUBLIC),  # joining a live session: signed-in students, and guests with a nickname
    (r"^trainer/", TRAINERS),
    (r"^admin/login/$", PUBLIC),
    (r"^admin/", STAFF),
]


def rule_for(route: hostile.Route) -> dict[str, set[str]]:
    for pattern, rule in RULES:
        if re.search(pattern, route.route):
            return rule
    raise LookupError(f"{route.route} ({route.name}) has no access rule: add one to RULES")


def outcome(response, *, posted: bool) -> str:
    status, where = response.status_code, response.get("Location", "")
    if status == 302 and where.startswith("/admin/login/"):
        return ADMIN_LOGIN
    if status == 302 and where.startswith("/accounts/login/"):
        return LOGIN
    if status in {403, 404} or (posted and status == 400):
        # An empty post to a POST-only URL refused for its form before anything is read (400)
        # tells nothing about the object either.
        return DENIED
    return OK


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_every_role_sees_only_what_is_theirs(route: hostile.Route, world):
    rule = rule_for(route)
    path = route.build(hostile.real_values(route, world))
    wrong = []
    for role in hostile.ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        with transaction.atomic():  # what one role does (a removal) is not what the next one finds
            response = client.get(path)
            posted = response.status_code == 405
            if posted:  # a POST-only URL: what a post without its form gets
                response = client.post(path, {})
            transaction.set_rollback(True)
        got = outcome(response, posted=posted)
        if got not in rule[role] and not (posted and got == DENIED and OK in rule[role]):
            wrong.append(
                f"{role}: {response.status_code} {response.get('Location', '')} expected {sorted(rule[role])}"
            )
        body = response.content.decode("utf-8", "replace") if response.status_code == 200 else ""
        in_admin = role == "editor" and route.route.startswith("admin/")
        if not (role in {"student", "trainer", "admin"} or in_admin) and hostile.OWNER_NAME in body:
            wrong.append(f"{role}: the page shows {hostile.OWNER_NAME}, a student not theirs")
        if (
            not (role in {"other_student", "other_trainer", "admin"} or in_admin)
            and hostile.OTHER_NAME in body
        ):
            wrong.append(f"{role}: the page shows {hostile.OTHER_NAME}, a student not theirs")
    assert not wrong, f"{path}\n" + "\n".join(wrong)
