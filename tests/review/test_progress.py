"""The progress page: its figures are those worked out from the student's cards and review log,
at the moment of the page; mastery is the predicted recall now."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.urls import reverse

from course.models import Section
from quizzes.models import Question
from review import cards, progress, scheduling
from review.models import Card, Review, ReviewSettings
from tests.review.helpers import MONDAY, add_all, rate

pytestmark = pytest.mark.django_db
STATE_NAMES = {
    Card.State.LEARNING: "learning",
    Card.State.REVIEW: "review",
    Card.State.RELEARNING: "relearning",
}


def worked_out(student, now: dt.datetime, *, log_tz: str | None = None) -> tuple:
    """What the page should show, worked out card by card with the library and review by review
    from the log (the review days in `log_tz`, by default the student's time zone)."""
    prefs = cards.settings_for(student)
    tz = prefs.time_zone
    today = scheduling.review_day(now, tz)
    states = dict.fromkeys(progress.STATES, 0)
    forecast = [0] * progress.FORECAST_DAYS
    recalls = defaultdict(list)
    for card in Card.objects.filter(student=student, question__active=True).select_related("question"):
        if card.last_review is None:
            states["new"] += 1
            continue
        states[STATE_NAMES[card.state]] += 1
        offset = (scheduling.review_day(card.due, tz) - today).days
        if offset < progress.FORECAST_DAYS:
            forecast[max(0, offset)] += 1
        recalls[card.question.section_id].append(
            scheduling.retrievability(state=cards.card_state(card), now=now)
        )
    states["total"] = sum(states.values())
    mastery = [
        (s.slug, len(recalls[s.pk]), sum(recalls[s.pk]) / len(recalls[s.pk]) if recalls[s.pk] else None)
        for s in Section.objects.order_by("position")
    ]
    review_days = defaultdict(list)
    for review in Review.objects.filter(student=student):
        day = scheduling.review_day(review.reviewed_at, log_tz or tz)
        if day <= today:
            review_days[day].append(review)
    day = today if today in review_days else today - dt.timedelta(days=1)
    streak = 0
    while day in review_days:
        streak, day = streak + 1, day - dt.timedelta(days=1)
    retention = []
    for window in progress.WINDOWS:
        recall_reviews = [
            review
            for day, reviews in review_days.items()
            if (today - day).days < window
            for review in reviews
            if review.state_before["state"] == Card.State.REVIEW
        ]
        passed = sum(review.rating > 1 for review in recall_reviews)
        retention.append((window, len(recall_reviews), passed))
    return states, forecast, today, mastery, streak, retention


def shown(figures: progress.Progress) -> tuple:
    """The same figures as the page shows them."""
    mastery = [(s.slug, s.cards, s.recall) for s in figures.cards.mastery]
    retention = [(r["days"], r["total"], r["passed"]) for r in figures.days.retention]
    forecast = figures.cards.forecast
    return (
        figures.cards.states,
        [d["count"] for d in forecast],
        forecast[0]["day"],
        mastery,
        figures.days.streak,
        retention,
    )


def assert_same(actual: tuple, expected: tuple) -> None:
    """The figures are equal, the predicted recalls (the database's and the library's) to 1e-9."""
    *figures, mastery, streak, retention = actual
    *expected_figures, expected_mastery, expected_streak, expected_retention = expected
    assert (figures, streak, retention) == (expected_figures, expected_streak, expected_retention)
    assert [(slug, n) for slug, n, _recall in mastery] == [(slug, n) for slug, n, _recall in expected_mastery]
    for (slug, _n, recall), (_slug, _m, expected_recall) in zip(mastery, expected_mastery, strict=True):
        assert recall == (None if expected_recall is None else pytest.approx(expected_recall, rel=1e-9)), slug


def page(student, now: dt.datetime) -> progress.Progress:
    return progress.figures(student=student, now=now, prefs=cards.settings_for(student))


def review_due(student, now: dt.datetime, ratings: list[int]) -> int:
    """Rate the cards due now (new ones too), one rating after the other; how many were rated."""
    rated = 0
    for rating in ratings:
        card = cards.next_card(student=student, now=now).card
        if card is None:
            break
        rate(student, card, rating, now)
        rated += 1
        now += dt.timedelta(minutes=3)
    return rated


def test_the_figures_equal_those_worked_out_from_the_cards_over_days(loaded_banks, student, other_student):
    """Each day, before and after the day's ratings (every rating, new cards, lapses, relearning,
    cards moving between forecast days), the page shows what the cards and the log say; another
    student's ratings change nothing of it."""
    add_all(student)
    add_all(other_student)
    now = MONDAY
    pattern = [3, 1, 4, 2, 3, 1, 3, 4]
    rated = 0
    for day in range(12):
        assert_same(shown(page(student, now)), worked_out(student, now))
        rated += review_due(student, now, pattern[day % 3 :] + pattern[: day % 3])
        review_due(other_student, now, [1, 3])
        later = now + dt.timedelta(minutes=40)
        assert_same(shown(page(student, later)), worked_out(student, later))
        now += dt.timedelta(days=1, hours=(day % 3) - 1)
    assert rated > 12 and Review.objects.filter(student=student).count() == rated


@pytest.mark.parametrize(
    "change",
    ["a rating", "cards added", "time zone", "questions retired", "question moved", "section added"],
)
def test_the_figures_follow_every_change_at_once(loaded_banks, student, change, admin_client, sections):
    questions = list(Question.objects.order_by("pk"))
    cards.cards_add(student=student, questions=questions[:4], now=MONDAY)
    ReviewSettings.objects.create(student=student)
    rate(student, Card.objects.filter(student=student).order_by("pk").first(), 3, MONDAY)
    later = MONDAY + dt.timedelta(minutes=30)
    before = shown(page(student, later))
    log_tz = None
    if change == "a rating":
        rate(student, Card.objects.filter(student=student, last_review__isnull=True).first(), 4, MONDAY)
    elif change == "cards added":
        cards.cards_add(student=student, questions=questions[4:], now=MONDAY)
    elif change == "time zone":
        ReviewSettings.objects.filter(student=student).update(time_zone="America/Montreal")
        log_tz = "Europe/Paris"  # the daily rollup keeps the days of the zone the ratings were made in
    elif change == "questions retired":
        admin_client.post(
            reverse("admin:quizzes_question_changelist"),
            {"action": "deactivate", "_selected_action": [questions[0].pk]},
        )
        assert not Question.objects.get(pk=questions[0].pk).active
    elif change == "question moved":
        other = next(s for s in sections if s.pk != questions[0].section_id)
        admin_client.post(
            reverse("admin:quizzes_question_changelist"),
            {
                "action": "move_to_section",
                "_selected_action": [questions[0].pk],
                "apply": "1",
                "section": other.pk,
            },
        )
        assert Question.objects.get(pk=questions[0].pk).section == other
    elif change == "section added":
        Section.objects.create(course=sections[0].course, slug="gamma", position=99, title="Gamma")
    after = shown(page(student, later))
    assert after != before, change
    assert_same(after, worked_out(student, later, log_tz=log_tz))


def test_mastery_is_the_predicted_recall_now_falling_with_time_and_rising_with_a_review(
    loaded_banks, student
):
    add_all(student)
    alpha = list(Card.objects.filter(student=student, question__section__slug="alpha").order_by("pk"))
    for card in alpha:
        rate(student, card, 3, MONDAY - dt.timedelta(days=3))
        card.refresh_from_db()
        rate(student, card, 4, MONDAY - dt.timedelta(days=2, hours=23))
    recalls = []
    for moment in (MONDAY, MONDAY + dt.timedelta(days=4), MONDAY + dt.timedelta(days=9, hours=7)):
        figures = page(student, moment)
        assert_same(shown(figures), worked_out(student, moment))
        mastery = {s.slug: s for s in figures.cards.mastery}
        assert mastery["alpha"].cards == 3 and mastery["beta"].recall is None
        recalls.append(mastery["alpha"].recall)
    assert 1 > recalls[0] > recalls[1] > recalls[2] > 0
    later = MONDAY + dt.timedelta(days=9, hours=7)
    rate(student, Card.objects.get(pk=alpha[0].pk), 3, later)
    raised = {s.slug: s.recall for s in page(student, later).cards.mastery}["alpha"]
    assert raised > recalls[2]


def test_cards_by_state_forecast_and_true_retention(loaded_banks, student):
    add_all(student)
    now = MONDAY
    deck = list(Card.objects.order_by("pk"))
    for card in deck[:4]:
        rate(student, card, 4, now)  # Easy: review state
    # Review two of them when due: one remembered, one forgotten.
    for index, rating in ((0, 3), (1, 1)):
        card = Card.objects.get(pk=deck[index].pk)
        rate(student, card, rating, card.due)
    latest = max(Card.objects.filter(last_review__isnull=False).values_list("last_review", flat=True))
    figures = progress.card_progress(student=student, now=MONDAY, tz="Europe/Paris", parameters=None)
    assert figures.states == {"new": 2, "learning": 0, "review": 3, "relearning": 1, "total": 6}
    history = progress.day_figures(student=student, now=latest, tz="Europe/Paris")
    assert [(r["days"], r["total"], r["passed"], r["rate"]) for r in history.retention] == [
        (7, 2, 1, 0.5),
        (30, 2, 1, 0.5),
    ]
    eight_days_on = progress.day_figures(
        student=student, now=latest + dt.timedelta(days=8), tz="Europe/Paris"
    )
    assert eight_days_on.retention[0]["total"] == 0
    days = figures.forecast
    expected = [0] * 14
    for due in Card.objects.filter(last_review__isnull=False).values_list("due", flat=True):
        offset = (scheduling.review_day(due, "Europe/Paris") - days[0]["day"]).days
        if offset < 14:
            expected[max(0, offset)] += 1
    assert [d["count"] for d in days] == expected and sum(expected) >= 3
    assert history.streak == 1


def test_forecast_days_bounds_and_inactive_questions(loaded_banks, student, other_student):
    """A card due at 04:00 belongs to that review day; overdue cards count for today, cards due
    from the end of the last day on for none; inactive questions and other students' cards are
    left out of every figure."""
    add_all(student)
    add_all(other_student)
    deck = list(Card.objects.filter(student=student).order_by("pk"))
    today = scheduling.review_day(MONDAY, "Europe/Paris")
    _start, end_today = scheduling.day_bounds(today, "Europe/Paris")
    _start, end_last = scheduling.day_bounds(today + dt.timedelta(days=13), "Europe/Paris")
    dues = [
        MONDAY - dt.timedelta(days=40),
        end_today - dt.timedelta(microseconds=1),
        end_today,
        end_last - dt.timedelta(seconds=1),
        end_last,
    ]
    for card, due in zip(deck, dues, strict=False):
        Card.objects.filter(pk=card.pk).update(
            state=Card.State.REVIEW, stability=5.0, due=due, last_review=MONDAY - dt.timedelta(days=3)
        )
    Card.objects.filter(student=other_student).update(
        state=Card.State.REVIEW, stability=5.0, due=MONDAY, last_review=MONDAY - dt.timedelta(days=1)
    )
    Question.objects.filter(pk=deck[0].question_id).update(active=False)
    figures = progress.card_progress(student=student, now=MONDAY, tz="Europe/Paris", parameters=None)
    counts = [d["count"] for d in figures.forecast]
    assert counts[:2] == [1, 1] and counts[13] == 1 and sum(counts) == 3
    assert [d["day"] for d in figures.forecast][:2] == [today, today + dt.timedelta(days=1)]
    assert figures.states == {"new": 1, "learning": 0, "review": 4, "relearning": 0, "total": 5}
    studied = Counter(card.question.section_id for card in deck[1:5])
    recall = scheduling.retrievability(
        now=MONDAY,
        state=scheduling.CardState(
            state=Card.State.REVIEW, stability=5.0, due=MONDAY, last_review=MONDAY - dt.timedelta(days=3)
        ),
    )
    for section in figures.mastery:
        assert section.cards == studied[section.pk]
        assert section.recall == (pytest.approx(recall, rel=1e-9) if studied[section.pk] else None)


def test_streak_counts_consecutive_review_days(loaded_banks, student):
    add_all(student)
    card = Card.objects.first()
    for day in (0, 1, 2, 4, 5):
        moment = (MONDAY + dt.timedelta(days=day)).replace(
            hour=3, minute=30
        )  # 03:30 belongs to the day before
        rate(student, Card.objects.get(pk=card.pk), 3, moment)
    saturday_morning = (MONDAY + dt.timedelta(days=5)).replace(hour=10)
    assert progress.day_figures(student=student, now=saturday_morning, tz="Europe/Paris").streak == 2
    # Review days Sunday to Friday (the 03:30 reviews count for the day before): 2 to 4 make 3
    wednesday = (MONDAY + dt.timedelta(days=2)).replace(hour=10)
    assert progress.day_figures(student=student, now=wednesday, tz="Europe/Paris").streak == 3
    month_later = MONDAY + dt.timedelta(days=30)
    assert progress.day_figures(student=student, now=month_later, tz="Europe/Paris").streak == 0


def test_streak_and_retention_count_todays_reviews_with_the_days_before(loaded_banks, student):
    add_all(student)
    deck = list(Card.objects.filter(student=student).order_by("pk"))
    friday = MONDAY - dt.timedelta(days=3)
    for card in deck[:2]:
        rate(student, card, 4, friday)  # Easy: review state
    rate(student, deck[2], 3, friday + dt.timedelta(days=1))
    rate(student, deck[3], 3, friday + dt.timedelta(days=2))
    assert page(student, MONDAY).days.streak == 3  # Friday to Sunday: today has none yet
    for card, rating in ((deck[0], 3), (deck[1], 1)):  # cards in review state: true retention
        card.refresh_from_db()
        rate(student, card, rating, MONDAY)
    figures = page(student, MONDAY + dt.timedelta(minutes=1))
    assert figures.days.streak == 4
    assert [(r["days"], r["total"], r["passed"]) for r in figures.days.retention] == [(7, 2, 1), (30, 2, 1)]


# --- the page ----------------------------------------------------------------------------------


def test_progress_page_renders_with_a_chart(student_client, loaded_banks, student):
    add_all(student)
    html = student_client.get(reverse("review:progress")).content.decode()
    assert "<svg" in html and "Maîtrise par section" in html and "Alpha" in html


def test_the_mastery_table_shows_each_section_from_the_cards_now(student_client, loaded_banks, student):
    """A row a section: its link, escaped title, cards studied and recall as a meter and a
    percentage, or a dash when none is studied; a rating shows on the next page."""
    Section.objects.filter(slug="beta").update(title="Bêta <script>")
    add_all(student)
    url = reverse("review:progress")
    html = student_client.get(url).content.decode()
    assert "<meter" not in html and html.count('<span class="muted">—</span>') == 2
    assert "Bêta &lt;script&gt;" in html and "Bêta <script>" not in html
    alpha = Card.objects.filter(student=student, question__section__slug="alpha").order_by("pk").first()
    session = student_client.get(reverse("review:session"))
    assert session.context["card"].pk == alpha.pk
    student_client.post(
        reverse("review:card-rate", args=[alpha.pk]), {"rating": "3", "token": session.context["token"]}
    )
    response = student_client.get(url)
    html = response.content.decode()
    row = next(s for s in response.context["mastery"] if s.slug == "alpha")
    assert row.cards == 1 and row.recall == pytest.approx(1.0)  # reviewed a moment ago
    assert f'<a href="{reverse("course:section", args=["alpha"])}">Alpha</a>' in html
    assert '<td class="num">1</td>' in html
    assert 'optimum="1" value="1.00"></meter> 100 %' in html  # a dot in the value, whatever the language
    assert html.count('<span class="muted">—</span>') == 1


@pytest.mark.parametrize("count", [1, 40])
def test_progress_page_takes_a_constant_number_of_queries(
    count, student_client, student, flashcards, django_assert_num_queries
):
    deck = flashcards(count)
    cards.cards_add(student=student, questions=deck)
    ReviewSettings.objects.create(student=student)
    session = student_client.get(reverse("review:session"))
    student_client.post(
        reverse("review:card-rate", args=[session.context["card"].pk]),
        {"rating": "4", "token": session.context["token"]},
    )
    # session, user, settings, the student's FSRS parameters, the sections, the student's cards
    # grouped by section, the review days of the last year
    with django_assert_num_queries(7):
        response = student_client.get(reverse("review:progress"))
    assert response.context["states"] == {
        "new": count - 1,
        "learning": 0,
        "review": 1,
        "relearning": 0,
        "total": count,
    }
    assert response.context["streak"] == 1
