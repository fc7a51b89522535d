"""Shared fixtures: small building blocks that build on each other."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from course.models import Course, Section
from quizzes.banks import bank_load

TEST_BANKS = Path(__file__).parent / "banks" / "data"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Plain static storage: the manifest storage needs collectstatic and breaks live servers.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture
def english():
    """Messages in English, for tests that check a message's wording in the source language
    (the pages are French; `tests/test_french_pages.py` checks that no English reaches them)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def course(db) -> Course:
    return Course.objects.create(slug="demo", title="Cours de démonstration")


@pytest.fixture
def section_factory(course) -> Callable[..., Section]:
    counter = itertools.count(1)

    def make(*, slug: str | None = None, title: str | None = None, central: bool = False) -> Section:
        n = next(counter)
        return Section.objects.create(
            course=course,
            slug=slug or f"section-{n}",
            position=n,
            title=title or f"Section {n}",
            notes=f"Notes de la section {n}.",
            central=central,
        )

    return make


@pytest.fixture
def sections(section_factory) -> list[Section]:
    """The two sections the small test banks use."""
    return [
        section_factory(slug="alpha", title="Alpha"),
        section_factory(slug="beta", title="Bêta"),
    ]


@pytest.fixture
def loaded_banks(sections):
    """The small test banks (every kind) loaded in the database."""
    return bank_load([TEST_BANKS / "alpha.yaml", TEST_BANKS / "beta.yaml", TEST_BANKS / "quizzes.yaml"])


@pytest.fixture
def user_factory(db) -> Callable[..., User]:
    counter = itertools.count(1)

    def make(*, username: str | None = None, groups: tuple[str, ...] = (), **extra) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(counter)}", password="pass-word-123", **extra
        )
        if groups:
            user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


@pytest.fixture
def student(user_factory) -> User:
    return user_factory(username="student")


@pytest.fixture
def other_student(user_factory) -> User:
    return user_factory(username="other")


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def trainer(user_factory) -> User:
    return user_factory(username="trainer", groups=("trainers",))


@pytest.fixture
def trainer_client(trainer):
    from django.test import Client

    client = Client()  # its own client: tests often use a student's beside it
    client.force_login(trainer)
    return client


@pytest.fixture
def cohort_factory(course):
    import datetime as dt

    from classes.models import Cohort

    def make(*, trainer, name: str = "Promo", students=()) -> Cohort:
        cohort = Cohort.objects.create(
            name=name, course=course, starts_on=dt.date(2026, 11, 23), ends_on=dt.date(2026, 11, 27)
        )
        cohort.trainers.add(trainer)
        for student in students:
            cohort.enrolments.create(student=student)
        return cohort

    return make


@pytest.fixture
def quiz_from_bank(sections, tmp_path, student_client):
    """Load a one-file bank for section alpha and start its quiz as the student: the attempt."""
    from django.urls import reverse

    from quizzes.models import Attempt

    def start(text: str):
        path = tmp_path / "alpha.yaml"
        path.write_text(text, encoding="utf-8")
        bank_load([path])
        student_client.post(reverse("quizzes:quiz-start", args=["alpha"]))
        return Attempt.objects.latest("started_at")

    return start


def pytest_sessionfinish(session, exitstatus):
    """Django deletes a file test database when the run ends, but not SQLite's write-ahead log
    and shared-memory files beside it (config/settings.py puts the test database in a file)."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        for leftover in Path(name).parent.glob(Path(name).name + "*"):
            if leftover.name.endswith(("-wal", "-shm")):
                leftover.unlink(missing_ok=True)
