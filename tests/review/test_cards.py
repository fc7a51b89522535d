"""Reviewing cards: the queue, limits, recording once, a simulated week, progress figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from review import progress, cards as review, scheduling
from quizzes.models import Question
from review.models import Card, Review, ReviewDay, ReviewSettings
from tests.quizzes.helpers import answer_form

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _no_fuzz(settings):
    settings.REVIEW_FUZZ = False


def add_all(student, now=MONDAY, source=Card.Source.ADDED) -> int:
    return review.cards_add(student=student, questions=review.reviewable(Question.objects.all()), now=now, source=source)


def rate(student, card: Card, rating: int, now: dt.datetime):
    token = review.card_token(card, shown_at=now - dt.timedelta(seconds=12))
    return review.review_record(student=student, card_id=card.pk, rating=rating, token=token, now=now)


def test_adding_cards_is_idempotent_and_missed_ones_come_first(loaded_banks, student):
    assert add_all(student) == 6
    assert add_all(student) == 0
    missed = Question.objects.get(uid="beta-ordering-1")
    review.cards_add(student=student, questions=[missed], source=Card.Source.MISSED)
    queue = review.next_card(student=student, now=MONDAY)
    assert queue.card.question == missed
    assert (queue.due_left, queue.new_left) == (0, 6)


def test_due_cards_come_before_new_ones(loaded_banks, student):
    add_all(student)
    first = review.next_card(student=student, now=MONDAY).card
    rate(student, first, 1, MONDAY)  # Again: due again in a minute
    later = MONDAY + dt.timedelta(minutes=2)
    queue = review.next_card(student=student, now=later)
    assert queue.card.pk == first.pk
    assert queue.due_left == 1 and queue.new_left == 5


def test_new_cards_per_day_limit_resets_at_four_in_the_morning(loaded_banks, student):
    ReviewSettings.objects.create(student=student, new_per_day=2)
    add_all(student)
    now = MONDAY
    for _ in range(2):
        card = review.next_card(student=student, now=now).card
        rate(student, card, 4, now)  # Easy: graduates for days
        now += dt.timedelta(minutes=1)
    queue = review.next_card(student=student, now=now)
    assert queue.card is None and queue.new_left == 0
    assert review.next_card(student=student, now=MONDAY.replace(hour=23, minute=59) + dt.timedelta(hours=4)).card is None
    tuesday = (MONDAY + dt.timedelta(days=1)).replace(hour=4, minute=0)
    assert review.next_card(student=student, now=tuesday).new_left == 2


def test_maximum_reviews_per_day_caps_review_cards(loaded_banks, student):
    ReviewSettings.objects.create(student=student, max_reviews_per_day=1)
    add_all(student)
    for card in Card.objects.all():
        rate(student, card, 4, MONDAY)
    far = MONDAY + dt.timedelta(days=60)
    first = review.next_card(student=student, now=far)
    assert first.due_left == 1
    rate(student, first.card, 3, far)
    assert review.next_card(student=student, now=far + dt.timedelta(minutes=1)).card is None


def test_the_queue_leaves_out_retired_questions_and_tells_when_the_next_card_is_due(loaded_banks, student):
    add_all(student)
    for card in Card.objects.all():
        rate(student, card, 4, MONDAY)  # Easy: due again in days
    retired = Card.objects.order_by("pk").first()
    Card.objects.filter(pk=retired.pk).update(due=MONDAY + dt.timedelta(days=1))  # due first, but ...
    Question.objects.filter(pk=retired.question_id).update(active=False)  # ... its question is retired
    done = review.next_card(student=student, now=MONDAY + dt.timedelta(minutes=1))
    assert (done.card, done.due_left, done.new_left) == (None, 0, 0)
    others_due = Card.objects.exclude(pk=retired.pk).order_by("due").values_list("due", flat=True).first()
    assert done.next_due == others_due > MONDAY + dt.timedelta(days=1)
    queue = review.next_card(student=student, now=others_due)
    assert queue.card.pk != retired.pk and (queue.due_left, queue.new_left) == (5, 0)


def test_new_cards_of_retired_questions_are_not_counted(loaded_banks, student):
    assert add_all(student) == 6
    assert review.next_card(student=student, now=MONDAY).new_left == 6
    retired = Question.objects.order_by("pk")[:2]
    Question.objects.filter(pk__in=[q.pk for q in retired]).update(active=False)
    queue = review.next_card(student=student, now=MONDAY)
    assert queue.new_left == 4 and queue.card.question_id not in {q.pk for q in retired}


def test_the_queue_finds_retired_questions_through_their_partial_index(loaded_banks, student):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            explain = "EXPLAIN QUERY PLAN "
        else:  # on a table this small PostgreSQL would rather scan it: told not to, it must be able to use the index
            explain = "EXPLAIN "
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain + f"SELECT i.id FROM quizzes_question AS i WHERE {review._INACTIVE}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "question_inactive" in plan


def test_a_simulated_week_follows_the_library_schedule(loaded_banks, student):
    """Review every due card each morning for a week, always Good: dues equal fsrs's own."""
    add_all(student)
    now = MONDAY
    for day in range(7):
        now = (MONDAY + dt.timedelta(days=day)).replace(hour=9)
        for _ in range(50):
            queue = review.next_card(student=student, now=now)
            if queue.card is None:
                break
            before = review.card_state(queue.card)
            recorded = rate(student, queue.card, 3, now)
            expected = scheduling.review(card_id=queue.card.pk, state=before, rating=3, now=now, fuzz=False)
            assert recorded.card.due == expected.due
            assert recorded.card.stability == pytest.approx(expected.stability)
            now += dt.timedelta(minutes=11)  # past the 10-minute learning step
    assert Card.objects.filter(state=Card.State.REVIEW).count() == 6
    log = Review.objects.order_by("reviewed_at")
    assert log.count() >= 12  # two learning steps per card at least
    assert all(r.state_before and r.state_after for r in log)


def test_double_submit_records_one_review(loaded_banks, student):
    add_all(student)
    card = review.next_card(student=student, now=MONDAY).card
    token = review.card_token(card, shown_at=MONDAY)
    first = review.review_record(student=student, card_id=card.pk, rating=3, token=token, now=MONDAY)
    second = review.review_record(student=student, card_id=card.pk, rating=1, token=token, now=MONDAY)
    assert first.review is not None and second.review is None
    assert Review.objects.count() == 1
    assert Card.objects.get(pk=card.pk).version == 1


@pytest.mark.parametrize("rating", ["0", "5", "x", "", None])
def test_unknown_ratings_are_refused(loaded_banks, student, rating):
    add_all(student)
    card = Card.objects.first()
    with pytest.raises(review.ReviewError):
        review.review_record(student=student, card_id=card.pk, rating=rating,
                             token=review.card_token(card, shown_at=MONDAY), now=MONDAY)
    assert Review.objects.count() == 0


def test_a_forged_token_or_another_students_card_is_refused(loaded_banks, student, other_student):
    add_all(student)
    card = Card.objects.first()
    with pytest.raises(review.ReviewError):
        review.review_record(student=student, card_id=card.pk, rating=3, token="forged", now=MONDAY)
    other_card = Card.objects.exclude(pk=card.pk).first()
    with pytest.raises(review.ReviewError):  # a token for one card does not rate another
        review.review_record(student=student, card_id=other_card.pk, rating=3,
                             token=review.card_token(card, shown_at=MONDAY), now=MONDAY)
    with pytest.raises(review.CardNotFound):
        review.review_record(student=other_student, card_id=card.pk, rating=3,
                             token=review.card_token(card, shown_at=MONDAY), now=MONDAY)
    assert Review.objects.count() == 0


def test_progress_figures(loaded_banks, student):
    add_all(student)
    now = MONDAY
    cards = list(Card.objects.order_by("pk"))
    for card in cards[:4]:
        rate(student, card, 4, now)  # Easy: review state
    # Review two of them when due: one remembered, one forgotten.
    for index, rating in ((0, 3), (1, 1)):
        card = Card.objects.get(pk=cards[index].pk)
        rate(student, card, rating, card.due)
    latest = max(Card.objects.filter(last_review__isnull=False).values_list("last_review", flat=True))
    figures = progress.card_progress(student=student, now=MONDAY, tz="Europe/Paris", desired_retention=0.9)
    states = figures.states
    assert states == {"new": 2, "learning": 0, "review": 3, "relearning": 1, "total": 6}
    history = progress.day_figures(student=student, now=latest, tz="Europe/Paris")
    assert [(r["days"], r["total"], r["passed"], r["rate"]) for r in history.retention] == [(7, 2, 1, 0.5), (30, 2, 1, 0.5)]
    assert progress.day_figures(student=student, now=latest + dt.timedelta(days=8), tz="Europe/Paris").retention[0]["total"] == 0
    days = figures.forecast
    expected = [0] * 14
    for due in Card.objects.filter(last_review__isnull=False).values_list("due", flat=True):
        offset = (scheduling.review_day(due, "Europe/Paris") - days[0]["day"]).days
        if offset < 14:
            expected[max(0, offset)] += 1
    assert [d["count"] for d in days] == expected and sum(expected) >= 3
    assert history.streak == 1


def test_progress_forecast_days_bounds_and_inactive_questions(loaded_banks, student, other_student):
    """A card due at 04:00 belongs to that review day; overdue cards count for today, cards due
    from the end of the last day on for none; inactive questions and other students' cards are
    left out of every figure."""
    add_all(student)
    add_all(other_student)
    cards = list(Card.objects.filter(student=student).order_by("pk"))
    today = scheduling.review_day(MONDAY, "Europe/Paris")
    _start, end_today = scheduling.day_bounds(today, "Europe/Paris")
    _start, end_last = scheduling.day_bounds(today + dt.timedelta(days=13), "Europe/Paris")
    dues = [MONDAY - dt.timedelta(days=40), end_today - dt.timedelta(microseconds=1), end_today,
            end_last - dt.timedelta(seconds=1), end_last]
    for card, due in zip(cards, dues, strict=False):
        Card.objects.filter(pk=card.pk).update(state=Card.State.REVIEW, stability=5.0, due=due,
                                              last_review=MONDAY - dt.timedelta(days=3))
    Card.objects.filter(student=other_student).update(state=Card.State.REVIEW, stability=5.0, due=MONDAY,
                                                      last_review=MONDAY - dt.timedelta(days=1))
    inactive = cards[0].question
    Question.objects.filter(pk=inactive.pk).update(active=False)
    figures = progress.card_progress(student=student, now=MONDAY, tz="Europe/Paris", desired_retention=0.9)
    counts = [d["count"] for d in figures.forecast]
    assert counts[:2] == [1, 1] and counts[13] == 1 and sum(counts) == 3
    assert [d["day"] for d in figures.forecast][:2] == [today, today + dt.timedelta(days=1)]
    assert figures.states == {"new": 1, "learning": 0, "review": 4, "relearning": 0, "total": 5}
    studied = Counter(card.question.section_id for card in cards[1:5])
    recall = scheduling.retrievability(card_id=cards[1].pk, now=MONDAY, state=scheduling.CardState(
        state=Card.State.REVIEW, stability=5.0, due=MONDAY, last_review=MONDAY - dt.timedelta(days=3)))
    for section in figures.mastery:
        assert section.cards == studied[section.pk]
        assert section.recall == (pytest.approx(recall, rel=1e-9) if studied[section.pk] else None)


def test_streak_counts_consecutive_review_days(loaded_banks, student):
    add_all(student)
    card = Card.objects.first()
    for day in (0, 1, 2, 4, 5):
        moment = (MONDAY + dt.timedelta(days=day)).replace(hour=3, minute=30)  # 03:30 belongs to the day before
        rate(student, Card.objects.get(pk=card.pk), 3, moment)
    saturday_morning = (MONDAY + dt.timedelta(days=5)).replace(hour=10)
    assert progress.day_figures(student=student, now=saturday_morning, tz="Europe/Paris").streak == 2
    # Review days Sunday to Friday (the 03:30 reviews count for the day before): 2 to 4 make 3
    assert progress.day_figures(student=student, now=(MONDAY + dt.timedelta(days=2)).replace(hour=10),
                              tz="Europe/Paris").streak == 3
    assert progress.day_figures(student=student, now=MONDAY + dt.timedelta(days=30), tz="Europe/Paris").streak == 0


def test_the_daily_rollup_equals_the_log_and_a_rebuild(loaded_banks, student, other_student):
    """review_record keeps ReviewDay in step; rebuilding it from the Review log gives the same rows."""
    ReviewSettings.objects.create(student=other_student, time_zone="America/New_York")
    for who in (student, other_student):
        add_all(who)
    moment = MONDAY
    for step in range(12):  # new cards, then reviews when due, across days and both time zones
        for who in (student, other_student):
            card = review.next_card(student=who, now=moment).card or Card.objects.filter(student=who).order_by("due").first()
            rate(who, card, (1, 3, 4, 2)[step % 4], max(moment, card.due))
        moment += dt.timedelta(hours=9)

    def rows():
        return list(ReviewDay.objects.order_by("student_id", "day").values_list(
            "student_id", "day", "reviews", "new_cards", "recall_reviews", "recall_passed", "duration_ms"))

    kept = rows()
    assert sum(r[2] for r in kept) == Review.objects.count() == 24
    assert sum(r[3] for r in kept) == Card.objects.filter(last_review__isnull=False).count()  # first studies
    assert sum(r[4] for r in kept) == Review.objects.filter(state_before__state=Card.State.REVIEW).count() > 0
    assert len({r[1] for r in kept if r[0] == other_student.pk}) >= 2
    assert review.review_days_rebuild() == len(kept)
    assert rows() == kept


def test_mastery_in_the_database_equals_the_librarys_retrievability(loaded_banks, student):
    add_all(student)
    for card in Card.objects.filter(question__section__slug="alpha"):
        rate(student, card, 3, MONDAY - dt.timedelta(days=3))
        card.refresh_from_db()
        rate(student, card, 4, MONDAY - dt.timedelta(days=2, hours=23))
    now = MONDAY + dt.timedelta(days=9, hours=7)
    expected = [
        scheduling.retrievability(card_id=c.pk, state=review.card_state(c), now=now)
        for c in Card.objects.filter(question__section__slug="alpha")
    ]
    figures = progress.card_progress(student=student, now=now, tz="Europe/Paris", desired_retention=0.9)
    rows = {s.slug: s for s in figures.mastery}
    assert rows["alpha"].cards == 3
    assert rows["alpha"].recall == pytest.approx(sum(expected) / len(expected), rel=1e-9)
    assert rows["beta"].recall is None


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
            reverse("review:card-rate", args=[card.pk]), {"rating": "3", "token": answered.context["token"]}, **headers
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


def test_rating_twice_from_two_tabs_counts_once_and_shows_the_next_card(student_client, loaded_banks, student):
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
    assert student_client.post(reverse("review:card-rate", args=[foreign.pk]), {"rating": "3", "token": token}).status_code == 404
    assert student_client.post(reverse("review:card-answer", args=[foreign.pk]), {"token": token}).status_code == 404
    assert student_client.post(reverse("review:card-reveal", args=[foreign.pk]), {"token": token}).status_code == 404
    empty = student_client.post(reverse("review:card-answer", args=[card.pk]), {"token": token})
    assert empty.status_code == 422
    assert Review.objects.count() == 0


def test_missed_quiz_questions_become_cards(student_client, loaded_banks, student):
    from quizzes.models import Attempt

    student_client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    attempt = Attempt.objects.get()
    for number in range(1, 4):
        question = Question.objects.get(pk=attempt.question_ids[number - 1])
        student_client.post(reverse("quizzes:attempt-question", args=[attempt.pk, number]),
                            answer_form(question.current_revision, right=number == 1))
    student_client.post(reverse("quizzes:attempt-finish", args=[attempt.pk]))
    cards = Card.objects.filter(student=student)
    assert cards.count() == 2 and set(cards.values_list("source", flat=True)) == {Card.Source.MISSED}


@pytest.mark.parametrize(("scope", "slug", "count"), [("course", "", 6), ("section", "beta", 3), ("quiz", "assessment", 3)])
def test_add_to_review_by_scope(student_client, loaded_banks, student, scope, slug, count):
    response = student_client.post(reverse("review:cards-add"), {"scope": scope, "slug": slug})
    assert response.status_code == 302
    assert Card.objects.filter(student=student).count() == count


def test_add_to_review_refuses_unknown_targets(student_client, loaded_banks):
    assert student_client.post(reverse("review:cards-add"), {"scope": "planet", "slug": ""}).status_code == 400
    assert student_client.post(reverse("review:cards-add"), {"scope": "section", "slug": "nope"}).status_code == 404
    response = student_client.post(reverse("review:cards-add"), {"scope": "course", "next": "https://evil.example/"})
    assert response.url == reverse("review:session")


def test_progress_page_renders_with_a_chart(student_client, loaded_banks, student):
    add_all(student)
    html = student_client.get(reverse("review:progress")).content.decode()
    assert "<svg" in html and "Maîtrise par section" in html and "Alpha" in html


def test_progress_page_takes_a_constant_number_of_queries(student_client, loaded_banks, student,
                                                         django_assert_num_queries):
    add_all(student)
    ReviewSettings.objects.create(student=student)
    # The day's first page builds the snapshot: session, user, settings, the snapshot (none yet),
    # the sections, the cards, the review days before today, then the write: savepoint, delete
    # the old rows, insert the new ones, insert or replace the header, release.
    with django_assert_num_queries(12):
        page = student_client.get(reverse("review:progress"))
    assert page.context["states"]["total"] == 6
    # Later pages read it: session, user, settings, the snapshot with all it needs.
    with django_assert_num_queries(4):
        again = student_client.get(reverse("review:progress"))
    assert again.context["states"] == page.context["states"]


def test_settings_are_validated(student_client, student):
    url = reverse("review:settings")
    bad = student_client.post(url, {"desired_retention": "0.99", "new_per_day": "20", "max_reviews_per_day": "100",
                                    "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert not ReviewSettings.objects.filter(student=student, desired_retention=0.99).exists()
    good = student_client.post(url, {"desired_retention": "0.85", "new_per_day": "10", "max_reviews_per_day": "100",
                                     "time_zone": "America/Montreal"})
    assert good.status_code == 302
    assert ReviewSettings.objects.get(student=student).time_zone == "America/Montreal"


@pytest.mark.parametrize("name", ["review:session", "review:progress", "review:settings"])
def test_review_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_next_card_and_rating_take_a_constant_number_of_queries(student_client, loaded_banks, student,
                                                                django_assert_num_queries):
    add_all(student)
    ReviewSettings.objects.create(student=student)
    student_client.get(reverse("review:session"))  # the first visit starts a review session
    # next card: session, user, settings, then one statement for the counts (the queue's, today's,
    # the session's) and the card
    with django_assert_num_queries(4):
        page = student_client.get(reverse("review:session"))
    # rate: session, user, settings, savepoint, lock card, insert review, update card, add to the
    # day's rollup (the day's first rating too), move the card in the progress snapshot, release,
    # then the next card as above.
    for _ in range(3):
        card, token = page.context["card"], page.context["token"]
        with django_assert_num_queries(11):
            page = student_client.post(reverse("review:card-rate", args=[card.pk]), {"rating": "4", "token": token}, **HTMX)


COMMAND_BANK = """section: alpha
questions:
  - uid: alpha-cmd-pods-1
    kind: command
    prompt: "Listez les pods du namespace kube-system."
    answers: ["kubectl get pods -n kube-system"]
    explanation: "`-n` choisit le namespace."
"""


@pytest.mark.parametrize(("typed", "suggested"), [("kubectl get po --namespace=kube-system", {3, 4}),
                                                 ("kubectl get pods", {1})])
def test_hands_on_exercises_work_in_review(student_client, student, sections, tmp_path, typed, suggested):
    from quizzes.banks import bank_load

    (tmp_path / "alpha.yaml").write_text(COMMAND_BANK)
    bank_load([tmp_path / "alpha.yaml"])
    add_all(student)
    page = student_client.get(reverse("review:session"))
    card = page.context["card"]
    assert card.question.kind == "command" and 'name="command"' in page.content.decode()
    answered = student_client.post(reverse("review:card-answer", args=[card.pk]),
                                   {"command": typed, "token": page.context["token"]}, **HTMX)
    assert {r["value"] for r in answered.context["ratings"] if r["suggested"]} <= suggested
    rated = student_client.post(reverse("review:card-rate", args=[card.pk]),
                                {"rating": str(min(suggested)), "token": answered.context["token"]}, **HTMX)
    assert rated.status_code == 200
    assert Review.objects.get().correct is (suggested != {1})
