"""A backup restored gives back the same data and the same reports, and a bad file changes nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from classes import reports
from classes.models import Assignment, Cohort
from course.markdown import render, render_inline, sanitise
from course.models import Section
from interop import backups
from quizzes.models import Answer, Attempt, Question, Quiz, Revision
from review import cards as review
from review import optimizer
from review.models import Card, ParameterChoice, ParameterSet, Review, ReviewDay
from tests.classes.test_trainer_reports import finished_attempt
from tests.interop.backup_helpers import rewrite

pytestmark = pytest.mark.django_db


def report_snapshot(cohort, quiz, now):
    overview = reports.overview(cohort, now=now)
    _students, _sections, heat = reports.heatmap(cohort, at=now)
    test, items = reports.item_analysis(cohort, quiz, which="all")
    return (
        sorted((k, vars(v)) for k, v in overview.cells.items()),
        sorted((k, vars(v)) for k, v in heat.items()),
        test,
        [(i.question.uid, i.stats, i.choices) for i in items],
    )


def test_backup_then_restore_gives_identical_reports(
    loaded_banks, trainer, user_factory, cohort_factory, tmp_path
):
    now = timezone.now()
    ann, bob = user_factory(username="ann"), user_factory(username="bob")
    cohort = cohort_factory(trainer=trainer, students=[ann, bob])
    alpha = Quiz.objects.get(slug="alpha")
    Assignment.objects.create(cohort=cohort, quiz=alpha, opens_at=now - dt.timedelta(days=2), due_at=now)
    finished_attempt(ann, alpha, scores=[1, 0, 1], finished=now - dt.timedelta(hours=3))
    finished_attempt(bob, alpha, scores=[0, 0, 1], finished=now - dt.timedelta(hours=2))
    review.cards_add(student=ann, questions=Question.objects.all())
    card = Card.objects.filter(student=ann).first()
    review.review_record(
        student=ann, card_id=card.pk, rating=4, token=review.card_token(card, shown_at=now), now=now
    )
    before = report_snapshot(cohort, alpha, now + dt.timedelta(days=1))
    counts = [m.objects.count() for m in (Attempt, Answer, Card, Review, Question, Cohort)]
    days = list(ReviewDay.objects.values_list("student__username", "day", "reviews", "new_cards"))
    assert days  # ann's rating

    path = tmp_path / "rappel.json.gz"
    call_command("backup", str(path))
    Attempt.objects.all().delete()
    Card.objects.all().delete()
    cohort.enrolments.all().delete()
    ReviewDay.objects.update(reviews=99)  # a rollup out of step with the log: restore sums it again
    call_command("restore", str(path), "--yes")

    cohort = Cohort.objects.get(pk=cohort.pk)
    assert [m.objects.count() for m in (Attempt, Answer, Card, Review, Question, Cohort)] == counts
    assert list(ReviewDay.objects.values_list("student__username", "day", "reviews", "new_cards")) == days
    after = report_snapshot(cohort, Quiz.objects.get(slug="alpha"), now + dt.timedelta(days=1))
    for part_before, part_after in zip(before, after, strict=True):
        assert part_after == part_before
    # New rows still get fresh ids after a restore (sequences were reset).
    assert user_factory(username="carol").pk > bob.pk


def test_a_broken_backup_changes_nothing(loaded_banks, tmp_path):
    path = tmp_path / "broken.json.gz"
    with gzip.open(path, "wt") as stream:
        stream.write('[{"model": "quizzes.question", "pk": 1, "fields": {"uid": ')
    before = Question.objects.count()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(path), "--yes")
    assert Question.objects.count() == before


# --- the drill: nothing lost, whatever fails ----------------------------------------------------


def rate(student, card, rating, now):
    token = review.card_token(card, shown_at=now)
    review.review_record(student=student, card_id=card.pk, rating=rating, token=token, now=now)


def class_with_history(*, trainer, user_factory, cohort_factory, now):
    """A class with what a restore must give back: attempts, answers, cards, reviews (so a
    daily rollup), settings, co-trainers, groups, an assignment, FSRS parameter sets (ann's
    own, her choice, and the course's, which schedules bob) that the reviews refer to."""
    ann, bob = user_factory(username="ann"), user_factory(username="bob")
    for scope, student in ((ParameterSet.Scope.COURSE, None), (ParameterSet.Scope.STUDENT, ann)):
        weights = [round(w * 1.1, 4) for w in optimizer.DEFAULT_WEIGHTS]
        chosen = ParameterSet.objects.create(
            scope=scope,
            student=student,
            weights=weights,
            students=1,
            reviews=500,
            log_loss_before=0.4,
            log_loss_after=0.3,
            held_out=100,
            engine=optimizer.ENGINE,
        )
    ParameterChoice.objects.create(student=ann, parameter_set=chosen)
    colleague = user_factory(username="colleague", groups=("trainers",))
    cohort = cohort_factory(trainer=trainer, students=[ann, bob])
    cohort.trainers.add(colleague)
    alpha = Quiz.objects.get(slug="alpha")
    Assignment.objects.create(cohort=cohort, quiz=alpha, opens_at=now - dt.timedelta(days=2), due_at=now)
    finished_attempt(ann, alpha, scores=[1, 0, 1], finished=now - dt.timedelta(hours=3))
    for student in (ann, bob):
        review.cards_add(student=student, questions=Question.objects.all())
        for card in Card.objects.filter(student=student)[:3]:
            rate(student, card, 3, now)
    assert ReviewDay.objects.count() == 2
    assert Review.objects.filter(student=ann, parameter_set=chosen).count() == 3
    assert Review.objects.filter(student=bob, parameter_set__scope=ParameterSet.Scope.COURSE).count() == 3
    return cohort


def rows_per_model() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in backups.all_tables()}


def test_backup_damage_restore_drill_loses_nothing(
    loaded_banks, trainer, user_factory, cohort_factory, tmp_path
):
    now = timezone.now()
    cohort = class_with_history(
        trainer=trainer, user_factory=user_factory, cohort_factory=cohort_factory, now=now
    )
    counts, digest = rows_per_model(), backups.content_digest()
    path = tmp_path / "drill.jsonl.gz"
    call_command("backup", str(path))

    # Damage of every kind: rows gone, a rollup out of step, a co-trainer and a group lost,
    # HTML changed in place, the students' FSRS parameters dropped.
    Attempt.objects.all().delete()
    ParameterChoice.objects.all().delete()
    ParameterSet.objects.update(weights=list(optimizer.DEFAULT_WEIGHTS))
    Card.objects.filter(student__username="bob").delete()
    ReviewDay.objects.update(reviews=99)
    cohort.trainers.clear()
    User.objects.get(username="colleague").groups.clear()
    Revision.objects.update(prompt_html="<p>changed</p>")
    assert backups.content_digest() != digest

    call_command("restore", str(path), "--yes")
    assert rows_per_model() == counts
    assert backups.content_digest() == digest

    # Every table, many-to-many ones included, hands out fresh ids after the restore (the
    # sequences were moved past the restored ids on PostgreSQL).
    newcomer = user_factory(username="newcomer", groups=("trainers",))
    Cohort.objects.get(pk=cohort.pk).trainers.add(newcomer)
    review.cards_add(student=newcomer, questions=Question.objects.all()[:1])
    assert newcomer.pk > User.objects.get(username="colleague").pk


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_fresh_database_gives_everything_back(
    loaded_banks, trainer, user_factory, cohort_factory, tmp_path
):
    """Streaks and daily limits included: the rollup is summed again from the review log."""
    now = timezone.now()
    class_with_history(trainer=trainer, user_factory=user_factory, cohort_factory=cohort_factory, now=now)
    counts, digest = rows_per_model(), backups.content_digest()
    path = tmp_path / "fresh.jsonl.gz"
    call_command("backup", str(path))
    call_command("flush", "--no-input")
    assert not ReviewDay.objects.exists()
    call_command("restore", str(path), "--yes")
    assert rows_per_model() == counts
    assert backups.content_digest() == digest


def test_an_older_backup_restores_after_a_newer_student_reviewed(
    loaded_banks, trainer, user_factory, cohort_factory, tmp_path
):
    now = timezone.now()
    class_with_history(trainer=trainer, user_factory=user_factory, cohort_factory=cohort_factory, now=now)
    digest = backups.content_digest()
    path = tmp_path / "older.jsonl.gz"
    call_command("backup", str(path))
    newer = user_factory(username="newer")
    review.cards_add(student=newer, questions=Question.objects.all())
    card = Card.objects.filter(student=newer).first()
    rate(newer, card, 1, now)
    call_command("restore", str(path), "--yes")
    assert backups.content_digest() == digest
    assert not User.objects.filter(username="newer").exists()


def test_a_failed_backup_leaves_no_file_and_keeps_the_previous_one(loaded_banks, tmp_path, monkeypatch):
    path = tmp_path / "rappel.jsonl.gz"
    call_command("backup", str(path))
    previous = path.read_bytes()
    written = []

    def line_then_fail(record):
        if len(written) == 10:
            raise OSError("disk full")
        written.append(record)
        return original(record)

    original = backups._line
    monkeypatch.setattr(backups, "_line", line_then_fail)
    with pytest.raises(OSError, match="disk full"):
        call_command("backup", str(path))
    with pytest.raises(OSError, match="disk full"):
        call_command("backup", str(tmp_path / "new.jsonl.gz"))
    assert path.read_bytes() == previous  # the last good backup is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rappel.jsonl.gz"]  # no partial file


def test_a_truncated_backup_is_refused_before_anything_is_deleted(loaded_banks, tmp_path):
    """A backup cut short is still valid gzip and JSON: only the trailer tells."""
    path = tmp_path / "cut.jsonl.gz"
    call_command("backup", str(path))
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        lines = stream.readlines()
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(lines[: len(lines) // 2])
    digest = backups.content_digest()
    with pytest.raises(CommandError, match="no trailer.*nothing was changed"):
        call_command("restore", str(path), "--yes")
    assert backups.content_digest() == digest


def test_a_backup_changed_after_it_was_written_is_refused(loaded_banks, tmp_path):
    path = tmp_path / "changed.jsonl.gz"
    call_command("backup", str(path))
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        lines = stream.readlines()
    index = next(i for i, line in enumerate(lines) if '"alpha-single-1"' in line)
    lines[index] = lines[index].replace('"alpha-single-1"', '"alpha-single-9"')
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(lines)
    with pytest.raises(CommandError, match="checksum does not match"):
        call_command("restore", str(path), "--yes")


def test_html_in_a_backup_is_never_trusted_but_rendered_again(loaded_banks, tmp_path):
    path = tmp_path / "tampered.jsonl.gz"
    call_command("backup", str(path))
    script = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'

    def tamper(records):
        for record in records:
            fields = record["fields"]
            if record["model"] == "quizzes.revision":
                fields["prompt_html"] = fields["explanation_html"] = script
                for choice in fields["spec"].get("choices", []):
                    choice["feedback_html"] = script
                fields["spec"]["injected_html"] = script  # HTML with no Markdown beside it
            if record["model"] == "course.section":
                fields["notes_html"] = script
        return records

    rewrite(path, tamper)
    call_command("restore", str(path), "--yes")
    for revision in Revision.objects.all():
        assert revision.prompt_html == render(revision.prompt)
        assert revision.explanation_html == render(revision.explanation)
        dumped = json.dumps(revision.spec)
        assert "<script" not in dumped and "onerror" not in dumped
        assert revision.spec["injected_html"] == sanitise(script)
    single = Revision.objects.get(question__uid="alpha-single-1")
    for choice in single.spec["choices"]:
        expected = render_inline(choice["feedback"]) if choice.get("feedback") else ""
        assert choice["feedback_html"] == expected
    assert all("<script" not in html for html in Section.objects.values_list("notes_html", flat=True))


def test_restore_without_a_terminal_asks_for_yes_and_changes_nothing(loaded_banks, tmp_path):
    path = tmp_path / "b.jsonl.gz"
    call_command("backup", str(path))
    Question.objects.filter(uid="alpha-single-1").update(active=False)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    assert not Question.objects.get(uid="alpha-single-1").active
    call_command("restore", str(path), "--no-input")
    assert Question.objects.get(uid="alpha-single-1").active


def test_make_restore_passes_yes_when_asked(tmp_path):
    backup = tmp_path / "b.jsonl.gz"
    backup.write_bytes(b"")
    root = Path(__file__).resolve().parents[2]

    def restore_line(*extra):
        out = subprocess.run(
            ["make", "-n", "-s", "-o", ".venv/.installed", "restore", f"BACKUP={backup}", *extra],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return next(line for line in out.splitlines() if "manage.py restore" in line)

    assert "--yes" in restore_line("YES=1")
    assert "--yes" not in restore_line()


def test_restore_check_only_verifies_and_changes_nothing(loaded_banks, tmp_path, capsys):
    path = tmp_path / "b.jsonl.gz"
    call_command("backup", str(path))
    Question.objects.filter(uid="alpha-single-1").update(active=False)
    call_command("restore", str(path), "--check")
    out = capsys.readouterr().out
    assert "complete and unchanged" in out and f"quizzes.question {Question.objects.count()}" in out
    assert not Question.objects.get(uid="alpha-single-1").active
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        lines = stream.readlines()
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(lines[:-1])  # the trailer lost
    with pytest.raises(CommandError, match="no trailer"):
        call_command("restore", str(path), "--check")


def test_a_backup_and_the_digest_take_no_query_per_permission_group_or_log_entry(user_factory, tmp_path):
    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as written:
            backups.write(tmp_path / "rappel.json.gz")
        with CaptureQueriesContext(connection) as digested:
            backups.content_digest()
        return len(written), len(digested)

    permissions = list(Permission.objects.all()[:12])
    group = Group.objects.create(name="probe")
    type_of_user = ContentType.objects.get_for_model(User)

    def add(n: int) -> None:
        """n more users, each in the group with a permission of their own and a log entry, and n
        more permissions."""
        for _ in range(n):
            user = user_factory(groups=("probe",))
            Permission.objects.create(codename=f"probe_{user.pk}", name="probe", content_type=type_of_user)
            user.user_permissions.add(permissions[user.pk % len(permissions)])
            group.permissions.add(permissions[user.pk % len(permissions)])
            LogEntry.objects.create(
                user=user, content_type=type_of_user, object_id=str(user.pk), object_repr="u", action_flag=1
            )

    add(1)
    few = queries()
    add(5)
    assert queries() == few


def test_restore_checks_the_file_once_and_again_after_a_person_answered(loaded_banks, tmp_path, monkeypatch):
    path = tmp_path / "b.jsonl.gz"
    call_command("backup", str(path))
    checks = []
    verify = backups.verify
    monkeypatch.setattr(backups, "verify", lambda path: checks.append(path) or verify(path))
    call_command("restore", str(path), "--yes")
    assert len(checks) == 1
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    call_command("restore", str(path))
    assert len(checks) == 3  # the file may have changed while the question waited
