"""FSRS parameters from the review log: reading it in review days, which set schedules whom,
what each review records, and the settings page's memory-model box."""

from __future__ import annotations

import datetime as dt

import fsrs_rs_python as rs
import pytest
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse

from review import cards, optimizer, scheduling
from review.models import Card, ParameterChoice, ParameterSet, Review
from tests.review.helpers import MONDAY, PARIS, add_all, rate

pytestmark = pytest.mark.django_db
# The defaults with first stabilities three times longer and stability growing faster after a
# recall (w8): intervals visibly longer than the defaults'.
SLOW_FORGETTER = [w * 3 if i < 4 else w + 0.5 if i == 8 else w for i, w in enumerate(rs.DEFAULT_PARAMETERS)]


def first_card(student) -> Card:
    add_all(student)
    return Card.objects.filter(student=student).order_by("pk").first()


def make_set(*, scope="course", weights=SLOW_FORGETTER, before=0.6, after=0.5, **source) -> ParameterSet:
    return ParameterSet.objects.create(
        scope=scope,
        weights=[round(w, 4) for w in weights],
        students=3,
        reviews=1234,
        log_loss_before=before,
        log_loss_after=after,
        rmse_before=0.2,
        rmse_after=0.1,
        held_out=321,
        engine=optimizer.ENGINE,
        **source,
    )


def test_histories_count_elapsed_time_in_the_students_review_days(loaded_banks, student):
    card = first_card(student)
    times = [
        dt.datetime(2026, 11, 30, 3, 30, tzinfo=PARIS),  # Sunday's review day (before 04:00)
        dt.datetime(2026, 11, 30, 5, 0, tzinfo=PARIS),  # Monday's: a day later, 1.5 h apart
        dt.datetime(2026, 12, 1, 3, 59, tzinfo=PARIS),  # still Monday's review day
        dt.datetime(2026, 12, 4, 20, 0, tzinfo=PARIS),  # Friday: 4 days after Monday
    ]
    for at, rating in zip(times, (3, 1, 3, 4), strict=True):
        rate(student, card.pk, rating, at)
    (history,) = optimizer.read_histories()[student.pk]
    days = [code // 4 for code in history]
    assert [b - a for a, b in zip(days, days[1:], strict=False)] == [1, 0, 4]
    assert [code % 4 + 1 for code in history] == [3, 1, 3, 4]
    # Items are the predictions across days: the 2nd review (1 day) and the 4th (4 days).
    assert len(optimizer._items(history)) == 2
    assert [rating for _reviews, rating, _delta in optimizer._cases(history)] == [1, 4]


def test_each_review_records_the_parameters_and_retention_it_was_scheduled_with(loaded_banks, student):
    prefs = cards.settings_for(student)
    prefs.desired_retention = 0.85
    prefs.save()
    card = first_card(student)
    start = MONDAY
    plain = rate(student, card.pk, 3, start).review
    assert plain.parameter_set is None and plain.desired_retention == 0.85
    own = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    card.refresh_from_db()
    before = cards.card_state(card)
    later = start + dt.timedelta(days=1)
    recorded = rate(student, card.pk, 3, later).review
    assert recorded.parameter_set == own and recorded.desired_retention == 0.85
    expected = scheduling.review(
        card_id=card.pk,
        state=before,
        rating=3,
        now=later,
        options=scheduling.options_for(prefs, parameters=own.weights),
        fuzz=False,
    )
    defaults = scheduling.review(
        card_id=card.pk, state=before, rating=3, now=later, options=scheduling.options_for(prefs), fuzz=False
    )
    card.refresh_from_db()
    assert cards.card_state(card) == expected
    assert expected.stability > defaults.stability  # the set's weights, not the defaults', were used


def test_the_set_a_student_gets_is_their_choice_else_a_course_default_that_predicts_better(student):
    assert optimizer.parameters_for(student) is None
    make_set(before=0.5, after=0.6)  # worse than the defaults: never used
    assert optimizer.parameters_for(student) is None
    course = make_set(before=0.6, after=0.5)
    assert optimizer.parameters_for(student) == course
    own = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    assert optimizer.parameters_for(student) == own


def test_a_student_without_a_choice_gets_the_latest_course_default_only_if_it_predicts_better(student):
    course = make_set(before=0.6, after=0.5)
    assert optimizer.parameters_for(student) == course
    make_set(before=0.5, after=0.6)  # the latest run's course set predicts worse: the defaults
    assert optimizer.parameters_for(student) is None
    latest = make_set(before=0.6, after=0.4)
    assert optimizer.parameters_for(student) == latest


def test_a_set_that_scheduled_reviews_is_kept_but_its_student_can_be_deleted(loaded_banks, student):
    own = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    rate(student, first_card(student).pk, 3, MONDAY)
    with pytest.raises((RestrictedError, ProtectedError)):
        own.delete()
    student.delete()  # the set and the reviews that used it go in the same cascade
    assert not ParameterSet.objects.exists() and not Review.objects.exists()


def test_a_set_names_its_scope_and_source_consistently(student):
    from django.db import IntegrityError, transaction

    for bad in ({"scope": "student"}, {"scope": "cohort"}, {"scope": "course", "student": student}):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_set(**bad)


def fake_histories(rng, weights, students, *, cards=150, reviews=8) -> dict:
    """Card histories of students whose memory is FSRS with `weights`: each review comes some
    time around the stability later and is recalled with the curve's probability."""
    model, decay = rs.FSRS(weights), -weights[20]
    factor = 0.9 ** (1 / decay) - 1
    day0 = dt.date(2026, 1, 5).toordinal()
    out = {}
    for student_id in students:
        out[student_id] = []
        for _card in range(cards):
            history, so_far = optimizer.History("l"), []
            day, rating, delta = day0 + rng.randrange(30), rng.choice((1, 3, 3, 3, 4)), 0
            for _review in range(reviews):
                history.append(day * 4 + rating - 1)
                so_far.append(rs.FSRSReview(rating, delta))
                stability = model.memory_state(rs.FSRSItem(so_far)).stability
                delta = max(1, round(stability * rng.uniform(0.3, 3.0)))
                recall = (1 + factor * delta / stability) ** decay
                day += delta
                rating = 3 if rng.random() < recall else 1
            out[student_id].append(history)
    return out


def test_trained_weights_predict_held_out_reviews_of_a_known_memory_better(student, other_student):
    """Students who forget three times slower than the defaults expect: the weights trained on
    their earlier reviews predict their later ones better, by fsrs-rs's evaluation and by the
    log loss computed here from the forgetting curve, which agrees with fsrs-rs item by item."""
    import random

    histories = fake_histories(random.Random(7), SLOW_FORGETTER, [student.pk, other_student.pk])
    trained = optimizer.fit(histories)
    assert trained.held_out > 0 and trained.better
    assert trained.after[1] < trained.before[1]  # RMSE too
    assert trained.weights[0] > rs.DEFAULT_PARAMETERS[0]  # a longer first stability after Again

    items = optimizer.split(histories)
    weights = optimizer.train(items.train)

    before, n = optimizer.held_out_log_loss(optimizer.DEFAULT_WEIGHTS, histories)
    after, _n = optimizer.held_out_log_loss(weights, histories)
    assert n == len(items.test) and after < before
    # Item by item the two computations agree (fsrs-rs's mean over many items weighs them, so
    # its figure differs a little from this plain mean).
    cutoff = optimizer.cutoff_day(histories[student.pk])
    some = [h for h in histories[student.pk] if optimizer._items(h, after_day=cutoff)][:5]
    for w in (optimizer.DEFAULT_WEIGHTS, weights):
        for history in some:
            engine = [
                rs.FSRS(list(w)).evaluate([item]).log_loss
                for item in optimizer._items(history, after_day=cutoff)
            ]
            mine, n = optimizer.log_loss(w, [history], after_day=cutoff)
            assert n == len(engine) and mine == pytest.approx(sum(engine) / n, rel=1e-5)


def test_the_settings_page_shows_where_the_parameters_come_from(loaded_banks, student, student_client):
    url = reverse("review:settings")
    page = student_client.get(url).content.decode()
    assert "400" in page and "0,500" not in page
    course = make_set(before=0.61234, after=0.51234)
    page = student_client.get(url).content.decode()
    assert "0,612" in page and "0,512" in page and "1234" in page.replace("\u202f", "").replace(" ", "")
    own = make_set(scope="student", student=student, before=0.7, after=0.45678, log_loss_fallback=0.49876)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    page = student_client.get(url).content.decode()
    assert "0,457" in page and "0,512" not in page
    assert "0,499" in page and "Paramètres de votre classe ou du cours" in page
    assert course.pk != own.pk


def test_a_run_prunes_the_sets_of_earlier_runs_that_no_one_uses(loaded_banks, student, other_student):
    unused = make_set(scope="student", student=other_student)
    chosen = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=chosen)
    used = make_set()
    ParameterChoice.objects.create(student=other_student, parameter_set=used)
    rate(other_student, first_card(other_student).pk, 3, MONDAY)  # scheduled with `used`
    ParameterChoice.objects.filter(student=other_student).delete()
    optimizer.optimize()  # one review: too few for any set, and the choices stay as they were
    assert set(ParameterSet.objects.all()) == {chosen, used}
    assert unused.pk not in set(ParameterSet.objects.values_list("pk", flat=True))


def test_the_rating_buttons_show_the_intervals_of_the_students_own_parameters(
    student_client, student, flashcards
):
    cards.cards_add(student=student, questions=flashcards(1))
    card = Card.objects.get()
    own = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    now = dt.datetime.now(dt.UTC)
    Card.objects.filter(pk=card.pk).update(
        state=Card.State.REVIEW,
        step=None,
        stability=20.0,
        difficulty=5.0,
        last_review=now - dt.timedelta(days=18),
        due=now - dt.timedelta(hours=1),
    )
    page = student_client.get(reverse("review:session"))
    back = student_client.post(
        reverse("review:card-reveal", args=[card.pk]),
        {"token": page.context["token"]},
        HTTP_HX_REQUEST="true",
    )
    good = next(r for r in back.context["ratings"] if r["value"] == 3)
    state = cards.card_state(Card.objects.get())
    defaults = scheduling.next_intervals(card_id=card.pk, state=state, now=now, fuzz=False)
    assert good["delta"] != defaults[3]  # not the defaults' interval
    student_client.post(
        reverse("review:card-rate", args=[card.pk]), {"rating": "3", "token": back.context["token"]}
    )
    stored = Card.objects.get()
    # a whole number of review days: due from the start (04:00 in Paris) of the last of them
    today = scheduling.review_day(stored.last_review, "Europe/Paris")
    assert stored.due == scheduling.day_bounds(today + good["delta"], "Europe/Paris")[0]
    assert Review.objects.get().parameter_set == own


def test_parameter_sets_choices_and_what_each_review_used_survive_a_backup(loaded_banks, student, tmp_path):
    from django.core.management import call_command

    own = make_set(scope="student", student=student)
    ParameterChoice.objects.create(student=student, parameter_set=own)
    rate(student, first_card(student).pk, 3, MONDAY)
    path = tmp_path / "rappel.jsonl.gz"
    call_command("backup", str(path))
    Card.objects.all().delete()
    ParameterChoice.objects.all().delete()
    ParameterSet.objects.all().delete()
    call_command("restore", str(path), "--yes")
    assert Review.objects.get().parameter_set_id == own.pk
    assert optimizer.parameters_for(student).weights == own.weights


def test_the_progress_page_predicts_recall_with_the_students_own_forgetting_curve(loaded_banks, student):
    from review import progress

    card = first_card(student)
    rate(student, card.pk, 3, MONDAY)
    rate(student, card.pk, 3, MONDAY + dt.timedelta(days=1))
    later = MONDAY + dt.timedelta(days=12)
    state = cards.card_state(Card.objects.get(pk=card.pk))
    steep = [*rs.DEFAULT_PARAMETERS[:20], 0.6]  # a decay (w20) four times the default's

    def mastery() -> float:
        figures = progress.figures(student=student, now=later, prefs=cards.settings_for(student))
        return next(s.recall for s in figures.cards.mastery if s.recall is not None)

    assert mastery() == pytest.approx(scheduling.retrievability(state=state, now=later), rel=1e-9)
    ParameterChoice.objects.create(
        student=student, parameter_set=make_set(scope="student", student=student, weights=steep)
    )
    own = scheduling.retrievability(state=state, now=later, parameters=steep)
    assert own != pytest.approx(scheduling.retrievability(state=state, now=later), rel=1e-3)
    assert mastery() == pytest.approx(own, rel=1e-9)
