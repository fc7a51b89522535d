"""The progress snapshot: ratings keep it equal to the figures worked out from the cards, and it
is rebuilt whenever it may no longer hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from quizzes import banks
from review import progress, cards as review, scheduling
from quizzes.models import Question
from review.models import Card, ProgressSection, ProgressSnapshot, ReviewSettings
from tests.review.test_cards import MONDAY, add_all, rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_fuzz(settings):
    settings.REVIEW_FUZZ = False


def from_scratch(student, now: dt.datetime) -> tuple:
    """What the page would show, worked out from the cards and the rollup."""
    prefs = review.settings_for(student)
    today = scheduling.review_day(now, prefs.time_zone)
    cards = progress.card_progress(student=student, now=now, tz=prefs.time_zone, desired_retention=prefs.desired_retention,
                                   recall_at=progress.recall_moment(today, prefs.time_zone))
    days = progress.day_figures(student=student, now=now, tz=prefs.time_zone)
    return shown(progress.Progress(cards=cards, days=days))


def shown(figures: progress.Progress) -> tuple:
    cards = figures.cards
    mastery = [(s.slug, s.cards, None if s.recall is None else round(s.recall, 9)) for s in cards.mastery]
    return cards.states, [d["count"] for d in cards.forecast], cards.forecast[0]["day"], mastery, \
        figures.days.streak, figures.days.retention


def page(student, now: dt.datetime) -> progress.Progress:
    return progress.figures(student=student, now=now, prefs=review.settings_for(student))


def review_due(student, now: dt.datetime, ratings: list[int]) -> int:
    """Rate the cards due now (new ones too), one rating after the other; how many were rated."""
    rated = 0
    for rating in ratings:
        card = review.next_card(student=student, now=now).card
        if card is None:
            break
        rate(student, card, rating, now)
        rated += 1
        now += dt.timedelta(minutes=3)
    return rated


def test_ratings_keep_the_snapshot_equal_to_the_cards_over_days(loaded_banks, student, other_student):
    """Each day: the first page builds the snapshot, the day's ratings (every rating, new cards,
    lapses, relearning, cards moving between forecast days) move it, and every page after them
    reads it and shows what the cards say."""
    add_all(student)
    add_all(other_student)
    now = MONDAY
    pattern = [3, 1, 4, 2, 3, 1, 3, 4]
    rebuilt_days = 0
    for day in range(12):
        first = page(student, now)
        rebuilt_days += first.rebuilt
        assert shown(first) == from_scratch(student, now)
        rated = review_due(student, now, pattern[day % 3:] + pattern[:day % 3])
        review_due(other_student, now, [1, 3])  # another student's ratings move only theirs
        later = now + dt.timedelta(minutes=40)
        again = page(student, later)
        assert not again.rebuilt, f"day {day}: the snapshot should have held after {rated} ratings"
        assert shown(again) == from_scratch(student, later)
        now += dt.timedelta(days=1, hours=(day % 3) - 1)
    assert rebuilt_days == 12  # once a review day, by its first page
    assert ProgressSection.objects.filter(student=student).exclude(applied=0).exists()


def test_the_page_reads_the_snapshot_and_a_new_day_rebuilds_it(student_client, loaded_banks, student):
    add_all(student)
    rate(student, Card.objects.filter(student=student).first(), 4, MONDAY - dt.timedelta(days=2))
    url = reverse("review:progress")
    first = student_client.get(url)
    assert ProgressSnapshot.objects.get(student=student).day == scheduling.review_day(dt.datetime.now(dt.UTC), "Europe/Paris")
    # Figures the page can only have read from the snapshot: it does not look at the cards again.
    ProgressSection.objects.filter(student=student).update(new=40)
    doctored = student_client.get(url)
    assert doctored.context["states"]["new"] == 40 * ProgressSection.objects.filter(student=student).count()
    ProgressSnapshot.objects.filter(student=student).update(day=MONDAY.date() - dt.timedelta(days=30))
    rebuilt = student_client.get(url)
    assert rebuilt.context["states"] == first.context["states"]


@pytest.mark.parametrize("change", ["cards added", "settings", "time zone", "a rating not counted",
                                    "questions retired", "question moved", "section added"])
def test_a_snapshot_that_may_no_longer_hold_is_rebuilt(loaded_banks, student, change, admin_client, sections):
    questions = list(Question.objects.order_by("pk"))
    review.cards_add(student=student, questions=questions[:4], now=MONDAY)
    ReviewSettings.objects.create(student=student)
    rate(student, Card.objects.filter(student=student).first(), 3, MONDAY)
    assert page(student, MONDAY).rebuilt and not page(student, MONDAY).rebuilt
    if change == "cards added":
        review.cards_add(student=student, questions=questions[4:], now=MONDAY)
    elif change == "settings":
        ReviewSettings.objects.filter(student=student).update(desired_retention=0.8)
    elif change == "time zone":
        ReviewSettings.objects.filter(student=student).update(time_zone="America/Montreal")
    elif change == "a rating not counted":
        # A rating that raced with a rebuild: counted in the day's rollup, not in the snapshot.
        card = Card.objects.filter(student=student, last_review__isnull=True).first()
        ProgressSection.objects.filter(student=student).delete()
        rate(student, card, 4, MONDAY + dt.timedelta(minutes=5))
        ProgressSection.objects.bulk_create(  # put back as they were before the rating
            ProgressSection(student=student, section=s) for s in sections
        )
    elif change == "questions retired":
        admin_client.post(reverse("admin:quizzes_question_changelist"),
                          {"action": "deactivate", "_selected_action": [questions[0].pk]})
        assert not Question.objects.get(pk=questions[0].pk).active
    elif change == "question moved":
        other = next(s for s in sections if s.pk != questions[0].section_id)
        admin_client.post(reverse("admin:quizzes_question_changelist"),
                          {"action": "move_to_section", "_selected_action": [questions[0].pk], "apply": "1",
                           "section": other.pk})
        assert Question.objects.get(pk=questions[0].pk).section == other
    elif change == "section added":
        type(sections[0]).objects.create(course=sections[0].course, slug="gamma", position=99, title="Gamma")
    later = MONDAY + dt.timedelta(minutes=30)
    figures = page(student, later)
    assert figures.rebuilt, change
    assert shown(figures) == from_scratch(student, later)
    assert not page(student, later).rebuilt


def test_a_rating_of_a_retired_question_leaves_the_snapshot_to_be_rebuilt(loaded_banks, student):
    add_all(student)
    page(student, MONDAY)
    card = Card.objects.filter(student=student).first()
    Question.objects.filter(pk=card.question_id).update(active=False)  # behind the app's back
    ProgressSnapshot.objects.update()  # (no forget: only the rating's count can tell)
    rate(student, card, 3, MONDAY)
    assert not ProgressSection.objects.filter(student=student).exclude(applied=0).exists()
    figures = page(student, MONDAY + dt.timedelta(minutes=1))
    assert figures.rebuilt and shown(figures) == from_scratch(student, MONDAY + dt.timedelta(minutes=1))


def test_loading_a_bank_forgets_every_snapshot(loaded_banks, student, other_student):
    for who in (student, other_student):
        add_all(who)
        page(who, MONDAY)
    assert ProgressSnapshot.objects.count() == 2
    banks.questions_changed()
    assert ProgressSnapshot.objects.count() == 0


def test_streak_and_retention_add_todays_reviews_to_the_days_before(loaded_banks, student):
    add_all(student)
    cards = list(Card.objects.filter(student=student).order_by("pk"))
    friday = MONDAY - dt.timedelta(days=3)
    for card in cards[:2]:
        rate(student, card, 4, friday)  # Easy: review state
    rate(student, cards[2], 3, friday + dt.timedelta(days=1))
    rate(student, cards[3], 3, friday + dt.timedelta(days=2))
    assert page(student, MONDAY).days.streak == 3  # Friday to Sunday: today has none yet
    for card, rating in ((cards[0], 3), (cards[1], 1)):  # cards in review state: true retention
        card.refresh_from_db()
        rate(student, card, rating, MONDAY)
    later = MONDAY + dt.timedelta(minutes=1)
    figures = page(student, later)
    assert not figures.rebuilt and figures.days.streak == 4
    assert [(r["days"], r["total"], r["passed"]) for r in figures.days.retention] == [(7, 2, 1), (30, 2, 1)]
    assert figures.days == progress.day_figures(student=student, now=later, tz="Europe/Paris")
