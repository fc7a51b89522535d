"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from the system (`apt-get install chromium`, `/usr/bin/chromium`), never from
`playwright install`. Without it these tests skip with the reason, except in CI (`CI=true`),
where a missing browser is a failure: the journeys must really run there.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

from classes import access, cohorts
from course.models import Section
from quizzes.banks import bank_load
from quizzes.models import Question, Quiz
from quizzes.signals import grant_editor_permissions
from review import cards as review
from tests.browser.helpers import School, review_cards, take_quiz, unavailable
from tests.conftest import TEST_BANKS

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# No sandbox: CI runs as root in a container. The rest stops Chromium phoning home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CONTEXT = {"locale": "fr-FR", "timezone_id": "Europe/Paris", "viewport": {"width": 1024, "height": 760}}
BROWSER_DATA = Path(__file__).parent / "data"

NOTES = {
    "alpha": """Chaque type de ressource a un nom long et souvent un **nom court** :

| ressource | nom court |
|---|---|
| `configmaps` | `cm` |
| `services` | `svc` |

```bash
kubectl get cm -n demo
```

Sur chaque nœud tournent le `kubelet` et un runtime compatible CRI.
""",
    "beta": "Un Service donne une adresse stable à un ensemble de pods.\n\n```yaml\nkind: Service\n```\n",
    "gamma": "Les `Secret` et les `ConfigMap` apportent la configuration aux pods.\n",
}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at the system Chromium."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM=/path/to/it")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


# --- pytest-playwright's fixtures, living only as long as the browser tests -----------------------
# Playwright's sync API keeps an event loop running in the main thread for as long as it is
# started, and Django then refuses ORM calls there ("SynchronousOnlyOperation") unless
# DJANGO_ALLOW_ASYNC_UNSAFE is set. The plugin starts Playwright once per session: the loop would
# outlive these tests, and the variable would leak into later tests (`check --deploy` warns about
# it). So Playwright, its browser and the variable last for this package only.


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}):
        started = sync_playwright().start()
        yield started
        started.stop()


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def browser(browser_type, browser_type_launch_args: dict) -> Iterator[Browser]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def browser_context_args(base_url: str) -> dict:
    return {"base_url": base_url}


@pytest.fixture(autouse=True)
def _groups(transactional_db) -> None:
    """The live server needs committed data, so these tests empty every table after them, the
    groups the migrations created included: put them back, with the editors' permissions.
    (pytest-django's serialized rollback does not work here: once Playwright runs its event loop
    in the main thread, Django hands out another connection object, without the saved data.)"""
    for name in (access.TRAINERS, access.EDITORS):
        Group.objects.get_or_create(name=name)
    grant_editor_permissions(sender=None, app_config=apps.get_app_config("quizzes"))


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # Replaces pytest-playwright's fallback fixture, which pytest 9 deprecates (an error here).
    return live_server.url


@pytest.fixture
def new_context(new_context) -> Callable:
    """pytest-playwright's context factory: French, Paris time, a laptop screen unless told
    otherwise, and failing after 10 s instead of 30 s."""

    def make(**kwargs):
        context = new_context(**{**CONTEXT, **kwargs})
        context.set_default_timeout(10_000)
        return context

    return make


@pytest.fixture
def sections(course) -> list[Section]:
    """The sections of the shared test banks, with titles and notes worth a screenshot, and gamma."""
    titles = {
        "alpha": "Ressources et noms courts",
        "beta": "Services et cycle de vie",
        "gamma": "Configuration des pods",
    }
    return [
        Section.objects.create(course=course, slug=slug, position=n, title=title, notes=NOTES[slug])
        for n, (slug, title) in enumerate(titles.items(), start=1)
    ]


@pytest.fixture
def banks(sections):
    """The shared test banks (every graded kind) plus gamma's flashcards, in one load."""
    shared = [TEST_BANKS / name for name in ("alpha.yaml", "beta.yaml", "quizzes.yaml")]
    return bank_load([*shared, BROWSER_DATA / "gamma.yaml"])


@pytest.fixture
def url(live_server) -> Callable[..., str]:
    """The live server's absolute URL of a named route: url("home")."""

    def make(name: str, *args, query: str = "") -> str:
        return f"{live_server.url}{reverse(name, args=args)}{'?' + query if query else ''}"

    return make


@pytest.fixture
def log_in(live_server) -> Callable:
    """Give a browser context the session of a user, without going through the login form."""

    def log_in(context, user) -> None:
        client = Client()
        client.force_login(user)  # also runs the user_logged_in receivers (trainer flag)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return log_in


@pytest.fixture
def axe_source() -> str:
    path = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        unavailable(f"no axe-core at {path}: run `npm ci --prefix tests/browser` (make test does)")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def school(banks, student, trainer, user_factory, cohort_factory) -> School:
    classmates = [user_factory(username=name) for name in ("ana", "bruno")]
    cohort = cohort_factory(trainer=trainer, name="Promo novembre", students=[student, *classmates])
    now = timezone.now()
    cohorts.assignment_set(
        cohort=cohort,
        quiz=Quiz.objects.get(slug="alpha"),
        opens_at=now - dt.timedelta(days=1),
        due_at=now + dt.timedelta(days=6),
    )
    for classmate, right in zip(classmates, ([True, True, True], [False, True, False]), strict=True):
        take_quiz(classmate, "alpha", right=right)
        review_cards(classmate, ago=dt.timedelta(days=2))
    finished = take_quiz(student, "alpha", right=[False, True, True])
    flashcards = review.reviewable(Question.objects.filter(section__slug="gamma"))
    review.cards_add(student=student, questions=flashcards)
    return School(
        student=student,
        trainer=trainer,
        cohort=cohort,
        finished=finished,
        open=take_quiz(student, "beta", right=[False]),
        open_assessment=take_quiz(student, "assessment", right=[True, False]),
    )
