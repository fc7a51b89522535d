"""Reviewing cards: the queue, limits, recording once, a simulated week, the daily rollup, the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Question
from review import cards, scheduling
from review.models import Card, Review, ReviewDay, ReviewSettings
from tests.quizzes.helpers import answer_form
from tests.review.helpers import MONDAY, PARIS, add_all, rate

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_adding_cards_is_idempotent_and_missed_ones_come_first(loaded_banks, student):
    assert add_all(student) == 6
    assert add_all(student) == 0
    missed = Question.objects.get(uid="beta-ordering-1")
    cards.cards_add(student=student, questions=[missed], source=Card.Source.MISSED)
    queue = cards.next_card(student=student, now=MONDAY)
    assert queue.card.question == missed
    assert (queue.due_left, queue.new_left) == (0, 6)


def test_due_cards_come_before_new_ones(loaded_banks, student):
    add_all(student)
    first = cards.next_card(student=student, now=MONDAY).card
    rate(student, first, 1, MONDAY)  # Again: due again in a minute
    later = MONDAY + dt.timedelta(minutes=2)
    queue = cards.next_card(student=student, now=later)
    assert queue.card.pk == first.pk
    assert queue.due_left == 1 and queue.new_left == 5


def test_new_cards_per_day_limit_resets_at_four_in_the_morning(loaded_banks, student):
    ReviewSettings.objects.create(student=student, new_per_day=2)
    add_all(student)
    now = MONDAY
    for _ in range(2):
        card = cards.next_card(student=student, now=now).card
        rate(student, card, 4, now)  # Easy: graduates for days
        now += dt.timedelta(minutes=1)
    queue = cards.next_card(student=student, now=now)
    assert queue.card is None and queue.new_left == 0
    assert (
        cards.next_card(student=student, now=MONDAY.replace(hour=23, minute=59) + dt.timedelta(hours=4)).card
        is None
    )
    tuesday = (MONDAY + dt.timedelta(days=1)).replace(hour=4, minute=0)
    assert cards.next_card(student=student, now=tuesday).new_left == 2


def test_maximum_reviews_per_day_caps_review_cards(loaded_banks, student):
    ReviewSettings.objects.create(student=student, max_reviews_per_day=1)
    add_all(student)
    for card in Card.objects.all():
        rate(student, card, 4, MONDAY)
    far = MONDAY + dt.timedelta(days=60)
    first = cards.next_card(student=student, now=far)
    assert first.due_left == 1
    rate(student, first.card, 3, far)
    assert cards.next_card(student=student, now=far + dt.timedelta(minutes=1)).card is None


def test_the_queue_leaves_out_retired_questions_and_tells_when_the_next_card_is_due(loaded_banks, student):
    add_all(student)
    for card in Card.objects.all():
        rate(student, card, 4, MONDAY)  # Easy: due again in days
    retired = Card.objects.order_by("pk").first()
    Card.objects.filter(pk=retired.pk).update(due=MONDAY + dt.timedelta(days=1))  # due first, but ...
    Question.objects.filter(pk=retired.question_id).update(active=False)  # ... its question is retired
    done = cards.next_card(student=student, now=MONDAY + dt.timedelta(minutes=1))
    assert (done.card, done.due_left, done.new_left) == (None, 0, 0)
    others_due = Card.objects.exclude(pk=retired.pk).order_by("due").values_list("due", flat=True).first()
    assert done.next_due == others_due > MONDAY + dt.timedelta(days=1)
    queue = cards.next_card(student=student, now=others_due)
    assert queue.card.pk != retired.pk and (queue.due_left, queue.new_left) == (5, 0)


def test_new_cards_of_retired_questions_are_not_counted(loaded_banks, student):
    assert add_all(student) == 6
    assert cards.next_card(student=student, now=MONDAY).new_left == 6
    retired = Question.objects.order_by("pk")[:2]
    Question.objects.filter(pk__in=[q.pk for q in retired]).update(active=False)
    queue = cards.next_card(student=student, now=MONDAY)
    assert queue.new_left == 4 and queue.card.question_id not in {q.pk for q in retired}


def test_a_simulated_week_follows_the_library_schedule(loaded_banks, student):
    """Review every due card each morning for a week, always Good: dues equal fsrs's own."""
    add_all(student)
    now = MONDAY
    for day in range(7):
        now = (MONDAY + dt.timedelta(days=day)).replace(hour=9)
        for _ in range(50):
            queue = cards.next_card(student=student, now=now)
            if queue.card is None:
                break
            before = cards.card_state(queue.card)
            recorded = rate(student, queue.card, 3, now)
            expected = scheduling.review(card_id=queue.card.pk, state=before, rating=3, now=now, fuzz=False)
            assert recorded.card.due == expected.due
            assert recorded.card.stability == pytest.approx(expected.stability)
            now += dt.timedelta(minutes=11)  # past the 10-minute learning step
    assert Card.objects.filter(state=Card.State.REVIEW).count() == 6
    log = Review.objects.order_by("reviewed_at")
    assert log.count() >= 12  # two learning steps per card at least
    assert all(r.state_before and r.state_after for r in log)


def test_learning_and_relearning_cards_due_now_come_before_overdue_reviews(loaded_banks, student):
    """A 10-minute relearning step comes back on time, not behind the day's overdue reviews."""
    add_all(student)
    deck = list(Card.objects.order_by("pk"))
    studied = {"last_review": MONDAY - dt.timedelta(days=20), "stability": 10.0, "difficulty": 5.0}
    plan = [
        (Card.State.REVIEW, MONDAY - dt.timedelta(days=3)),  # overdue for days
        (Card.State.RELEARNING, MONDAY - dt.timedelta(minutes=1)),  # its 10 min are up
        (Card.State.REVIEW, MONDAY - dt.timedelta(hours=5)),  # due this morning
        (Card.State.LEARNING, MONDAY - dt.timedelta(seconds=30)),
        (Card.State.RELEARNING, MONDAY + dt.timedelta(minutes=5)),  # not yet: after the reviews
        (Card.State.REVIEW, MONDAY + dt.timedelta(hours=6)),  # due later today
    ]
    for card, (state, due) in zip(deck, plan, strict=True):
        Card.objects.filter(pk=card.pk).update(state=state, due=due, **studied)
    day_end = scheduling.day_bounds(scheduling.review_day(MONDAY, PARIS), PARIS)[1]
    learning = Card.objects.learning_steps_due(student=student, now=MONDAY)
    reviews = Card.objects.reviews_due(student=student, day_end=day_end)
    assert [c.pk for c in learning] == [deck[1].pk, deck[3].pk]  # the step not yet due waits
    assert [c.pk for c in reviews] == [deck[0].pk, deck[2].pk, deck[5].pk]
    assert cards.next_card(student=student, now=MONDAY).card.pk == deck[1].pk
    # the day's reviews done (its maximum reached): the learning steps still come
    ReviewSettings.objects.update_or_create(student=student, defaults={"max_reviews_per_day": 1})
    ReviewDay.objects.create(
        student=student, day=scheduling.review_day(MONDAY, PARIS), reviews=1, recall_reviews=1
    )
    queue = cards.next_card(student=student, now=MONDAY)
    assert queue.card.pk == deck[1].pk and queue.due_left == 2


def test_a_slow_but_right_learner_graduates_following_the_suggested_ratings(loaded_banks, student):
    """Right every time but 45 s to answer, rated as suggested, when due: the new card goes
    through its two learning steps into review (the old rule suggested Hard: it never left its
    first step, due again every 5.5 minutes)."""
    add_all(student)
    card = cards.next_card(student=student, now=MONDAY).card
    now, states, ratings = MONDAY, [], []
    for _ in range(6):
        rating = scheduling.suggest_rating(correct=True, score=1.0, seconds=45, state=card.state)
        token = cards.card_token(card, shown_at=now - dt.timedelta(seconds=45), graded={"correct": True})
        card = cards.review_record(student=student, card_id=card.pk, rating=rating, token=token, now=now).card
        states.append(card.state)
        ratings.append(rating)
        now = card.due
    assert ratings == [3] * 6
    assert states[:2] == [Card.State.LEARNING, Card.State.REVIEW] and set(states[1:]) == {Card.State.REVIEW}
    assert card.due - card.last_review > dt.timedelta(days=7)
    assert Review.objects.filter(card=card, duration_ms=45_000).count() == 6


def due_after(moment: dt.datetime, interval: dt.timedelta, tz: str = "Europe/Paris") -> dt.datetime:
    """When a card rated at `moment` is due, given the interval its button showed: a step runs
    from the moment; whole days count review days, the card due from the start of the last."""
    if interval % dt.timedelta(days=1):
        return moment + interval
    return scheduling.day_bounds(scheduling.review_day(moment, tz) + interval, tz)[0]


def test_each_rating_button_shows_the_interval_it_stores_with_fuzz(
    student_client, student, flashcards, settings
):
    """Fuzz on: the interval behind each button of the review page is the one the rating stores."""
    settings.REVIEW_FUZZ = True
    cards.cards_add(student=student, questions=flashcards(1))
    card = Card.objects.get()
    fuzzed = set()
    for version in range(4):
        for rating in scheduling.RATINGS:
            now = timezone.now()
            Card.objects.filter(pk=card.pk).update(
                state=Card.State.REVIEW,
                step=None,
                stability=60.0,
                difficulty=5.0,
                last_review=now - dt.timedelta(days=50, hours=2),
                due=now - dt.timedelta(hours=1),
                version=version,
            )
            page = student_client.get(reverse("review:session"))
            assert page.context["card"].pk == card.pk
            back = student_client.post(
                reverse("review:card-reveal", args=[card.pk]), {"token": page.context["token"]}, **HTMX
            )
            button = next(r for r in back.context["ratings"] if r["value"] == rating)
            assert f"{button['interval']}" in back.content.decode()
            rated = student_client.post(
                reverse("review:card-rate", args=[card.pk]),
                {"rating": str(rating), "token": back.context["token"]},
                **HTMX,
            )
            assert rated.status_code == 200
            stored = Card.objects.get(pk=card.pk)
            assert stored.version == version + 1
            assert stored.due == due_after(stored.last_review, button["delta"])
            assert scheduling.format_interval(button["delta"]) == button["interval"]
            if rating > 1:
                plain = scheduling.next_intervals(
                    card_id=card.pk, state=cards.card_state(page.context["card"]), now=now, fuzz=False
                )
                fuzzed.add(button["delta"] != plain[rating])
    assert True in fuzzed  # the fuzz did move some intervals


def test_double_submit_records_one_review(loaded_banks, student):
    add_all(student)
    card = cards.next_card(student=student, now=MONDAY).card
    token = cards.card_token(card, shown_at=MONDAY)
    first = cards.review_record(student=student, card_id=card.pk, rating=3, token=token, now=MONDAY)
    second = cards.review_record(student=student, card_id=card.pk, rating=1, token=token, now=MONDAY)
    assert first.review is not None and second.review is None
    assert Review.objects.count() == 1
    assert Card.objects.get(pk=card.pk).version == 1


@pytest.mark.parametrize("rating", ["0", "5", "x", "", None])
def test_unknown_ratings_are_refused(loaded_banks, student, rating):
    add_all(student)
    card = Card.objects.first()
    with pytest.raises(cards.ReviewError):
        cards.review_record(
            student=student,
            card_id=card.pk,
            rating=rating,
            token=cards.card_token(card, shown_at=MONDAY),
            now=MONDAY,
        )
    assert Review.objects.count() == 0


def test_a_forged_token_or_another_students_card_is_refused(loaded_banks, student, other_student):
    add_all(student)
    card = Card.objects.first()
    with pytest.raises(cards.ReviewError):
        cards.review_record(student=student, card_id=card.pk, rating=3, token="forged", now=MONDAY)
    other_card = Card.objects.exclude(pk=card.pk).first()
    with pytest.raises(cards.ReviewError):  # a token for one card does not rate another
        cards.review_record(
            student=student,
            card_id=other_card.pk,
            rating=3,
            token=cards.card_token(card, shown_at=MONDAY),
            now=MONDAY,
        )
    with pytest.raises(cards.CardNotFound):
        cards.review_record(
            student=other_student,
            card_id=card.pk,
            rating=3,
            token=cards.card_token(card, shown_at=MONDAY),
            now=MONDAY,
        )
    assert Review.objects.count() == 0


def test_the_daily_rollup_equals_the_log_and_a_rebuild(loaded_banks, student, other_student):
    """review_record keeps ReviewDay in step; rebuilding it from the Review log gives the same rows."""
    ReviewSettings.objects.create(student=other_student, time_zone="America/New_York")
    for who in (student, other_student):
        add_all(who)
    moment = MONDAY
    for step in range(12):  # new cards, then reviews when due, across days and both time zones
        for who in (student, other_student):
            card = (
                cards.next_card(student=who, now=moment).card
                or Card.objects.filter(student=who).order_by("due").first()
            )
            rate(who, card, (1, 3, 4, 2)[step % 4], max(moment, card.due))
        moment += dt.timedelta(hours=9)

    def rows():
        return list(
            ReviewDay.objects.order_by("student_id", "day").values_list(
                "student_id", "day", "reviews", "new_cards", "recall_reviews", "recall_passed", "duration_ms"
            )
        )

    kept = rows()
    assert sum(r[2] for r in kept) == Review.objects.count() == 24
    assert sum(r[3] for r in kept) == Card.objects.filter(last_review__isnull=False).count()  # first studies
    assert sum(r[4] for r in kept) == Review.objects.filter(state_before__state=Card.State.REVIEW).count() > 0
    assert len({r[1] for r in kept if r[0] == other_student.pk}) >= 2
    assert cards.review_days_rebuild() == len(kept)
    assert rows() == kept


# --- views -------------------------------------------------------------------------------------


def test_review_a_graded_card_through_the_views(student_client, loaded_banks, student, htmx=False):
    add_all(student)
    for headers in ({}, HTMX):
        page = student_client.get(reverse("review:session"))
        card = page.context["card"]
        token = page.context["token"]
        form = answer_form(card.question.current_revision) | {"token": token}
        answered = student_client.post(reverse("review:card-answer", args=[card.pk]), form, **headers)
        assert answered.status_code == 200
        html = answered.content.decode()
        assert "Exact" in html and "data-rating" in html
        suggested = [r for r in answered.context["ratings"] if r["suggested"]]
        assert len(suggested) == 1 and suggested[0]["value"] in (3, 4)
        rated = student_client.post(
            reverse("review:card-rate", args=[card.pk]),
            {"rating": "3", "token": answered.context["token"]},
            **headers,
        )
        assert rated.status_code == (200 if headers else 302)
    assert Review.objects.filter(student=student, correct=True).count() == 2


def test_a_wrong_answer_suggests_again(student_client, loaded_banks, student):
    add_all(student)
    page = student_client.get(reverse("review:session"))
    card = page.context["card"]
    form = answer_form(card.question.current_revision, right=False) | {"token": page.context["token"]}
    answered = student_client.post(reverse("review:card-answer", args=[card.pk]), form, **HTMX)
    assert [r["value"] for r in answered.context["ratings"] if r["suggested"]] == [1]


def test_rating_twice_from_two_tabs_counts_once_and_shows_the_next_card(
    student_client, loaded_banks, student
):
    add_all(student)
    page = student_client.get(reverse("review:session"))
    card, token = page.context["card"], page.context["token"]
    url = reverse("review:card-rate", args=[card.pk])
    assert student_client.post(url, {"rating": "3", "token": token}, **HTMX).status_code == 200
    again = student_client.post(url, {"rating": "1", "token": token}, **HTMX)
    assert again.status_code == 200 and again.context["card"].pk != card.pk
    assert Review.objects.count() == 1


def test_bad_review_posts_get_4xx_and_save_nothing(student_client, loaded_banks, student, other_student):
    add_all(student)
    add_all(other_student)
    page = student_client.get(reverse("review:session"))
    card, token = page.context["card"], page.context["token"]
    rate_url = reverse("review:card-rate", args=[card.pk])
    assert student_client.post(rate_url, {"rating": "9", "token": token}).status_code == 400
    assert student_client.post(rate_url, {"rating": "3", "token": "nope"}).status_code == 400
    foreign = Card.objects.filter(student=other_student).first()
    assert (
        student_client.post(
            reverse("review:card-rate", args=[foreign.pk]), {"rating": "3", "token": token}
        ).status_code
        == 404
    )
    assert (
        student_client.post(reverse("review:card-answer", args=[foreign.pk]), {"token": token}).status_code
        == 404
    )
    assert (
        student_client.post(reverse("review:card-reveal", args=[foreign.pk]), {"token": token}).status_code
        == 404
    )
    empty = student_client.post(reverse("review:card-answer", args=[card.pk]), {"token": token})
    assert empty.status_code == 422
    assert Review.objects.count() == 0


def test_missed_quiz_questions_become_cards(student_client, loaded_banks, student):
    from quizzes.models import Attempt

    student_client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    attempt = Attempt.objects.get()
    for number in range(1, 4):
        question = Question.objects.get(pk=attempt.question_ids[number - 1])
        student_client.post(
            reverse("quizzes:attempt-question", args=[attempt.pk, number]),
            answer_form(question.current_revision, right=number == 1),
        )
    student_client.post(reverse("quizzes:attempt-finish", args=[attempt.pk]))
    added = Card.objects.filter(student=student)
    assert added.count() == 2 and set(added.values_list("source", flat=True)) == {Card.Source.MISSED}


@pytest.mark.parametrize(
    ("scope", "slug", "count"), [("course", "", 6), ("section", "beta", 3), ("quiz", "assessment", 3)]
)
def test_add_to_review_by_scope(student_client, loaded_banks, student, scope, slug, count):
    response = student_client.post(reverse("review:cards-add"), {"scope": scope, "slug": slug})
    assert response.status_code == 302
    assert Card.objects.filter(student=student).count() == count


def test_add_to_review_refuses_unknown_targets(student_client, loaded_banks):
    assert (
        student_client.post(reverse("review:cards-add"), {"scope": "planet", "slug": ""}).status_code == 400
    )
    assert (
        student_client.post(reverse("review:cards-add"), {"scope": "section", "slug": "nope"}).status_code
        == 404
    )
    response = student_client.post(
        reverse("review:cards-add"), {"scope": "course", "next": "https://evil.example/"}
    )
    assert response.url == reverse("review:session")


def test_settings_are_validated(student_client, student):
    url = reverse("review:settings")
    bad = student_client.post(
        url,
        {
            "desired_retention": "0.99",
            "new_per_day": "20",
            "max_reviews_per_day": "100",
            "time_zone": "Mars/Olympus",
        },
    )
    assert bad.status_code == 400
    assert not ReviewSettings.objects.filter(student=student, desired_retention=0.99).exists()
    good = student_client.post(
        url,
        {
            "desired_retention": "0.85",
            "new_per_day": "10",
            "max_reviews_per_day": "100",
            "time_zone": "America/Montreal",
            "review_kinds": "both",  # [R11]: the form's radio buttons always send one
            "learning_steps": "1m 10m",
            "relearning_steps": "10m",
            "maximum_interval": "36500",
        },
    )
    assert good.status_code == 302
    assert ReviewSettings.objects.get(student=student).time_zone == "America/Montreal"


@pytest.mark.parametrize("name", ["review:session", "review:progress", "review:settings"])
def test_review_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("count", [1, 40])
def test_the_review_steps_take_a_constant_number_of_queries(
    count, student_client, student, flashcards, django_assert_num_queries
):
    """The same queries with one card or many: the day's first rating and the next ones, the
    next card shown, and the page once nothing is left."""
    cards.cards_add(student=student, questions=flashcards(count))
    ReviewSettings.objects.create(student=student)
    url = reverse("review:session")
    student_client.get(url)  # the first visit starts a review session
    # session, user, settings, then the queue: the day's figures so far (its ReviewDay row), the
    # cards left by kind, the card to show (all are new: the first new one, with its question,
    # section and revision), the reviews of the session
    with django_assert_num_queries(7):
        page = student_client.get(url)
    card, token = page.context["card"], page.context["token"]
    rate_url = reverse("review:card-rate", args=[card.pk])
    # session, user, settings, savepoint, lock the card, the student's FSRS parameters, move it
    # on from the version the form showed, insert the review, add it to the day's row, release;
    # the day's first rating finds no row to add to: it inserts one and adds again
    with django_assert_num_queries(12):
        assert student_client.post(rate_url, {"rating": "1", "token": token}).status_code == 302
    Card.objects.filter(pk=card.pk).update(due=timezone.now())  # Again: due again at once, for the next round
    Card.objects.filter(student=student).exclude(pk=card.pk).update(  # and the others done for today
        state=Card.State.REVIEW,
        stability=10.0,
        last_review=timezone.now(),
        due=timezone.now() + dt.timedelta(days=9),
    )
    page = student_client.get(url)
    assert page.context["card"].pk == card.pk
    # the day's next ratings, of the last card left: the rating's 10 queries, then the queue's
    # (the day's figures, the counts left: none, so no card is read; the session's reviews) and
    # one more for when the next card is due
    with django_assert_num_queries(14):
        done = student_client.post(rate_url, {"rating": "4", "token": page.context["token"]}, **HTMX)
    assert done.context.get("card") is None and done.context["queue"].next_due is not None
    assert Review.objects.filter(card=card).count() == 2


def test_a_rating_whose_card_moved_on_after_it_was_read_records_nothing(loaded_banks, student, monkeypatch):
    """Another request's rating between the read of the card and its update (which the row lock
    prevents where there is one) is caught by the version check: one review, not two."""
    add_all(student)
    card = cards.next_card(student=student, now=MONDAY).card
    token = cards.card_token(card, shown_at=MONDAY)
    read_token = cards.read_token

    def meanwhile(token, *, card_id):
        Card.objects.filter(pk=card_id).update(version=F("version") + 1)  # another request rated it
        return read_token(token, card_id=card_id)

    monkeypatch.setattr(cards, "read_token", meanwhile)
    recorded = cards.review_record(student=student, card_id=card.pk, rating=3, token=token, now=MONDAY)
    assert recorded.review is None
    assert not Review.objects.exists() and not ReviewDay.objects.exists()
    assert Card.objects.get(pk=card.pk).last_review is None


COMMAND_BANK = """section: alpha
questions:
  - uid: alpha-cmd-pods-1
    kind: command
    prompt: "Listez les pods du namespace kube-system."
    answers: ["kubectl get pods -n kube-system"]
    explanation: "`-n` choisit le namespace."
"""


@pytest.mark.parametrize(
    ("typed", "suggested"), [("kubectl get po --namespace=kube-system", {3, 4}), ("kubectl get pods", {1})]
)
def test_hands_on_exercises_work_in_review(student_client, student, sections, tmp_path, typed, suggested):
    from quizzes.banks import bank_load

    (tmp_path / "alpha.yaml").write_text(COMMAND_BANK)
    bank_load([tmp_path / "alpha.yaml"])
    add_all(student)
    page = student_client.get(reverse("review:session"))
    card = page.context["card"]
    assert card.question.kind == "command" and 'name="command"' in page.content.decode()
    answered = student_client.post(
        reverse("review:card-answer", args=[card.pk]),
        {"command": typed, "token": page.context["token"]},
        **HTMX,
    )
    assert {r["value"] for r in answered.context["ratings"] if r["suggested"]} <= suggested
    rated = student_client.post(
        reverse("review:card-rate", args=[card.pk]),
        {"rating": str(min(suggested)), "token": answered.context["token"]},
        **HTMX,
    )
    assert rated.status_code == 200
    assert Review.objects.get().correct is (suggested != {1})


def test_an_answer_shown_before_the_question_was_corrected_is_not_graded(
    student_client, loaded_banks, student
):
    from django.utils.html import escape
    from django.utils.translation import override

    from quizzes.attempts import STALE_REVISION
    from quizzes.revisions import revision_apply

    add_all(student)
    page = student_client.get(reverse("review:session"))
    card, token = page.context["card"], page.context["token"]
    shown = card.question.current_revision
    form = answer_form(shown) | {"token": token}
    question = card.question
    revision_apply(
        question=question, prompt=shown.prompt + " (corrigée)", explanation=shown.explanation, spec=shown.spec
    )
    answered = student_client.post(reverse("review:card-answer", args=[card.pk]), form, **HTMX)
    assert answered.status_code == 422
    with override("fr"):
        assert escape(str(STALE_REVISION)) in answered.content.decode()
    assert "(corrigée)" in answered.content.decode()  # the card as it reads now
    assert "data-rating" not in answered.content.decode()  # no verdict, nothing to rate
    assert Review.objects.count() == 0
