"""The FSRS optimizer on the seeded school: its students remember by an FSRS memory of their
own (`seed_school.true_weights`), so weights trained on each student's earlier reviews must
predict their later ones better than the defaults the app scheduled them with."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench.management.commands import seed_school
from classes.management.commands import optimize_fsrs
from review import optimizer
from review.models import ParameterChoice, ParameterSet, Review

SCALE = 0.02  # 40 students, 20,000 reviews: a few students pass the 400 reviews of a personal set
QUESTIONS = 60


@pytest.fixture
def school(loaded_banks):
    call_command(
        seed_school.Command(),
        scale=SCALE,
        seed=5,
        questions=QUESTIONS,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def optimize(**options) -> dict:
    out = io.StringIO()
    call_command(optimize_fsrs.Command(), stdout=out, stderr=io.StringIO(), **options)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_trained_sets_predict_the_held_out_reviews_of_the_seeded_school_better(school):
    summary = optimize()
    course = ParameterSet.objects.get(scope=ParameterSet.Scope.COURSE)
    assert course.reviews == Review.objects.count() and course.held_out > 0.1 * course.reviews / 2
    assert course.log_loss_after < course.log_loss_before
    assert course.rmse_after < course.rmse_before
    # A set per class with 400 reviews between its students (not all of them: that is the
    # course), per student with 400 of their own.
    histories = optimizer.read_histories()
    big_classes = {
        cohort_id
        for cohort_id, members in optimize_fsrs.class_members().items()
        if sum(optimizer.review_count(histories.get(s, [])) for s in members) >= optimizer.MIN_GROUP_REVIEWS
        and len(members & set(histories)) < len(histories)  # not the whole school: that is the course's set
    }
    assert big_classes and set(
        ParameterSet.objects.filter(scope="cohort").values_list("cohort_id", flat=True)
    ) == (big_classes)
    heavy = {
        s
        for s, h in optimizer.read_histories().items()
        if optimizer.review_count(h) >= optimizer.MIN_PERSONAL_REVIEWS
    }
    personal = ParameterSet.objects.filter(scope="student")
    assert set(personal.values_list("student_id", flat=True)) == heavy and heavy

    def beats(p) -> bool:
        fallback = p.log_loss_fallback
        return p.log_loss_after < p.log_loss_before and (fallback is None or p.log_loss_after < fallback)

    # A few hundred reviews make a noisy personal set: one is used only if it predicts the
    # student's later reviews better than the defaults and than their class's or the course's
    # set (trained on the same earlier reviews); some do.
    better = [p for p in personal if beats(p)]
    assert better and all(p.log_loss_fallback is not None for p in personal)
    # Everyone who reviewed is scheduled by the most specific set that predicts better.
    reviewers = set(Review.objects.values_list("student_id", flat=True))
    assert set(ParameterChoice.objects.values_list("student_id", flat=True)) == reviewers
    for p in personal:
        assert (optimizer.parameters_for(p.student) == p) is beats(p)
    for p in ParameterSet.objects.filter(scope="cohort"):
        assert p.log_loss_fallback is not None  # judged against the course's set too
    assert summary["students_scheduled_by"]["student"] == len(better)
    assert sum(summary["students_scheduled_by"].values()) == len(reviewers)


@pytest.mark.django_db
def test_the_log_loss_computed_here_falls_too_on_the_held_out_reviews(school):
    """The same judgement without fsrs-rs's evaluation: the recall the forgetting curve predicts
    against each later review's outcome."""
    histories = optimizer.read_histories()
    weights = optimizer.train(optimizer.split(histories).train)
    before, n = optimizer.held_out_log_loss(optimizer.DEFAULT_WEIGHTS, histories)
    after, _n = optimizer.held_out_log_loss(weights, histories)
    assert n > 1000 and after < before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options", [{"held_out": 1.5}, {"held_out": 0}, {"min_personal": 0}], ids=["share>1", "share=0", "min=0"]
)
def test_bad_options_are_refused_before_anything_is_written(db, options):
    with pytest.raises(CommandError):
        optimize(**options)
    assert not ParameterSet.objects.exists()
