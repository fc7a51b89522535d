"""The school seeding command: the shapes it builds at a tiny scale, and that its review
histories are exactly what `review.scheduling` computes when replayed."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from bench.management.commands import seed_school
from classes.models import Cohort
from quizzes import kinds
from quizzes.models import Answer, Attempt, Question, Quiz
from review import scheduling
from review.cards import card_state
from review.models import Card, Review, ReviewDay
from review.scheduling import CardState

SCALE = 0.005
QUESTIONS = 60


def test_the_plan_is_the_issue_school_at_full_scale_and_a_tenth_of_it_at_0_1():
    full = seed_school.plan_for(1.0)
    assert (full.students, full.cohorts, full.answers, full.cards, full.reviews, full.bench_cards) == (
        2_000,
        60,
        100_000,
        100_000,
        1_000_000,
        2_000,
    )
    assert full.heatmap_students == 40 and full.questions == 400
    tenth = seed_school.plan_for(0.1)
    assert (tenth.students, tenth.cohorts, tenth.answers, tenth.reviews, tenth.bench_cards) == (
        200,
        6,
        10_000,
        100_000,
        200,
    )


@pytest.mark.django_db
def test_answer_forms_are_graded_right_and_wrong_by_each_kind(loaded_banks):
    checked = Counter()
    for question in Question.objects.select_related("current_revision"):
        if not kinds.is_graded(question.kind):
            continue
        kind, spec = kinds.get(question.kind), question.current_revision.spec
        right = kind.grade(
            spec=spec,
            response=kind.parse_response(
                spec, seed_school.answer_form(kind=question.kind, spec=spec, right=True)
            ),
        )
        assert right.correct, question.uid
        for variant in range(3):
            wrong = kind.grade(
                spec=spec,
                response=kind.parse_response(
                    spec, seed_school.answer_form(kind=question.kind, spec=spec, right=False, variant=variant)
                ),
            )
            assert not wrong.correct, (question.uid, variant)
        checked[question.kind] += 1
    assert set(checked) >= {"single", "multiple", "truefalse", "short", "matching", "ordering"}


def _state(data: dict) -> CardState:
    moment = {
        key: dt.datetime.fromisoformat(data[key]) if data[key] else None for key in ("due", "last_review")
    }
    return CardState(
        state=data["state"],
        step=data["step"],
        stability=data["stability"],
        difficulty=data["difficulty"],
        **moment,
    )


@pytest.fixture
def school(loaded_banks):
    out = io.StringIO()
    call_command(
        seed_school.Command(), scale=SCALE, seed=3, questions=QUESTIONS, stdout=out, stderr=io.StringIO()
    )
    return seed_school.plan_for(SCALE, questions=QUESTIONS), out.getvalue()


@pytest.mark.django_db
def test_seeding_builds_the_counts_of_the_plan(school):
    plan, _summary = school
    assert User.objects.filter(username__startswith="student").count() == plan.students
    bench = User.objects.get(username=seed_school.BENCH_STUDENT)
    bank = [q for q in Question.objects.filter(active=True) if seed_school.DECK_TAG not in q.tags]
    assert len(bank) == QUESTIONS
    assert Answer.objects.count() == plan.answers
    assert Card.objects.count() == plan.cards
    assert Card.objects.filter(student=bench).count() == plan.bench_cards
    assert Review.objects.count() == plan.reviews
    assert Card.objects.filter(last_review__isnull=True).exists()  # some cards are still new


@pytest.mark.django_db
def test_attempts_are_whole_and_answers_graded_by_their_kind(school):
    unfinished = 0
    for attempt in Attempt.objects.prefetch_related("answers"):
        answers = sorted(attempt.answers.all(), key=lambda a: a.position)
        assert [a.question_id for a in answers] == attempt.question_ids[: len(answers)]
        if attempt.finished_at is None:
            unfinished += 1
            assert len(answers) < attempt.total
        else:
            assert len(answers) == attempt.total
            assert attempt.score == pytest.approx(sum(a.score for a in answers) / attempt.total, abs=1e-4)
    assert unfinished <= 1
    for answer in Answer.objects.select_related("question", "revision")[:200]:
        verdict = kinds.get(answer.question.kind).grade(spec=answer.revision.spec, response=answer.response)
        assert (verdict.correct, verdict.score) == (answer.correct, answer.score)
    for response, picked in Answer.objects.values_list("response", "picked"):  # as the signal sets it
        assert picked == kinds.picked_json(response)
    scores = {a.correct for a in Answer.objects.all()}
    assert scores == {True, False}


@pytest.mark.django_db
def test_cohorts_have_students_trainers_and_assignments(school):
    plan, _summary = school
    regular = Cohort.objects.exclude(name=seed_school.SCHOOL_COHORT)
    assert regular.count() == plan.cohorts
    for cohort in regular:
        assert cohort.enrolments.exists() and cohort.trainers.exists() and cohort.assignments.count() >= 2
    heatmap = Cohort.objects.get(name=seed_school.HEATMAP_COHORT)
    assert heatmap.enrolments.count() == plan.heatmap_students
    assert heatmap.trainers.filter(username=seed_school.BENCH_TRAINER).exists()
    whole = Cohort.objects.get(name=seed_school.SCHOOL_COHORT)
    assert whole.enrolments.count() == plan.students
    assessment = whole.assignments.get().quiz
    assert assessment.kind == Quiz.Kind.ASSESSMENT
    first_tries = (
        Attempt.objects.filter(quiz=assessment, finished_at__isnull=False).values("student").distinct()
    )
    assert first_tries.count() == plan.students


@pytest.mark.django_db
def test_review_histories_replay_to_the_stored_card_states(school):
    reviews_by_card: dict[int, list[Review]] = {}
    for review in Review.objects.order_by("reviewed_at", "pk"):
        reviews_by_card.setdefault(review.card_id, []).append(review)
    assert sum(map(len, reviews_by_card.values())) == Review.objects.count()
    for card in Card.objects.filter(last_review__isnull=False):
        history = reviews_by_card[card.pk]
        assert card.version == len(history)
        state = _state(history[0].state_before)
        assert state.last_review is None and state.due == card.created_at
        for review in history:
            assert _state(review.state_before) == state
            assert (review.student_id, review.question_id) == (card.student_id, card.question_id)
            state = scheduling.review(
                card_id=card.pk, state=state, rating=review.rating, now=review.reviewed_at, fuzz=False
            )
            assert _state(review.state_after) == state
        assert card_state(card) == state
    assert not Review.objects.filter(card__last_review__isnull=True).exists()


@pytest.mark.django_db
def test_the_seeded_daily_rollup_is_the_one_the_review_log_gives(school):
    from review.cards import review_days_rebuild

    def rows():
        return list(
            ReviewDay.objects.order_by("student_id", "day").values_list(
                "student_id", "day", "reviews", "new_cards", "recall_reviews", "recall_passed", "duration_ms"
            )
        )

    seeded = rows()
    assert sum(r[2] for r in seeded) == Review.objects.count() > 0
    assert review_days_rebuild() == len(seeded)
    assert rows() == seeded
