"""`make run`'s bootstrap: idempotent, and a demo class that has lived, seeded through the code
paths students use, the same on every run of the same day, without touching the real banks."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from classes import demo, reports, stats
from classes.models import Assignment, Cohort
from quizzes.models import Answer, Attempt, Question, Quiz, Revision
from review.models import Card, Review, ReviewDay

pytestmark = pytest.mark.django_db


def fingerprint() -> tuple:
    """What the demo did, without database ids: every attempt and review, by whom, when."""
    return (
        sorted(
            Attempt.objects.values_list(
                "student__username", "quiz__slug", "score", "started_at", "finished_at"
            )
        ),
        sorted(Review.objects.values_list("student__username", "question__uid", "rating", "reviewed_at")),
    )


def restart_ids() -> None:
    """Ids from 1 again in every table, as in the fresh database `make run` seeds: review
    intervals draw their fuzz from the card's id (as Anki does), so the same day gives the same
    demo only from the same ids. PostgreSQL's sequences do not roll back with a transaction
    (SQLite's counters do)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)  # raw SQL: Django's own statements to reset the sequences


def test_bootstrap_seeds_a_lived_demo_once_and_the_same_way_each_time():
    restart_ids()
    with transaction.atomic():  # a first bootstrap, undone: the second must do exactly the same
        call_command("bootstrap")
        first = fingerprint()
        transaction.set_rollback(True)
    restart_ids()
    call_command("bootstrap")
    assert fingerprint() == first
    counts = (
        User.objects.count(),
        Question.objects.count(),
        Revision.objects.count(),
        Attempt.objects.count(),
        Review.objects.count(),
        Card.objects.count(),
    )
    call_command("bootstrap")
    assert counts == (
        User.objects.count(),
        Question.objects.count(),
        Revision.objects.count(),
        Attempt.objects.count(),
        Review.objects.count(),
        Card.objects.count(),
    )
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="editeur").groups.filter(name="editors").exists()
    assert User.objects.get(username="formateur").groups.filter(name="trainers").exists()
    assert User.objects.get(username="etudiant").check_password("rappel-etudiant")
    assert not User.objects.get(username="zoe").has_usable_password()  # data, not an account

    cohort = Cohort.objects.get(join_code="KUBEJ234")
    assert cohort.students.count() == len(demo.STUDENTS) + 2  # and zoe, and etudiant
    assert Assignment.objects.filter(cohort=cohort).count() == 4
    now = timezone.now()
    # Two weeks of work, all of it in the past and none of it today (Paris).
    first_day = timezone.localdate(now) - dt.timedelta(days=14)
    assert Attempt.objects.filter(finished_at__date__lt=first_day).count() == 0
    assert Attempt.objects.filter(finished_at__gte=now).count() == 0
    assert Review.objects.filter(reviewed_at__gte=now).count() == 0
    assert Attempt.objects.filter(finished_at__isnull=True).count() == 0
    # Through the real paths: scores are the answers' mean, the missed questions became cards,
    # the daily rollup agrees with the review log.
    some = Attempt.objects.filter(student__username="amelie").first()
    answers = list(Answer.objects.filter(attempt=some).values_list("score", flat=True))
    assert some.score == pytest.approx(sum(answers) / len(answers), abs=1e-4)
    assert Card.objects.filter(student__username="jules", source=Card.Source.MISSED).exists()
    days = {(d.student_id, d.day): d.reviews for d in ReviewDay.objects.all()}
    assert sum(days.values()) == Review.objects.count()

    # The one behind: a single late, poor attempt; every other assignment missing.
    zoe = User.objects.get(username="zoe")
    overview = reports.overview(cohort, now=now)
    cells = overview.row(zoe)
    assert sum(cell.attempts for cell in cells) == 1 and cells[0].late and cells[0].best < 0.5
    assert sum(cell.missing for cell in cells) >= 2
    assert all(sum(cell.attempts for cell in overview.row(s)) >= 2 for s in overview.students if s != zoe)

    # Item analysis catches the demo-only miskeyed question; the real banks keep their one revision.
    test, items = reports.item_analysis(cohort, Quiz.objects.get(slug=demo.DEMO_QUIZ), which="first")
    row = next(item for item in items if item.question.uid == demo.MISKEY_UID)
    assert test.attempts >= 15 and not row.question.active
    assert stats.NEGATIVE_DISCRIMINATION in row.stats.flags and row.reasons
    keyed = next(c for c in row.choices if c["correct"])
    top, _middle, bottom = keyed["by_group"]
    assert top < bottom  # the stronger students avoid the choice the key calls right
    real = Question.objects.exclude(uid=demo.MISKEY_UID)
    assert Revision.objects.filter(question__in=real).count() == real.count()

    # The heatmap's weakest topic is the one the class finds hard.
    students, sections, cells = reports.heatmap(cohort, at=now)
    class_row = [(s, reports.class_cell([cells[(st.pk, s.pk)] for st in students])) for s in sections]
    section, _cell = reports.class_weakest(class_row)
    assert section.slug == "resources"


def test_bootstrap_refuses_a_database_migrated_before_the_apps_were_split():
    from django.core.management.base import CommandError
    from django.db.migrations.recorder import MigrationRecorder

    from classes.management.commands.bootstrap import OLD_LAYOUT

    MigrationRecorder.Migration.objects.create(app="quizzes", name="0009_progress_snapshot")
    with pytest.raises(CommandError) as raised:
        call_command("bootstrap")
    assert str(raised.value) == OLD_LAYOUT
    assert not User.objects.exists()  # stopped before it wrote anything


def test_seed_demo_refreshes_the_planners_statistics_once_its_class_is_loaded(course, monkeypatch):
    """On PostgreSQL a report read at once would otherwise be planned on what the planner last
    knew of the tables, possibly "empty" (course/bulkload.py)."""
    from classes.management.commands import seed_demo

    steps = []
    monkeypatch.setattr(demo, "demo_seed", lambda **kwargs: steps.append("seed"))
    monkeypatch.setattr(seed_demo, "statistics_refresh", lambda: steps.append("analyse"))
    call_command("seed_demo", verbosity=0)
    assert steps == ["seed", "analyse"]
