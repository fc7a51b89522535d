"""Regrading a question's past answers against its corrected key: pure grading of stored
responses, the dry run's figures, the write (history, attempt scores, one transaction) and
idempotence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from quizzes import kinds, regrade
from quizzes.attempts import attempt_finish
from quizzes.kinds import Verdict, cloze, flashcard, matching, multiple, ordering, single, truefalse
from quizzes.models import Answer, AnswerRegrade, Attempt, Question
from quizzes.revisions import revision_apply
from tests.quizzes.helpers import choice_key, set_key, take_quiz

UID = "regrade-q-1"
SINGLE = single.build_spec({"choices": [{"text": "ConfigMap", "correct": True}, "CRD", "Role"]}, uid=UID)
MULTIPLE = multiple.build_spec(
    {"choices": [{"text": "kubelet", "correct": True}, {"text": "runtime", "correct": True}, "etcd"]}, uid=UID
)
MATCHING = matching.build_spec(
    {"pairs": [{"left": "cm", "right": "ConfigMap"}, {"left": "sa", "right": "ServiceAccount"}]}, uid=UID
)
ORDERING = ordering.build_spec({"items": ["created", "running", "exited"]}, uid=UID)
TRUEFALSE = truefalse.build_spec({"answer": False}, uid=UID)
CLOZE = cloze.build_spec({"language": "bash", "text": "kubectl [[get]] pods"}, uid=UID)


# --- grading a stored response (pure) --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "spec", "response"),
    [
        ("single", SINGLE, {"choice": "a-choice-since-removed"}),
        ("single", SINGLE, {"choice": ["a", "list"]}),
        ("single", SINGLE, {}),
        ("single", SINGLE, []),
        ("single", SINGLE, None),
        ("single", SINGLE, "ConfigMap"),
        ("multiple", MULTIPLE, {"choices": 3}),
        ("multiple", MULTIPLE, {"choices": [{"unhashable": True}]}),
        ("multiple", MULTIPLE, {"choices": ["gone-1", "gone-2"]}),
        ("matching", MATCHING, {"pairs": ["not", "a", "mapping"]}),
        ("ordering", ORDERING, {"order": 5}),
        ("truefalse", TRUEFALSE, {"answer": "false"}),
        ("cloze", CLOZE, {"blanks": [{"get": 1}]}),
    ],
)
def test_a_stored_response_that_no_longer_fits_is_wrong_never_an_error(kind, spec, response):
    assert regrade.grade_stored(kind=kind, spec=spec, response=response) == Verdict(correct=False, score=0.0)


def test_a_stored_response_that_fits_gets_the_kinds_own_verdict():
    right = {"choice": choice_key(SINGLE, "ConfigMap")}
    assert regrade.grade_stored(kind="single", spec=SINGLE, response=right) == Verdict(True, 1.0)
    half = {"choices": [choice_key(MULTIPLE, "kubelet")]}
    assert regrade.grade_stored(kind="multiple", spec=MULTIPLE, response=half) == kinds.get("multiple").grade(
        spec=MULTIPLE, response=half
    )


def past(**values) -> regrade.PastAnswer:
    defaults = {
        "pk": 1,
        "attempt_id": 1,
        "student_id": 1,
        "student": "ann",
        "started_at": dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC),
        "finished": True,
        "revision_id": 1,
        "revision_number": 1,
        "response": {"choice": choice_key(SINGLE, "ConfigMap")},
        "score": 0.0,
        "correct": False,
        "feedback": [],
        "attempt_total": 3,
        "attempt_score": 1 / 3,
        "other_points": 1.0,
    }
    return regrade.PastAnswer(**{**defaults, **values})


def test_the_plan_rescores_answers_graded_on_the_old_key_and_works_out_their_attempts_again():
    answers = [
        past(pk=1),  # right under the new key, graded wrong on r1
        past(pk=2, attempt_id=2, student_id=2, student="bob", finished=False, attempt_score=None),
        past(pk=3, attempt_id=3, revision_id=2, revision_number=2, score=1.0, correct=True),  # already so
        past(pk=4, attempt_id=4, score=1.0, correct=True, attempt_score=0.6667),  # same score, old revision
    ]
    changes = regrade.regrade_plan(kind="single", spec=SINGLE, revision_id=2, answers=answers)
    assert [c.before.pk for c in changes] == [1, 2, 4]
    first, second, fourth = changes
    assert (first.verdict.score, first.attempt_score, first.rescored, first.attempt_rescored) == (
        1.0,
        0.6667,  # (1 + 1) / 3, rounded as attempt_finish rounds
        True,
        True,
    )
    assert second.rescored and second.attempt_score is None and not second.attempt_rescored
    assert not fourth.rescored and not fourth.attempt_rescored  # (1 + 1) / 3 was already its score
    report = regrade.RegradeReport(uid=UID, revision_number=2, answers=4, changes=changes)
    assert (len(report.rescored), report.refreshed, report.attempts_rescored) == (2, 1, 1)
    assert [(g.student, [c.before.pk for c in g.changes]) for g in report.by_student] == [
        ("ann", [1]),
        ("bob", [2]),
    ]


def test_the_plan_keeps_nothing_when_every_answer_is_graded_against_the_current_key():
    answers = [past(revision_id=2, score=1.0, correct=True)]
    assert regrade.regrade_plan(kind="single", spec=SINGLE, revision_id=2, answers=answers) == ()


# --- the regrade of a question in the database ----------------------------------------------


@pytest.mark.django_db
def test_the_dry_run_counts_what_changes_and_writes_nothing(wrong_key, django_assert_num_queries):
    question, wrong, corrected, mine, theirs = wrong_key
    assert (mine.score, theirs.score) == (0.6667, 0.3333)
    with django_assert_num_queries(2):  # the question (+its current revision), its answers
        report = regrade.answers_regrade(question=question, user=None, dry_run=True)
    assert (report.answers, len(report.rescored), report.attempts_rescored, report.refreshed) == (2, 2, 2, 0)
    assert report.revision_number == corrected.number and not report.applied
    rows = {
        g.student: [
            (c.before.score, c.verdict.score, c.before.attempt_score, c.attempt_score) for c in g.changes
        ]
        for g in report.by_student
    }
    assert rows == {"student": [(0.0, 1.0, 0.6667, 1.0)], "other": [(1.0, 0.0, 0.3333, 0.0)]}
    assert [c.before.revision_number for c in report.changes] == [wrong.number, wrong.number]
    assert set(Answer.objects.filter(question=question).values_list("revision", "score")) == {
        (wrong.pk, 0.0),
        (wrong.pk, 1.0),
    }
    assert list(Attempt.objects.order_by("pk").values_list("score", flat=True)) == [0.6667, 0.3333]
    assert not AnswerRegrade.objects.exists()


@pytest.mark.django_db
def test_the_regrade_updates_answers_attempts_and_keeps_the_old_values(wrong_key, user_factory):
    question, wrong, corrected, mine, theirs = wrong_key
    editor = user_factory(username="editor", groups=("editors",), is_staff=True)
    report = regrade.answers_regrade(question=question, user=editor, dry_run=False)
    assert report.applied and len(report.changes) == 2
    answers = {a.attempt_id: a for a in Answer.objects.filter(question=question)}
    assert (answers[mine.pk].score, answers[mine.pk].correct) == (1.0, True)
    assert (answers[theirs.pk].score, answers[theirs.pk].correct) == (0.0, False)
    assert {a.revision_id for a in answers.values()} == {corrected.pk}
    # each attempt's score as attempt_finish works it out, from its answers as they are now
    for attempt in Attempt.objects.annotate(points=Sum("answers__score")):
        assert attempt.score == round(attempt.points / attempt.total, 4)
    assert dict(Attempt.objects.values_list("pk", "score")) == {mine.pk: 1.0, theirs.pk: 0.0}
    history = {h.answer.attempt_id: h for h in AnswerRegrade.objects.select_related("answer")}
    mine_history = history[mine.pk]
    assert (mine_history.old_revision, mine_history.new_revision) == (wrong, corrected)
    assert (mine_history.old_score, mine_history.new_score) == (0.0, 1.0)
    assert (mine_history.old_correct, mine_history.new_correct) == (False, True)
    assert (mine_history.old_attempt_score, mine_history.new_attempt_score) == (0.6667, 1.0)
    assert mine_history.regraded_by == editor
    assert history[theirs.pk].regraded_at == mine_history.regraded_at  # one regrade, one time


@pytest.mark.django_db
def test_regrading_twice_changes_nothing_the_second_time(wrong_key, django_assert_num_queries):
    question, *_ = wrong_key
    regrade.answers_regrade(question=question, user=None, dry_run=False)
    before = list(Answer.objects.order_by("pk").values_list("score", "correct", "feedback", "revision"))
    # savepoint, the question (locked), its attempts (locked), its answers, release: no write
    with django_assert_num_queries(5):
        again = regrade.answers_regrade(question=question, user=None, dry_run=False)
    assert again.changes == () and not again.applied
    assert regrade.answers_regrade(question=question, user=None, dry_run=True).changes == ()
    assert (
        list(Answer.objects.order_by("pk").values_list("score", "correct", "feedback", "revision")) == before
    )
    assert AnswerRegrade.objects.count() == 2


@pytest.mark.django_db
def test_the_regrade_is_one_transaction(wrong_key, monkeypatch):
    question, wrong, *_ = wrong_key

    def fail(*args, **kwargs):
        raise RuntimeError("the history could not be written")

    # The last write of the regrade fails: the answers and attempts updated before it are not kept.
    monkeypatch.setattr(AnswerRegrade.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        regrade.answers_regrade(question=question, user=None, dry_run=False)
    assert set(Answer.objects.filter(question=question).values_list("revision", flat=True)) == {wrong.pk}
    assert sorted(Attempt.objects.values_list("score", flat=True)) == [0.3333, 0.6667]


@pytest.mark.django_db
def test_an_open_attempt_is_regraded_and_finishes_with_the_new_score(loaded_banks, student):
    question = Question.objects.get(uid="alpha-single-1")
    set_key(question, "ClusterRole")
    attempt = take_quiz(student, "alpha", pick="ConfigMap", others_right=True, finish=False)
    set_key(question, "ConfigMap")
    report = regrade.answers_regrade(question=question, user=None, dry_run=False)
    assert [c.attempt_score for c in report.changes] == [None] and report.attempts_rescored == 0
    assert AnswerRegrade.objects.get().new_attempt_score is None
    assert attempt_finish(attempt=attempt).score == 1.0


@pytest.mark.django_db
def test_stored_responses_that_no_longer_fit_are_regraded_wrong(loaded_banks, student, other_student):
    question = Question.objects.get(uid="alpha-multiple-1")
    take_quiz(student, "alpha", pick="ConfigMap", others_right=True)
    take_quiz(other_student, "alpha", pick="ConfigMap", others_right=True)
    first, second = Answer.objects.filter(question=question).order_by("pk")
    assert first.score == second.score == 1.0
    first.response = ["a", "list", "from", "an", "old", "format"]
    first.save()
    # The corrected question drops "un runtime CRI", which both students ticked.
    current = question.current_revision
    kept = [c for c in current.spec["choices"] if c["text"] != "un runtime CRI"]
    revision_apply(
        question=question,
        prompt=current.prompt,
        explanation=current.explanation,
        spec={**current.spec, "choices": kept},
    )
    report = regrade.answers_regrade(question=question, user=None, dry_run=False)
    assert report.applied
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.score, first.correct) == (0.0, False)
    # kubelet is still right, the vanished choice counts as a wrong tick: (1 - 1) / 1
    assert (second.score, second.correct) == (0.0, False)


@pytest.mark.django_db
def test_a_question_without_answers_or_grading_has_nothing_to_regrade(loaded_banks, sections):
    question = Question.objects.get(uid="alpha-truefalse-1")
    report = regrade.answers_regrade(question=question, user=None, dry_run=False)
    assert (report.answers, report.changes, report.applied) == (0, (), False)
    card = Question.objects.create(uid="alpha-flashcard-1", section=sections[0], kind="flashcard")
    revision_apply(
        question=card,
        prompt="cm ?",
        explanation="",
        spec=flashcard.build_spec({"answer": "ConfigMap"}, uid=UID),
    )
    assert regrade.answers_regrade(question=card, user=None, dry_run=False).revision_number is None


@pytest.mark.django_db
def test_the_regrade_takes_the_same_queries_for_one_answer_or_many(loaded_banks, user_factory):
    question = Question.objects.get(uid="alpha-single-1")
    counts = []
    for size in (1, 6):
        Answer.objects.all().delete()
        set_key(question, "ClusterRole")
        for _ in range(size):
            take_quiz(user_factory(), "alpha", pick="ConfigMap", others_right=True)
        set_key(question, "ConfigMap")
        with CaptureQueriesContext(connection) as ctx:
            report = regrade.answers_regrade(question=question, user=None, dry_run=False)
        assert len(report.rescored) == size
        counts.append(len(ctx.captured_queries))
    # savepoint, the question, its attempts, its answers, the answers' update, the attempts'
    # update, the history's insert, release
    assert counts == [8, 8]
