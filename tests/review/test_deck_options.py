"""A student's deck options, as Anki's: steps, limits, maximum interval, desired retention and
rescheduling; and the predicted recall students and trainers see, moving hour by hour."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from review import cards, progress, scheduling
from review.models import Card, ReviewDay, ReviewSettings
from tests.review.helpers import MONDAY, PARIS, add_all, rate

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def settings_form(**changes) -> dict:
    """The settings page's form as a browser posts it, with the defaults, and `changes`."""
    form = {
        "review_kinds": "both",
        "new_per_day": "20",
        "max_reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "desired_retention": "0.9",
        "maximum_interval": "36500",
        "time_zone": "Europe/Paris",
    }
    form.update({name: str(value) for name, value in changes.items()})
    return {name: value for name, value in form.items() if value != "None"}


def in_review(card: Card, *, due: dt.datetime, stability: float = 10.0, last_review=None) -> None:
    Card.objects.filter(pk=card.pk).update(
        state=Card.State.REVIEW,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=due,
        last_review=last_review or due - dt.timedelta(days=round(stability)),
    )


# --- steps ----------------------------------------------------------------------------------------


def test_custom_learning_steps_schedule_new_cards(loaded_banks, student):
    ReviewSettings.objects.create(student=student, learning_steps="2m 15m 1h")
    add_all(student)
    card = cards.next_card(student=student, now=MONDAY).card
    dues, now = [], MONDAY
    for _ in range(3):
        card = rate(student, card, 3, now).card
        dues.append(card.due - now)
        if card.state != Card.State.REVIEW:
            now = card.due
    assert dues[:2] == [dt.timedelta(minutes=15), dt.timedelta(hours=1)]
    assert card.state == Card.State.REVIEW  # past its last step: in review, due from 04:00 on a later day
    assert card.due == scheduling.day_bounds(scheduling.review_day(card.due, PARIS), PARIS)[0] > now


def test_without_learning_steps_a_new_card_goes_straight_to_review(loaded_banks, student):
    ReviewSettings.objects.create(student=student, learning_steps="", relearning_steps="")
    add_all(student)
    card = rate(student, cards.next_card(student=student, now=MONDAY).card, 1, MONDAY).card
    assert (
        card.state == Card.State.REVIEW
        and card.due >= scheduling.day_bounds(scheduling.review_day(MONDAY, PARIS) + DAY, PARIS)[0]
    )


def test_a_relearning_card_comes_back_on_its_step_before_the_days_reviews(loaded_banks, student):
    """Relearning steps of 5 minutes then 1 hour: the forgotten card is shown when each step is
    up, before the reviews due that day, however many are waiting."""
    ReviewSettings.objects.create(student=student, relearning_steps="5m 1h")
    add_all(student)
    deck = list(Card.objects.order_by("pk"))
    for card in deck:
        in_review(card, due=MONDAY - dt.timedelta(days=2))
    forgotten = rate(student, cards.next_card(student=student, now=MONDAY).card, 1, MONDAY).card
    assert forgotten.state == Card.State.RELEARNING and forgotten.due == MONDAY + dt.timedelta(minutes=5)
    # four minutes later: still waiting, the reviews come
    assert cards.next_card(student=student, now=MONDAY + dt.timedelta(minutes=4)).card.pk != forgotten.pk
    back = cards.next_card(student=student, now=MONDAY + dt.timedelta(minutes=5))
    assert back.card.pk == forgotten.pk and back.due_left == len(deck)
    second = rate(student, back.card, 3, MONDAY + dt.timedelta(minutes=5)).card
    assert second.due == MONDAY + dt.timedelta(minutes=65) and second.state == Card.State.RELEARNING
    assert cards.next_card(student=student, now=second.due).card.pk == forgotten.pk


# --- daily limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ignore", "reviews_done", "new_done", "expected"),
    [
        # limit 10, 6 reviews due: 4 new cards at most, unless they ignore the review limit
        (False, 0, 0, (6, 4)),
        (True, 0, 0, (6, 5)),
        # new cards studied count towards the review limit
        (False, 0, 3, (6, 1)),
        (False, 5, 0, (5, 0)),
        (True, 5, 0, (5, 5)),
        (False, 10, 0, (0, 0)),
        (True, 10, 0, (0, 5)),
    ],
)
def test_new_cards_and_the_review_limit(ignore, reviews_done, new_done, expected):
    prefs = ReviewSettings(new_per_day=5, max_reviews_per_day=10, new_ignores_review_limit=ignore)
    done = {"reviews": reviews_done, "new": new_done}
    review_room, new_room = cards.daily_rooms(prefs, done=done, reviews_due=6)
    assert (min(review_room, 6), new_room) == (expected[0], min(expected[1], 5 - new_done))


def test_the_queue_keeps_new_cards_within_the_review_limit(loaded_banks, student):
    """Six cards: four due in review, two new. A limit of 5 reviews leaves room for one new."""
    prefs = ReviewSettings.objects.create(student=student, max_reviews_per_day=5, new_per_day=10)
    add_all(student)
    for card in Card.objects.order_by("pk")[:4]:
        in_review(card, due=MONDAY - DAY)
    queue = cards.next_card(student=student, now=MONDAY)
    assert (queue.due_left, queue.new_left) == (4, 1)
    prefs.new_ignores_review_limit = True
    prefs.save()
    queue = cards.next_card(student=student, now=MONDAY)
    assert (queue.due_left, queue.new_left) == (4, 2)
    # the four reviews done and one new card studied: the limit is reached, no more new cards
    ReviewDay.objects.create(
        student=student, day=scheduling.review_day(MONDAY, PARIS), reviews=5, new_cards=1, recall_reviews=4
    )
    Card.objects.filter(pk__in=Card.objects.order_by("pk")[:4].values("pk")).update(due=MONDAY + 9 * DAY)
    prefs.new_ignores_review_limit = False
    prefs.save()
    queue = cards.next_card(student=student, now=MONDAY)
    assert (queue.card, queue.due_left, queue.new_left) == (None, 0, 0)


# --- maximum interval, retention, rescheduling -----------------------------------------------------


def test_the_maximum_interval_caps_review_intervals(loaded_banks, student):
    ReviewSettings.objects.create(student=student, maximum_interval=3)
    add_all(student)
    card = Card.objects.order_by("pk").first()
    in_review(card, due=MONDAY, stability=200.0)
    after = rate(student, Card.objects.get(pk=card.pk), 4, MONDAY).card
    assert after.due == scheduling.day_bounds(scheduling.review_day(MONDAY, PARIS) + 3 * DAY, PARIS)[0]


def test_rescheduling_moves_review_cards_to_the_new_retention(loaded_banks, student, settings):
    settings.REVIEW_FUZZ = True
    prefs = ReviewSettings.objects.create(student=student)
    add_all(student)
    deck = list(Card.objects.order_by("pk"))
    for card in deck[:4]:
        in_review(card, due=MONDAY - DAY, stability=20.0)
    for card in deck[:4]:
        rate(student, Card.objects.get(pk=card.pk), 3, MONDAY)
    rate(student, Card.objects.get(pk=deck[4].pk), 3, MONDAY)  # a new card: on its learning step
    before = dict(Card.objects.values_list("pk", "due"))
    # the same settings: every due date is already what they give
    assert cards.cards_reschedule(student=student) == 0
    prefs.desired_retention = 0.8
    prefs.save()
    assert cards.cards_reschedule(student=student) == 4
    after = dict(Card.objects.values_list("pk", "due"))
    for card in Card.objects.filter(pk__in=[c.pk for c in deck[:4]]):
        assert after[card.pk] > before[card.pk]  # lower retention, longer intervals
        # as if rated with the new retention at the last review (the same fuzz draw)
        options = scheduling.options_for(prefs)
        state = cards.card_state(card)
        expected = scheduling.rescheduled_due(
            card_id=card.pk, state=state, options=options, reps=card.version - 1
        )
        assert after[card.pk] == expected
    assert after[deck[4].pk] == before[deck[4].pk] and after[deck[5].pk] == before[deck[5].pk]


def test_a_rating_then_a_reschedule_with_the_same_options_agree(loaded_banks, student, settings):
    """The due a rating stores is the one rescheduling computes, fuzz and all."""
    settings.REVIEW_FUZZ = True
    add_all(student)
    for card in Card.objects.order_by("pk"):
        in_review(card, due=MONDAY - DAY, stability=40.0)
        rate(student, Card.objects.get(pk=card.pk), 3, MONDAY)
    assert cards.cards_reschedule(student=student) == 0


# --- the settings page ----------------------------------------------------------------------------


def test_the_settings_page_shows_every_option_in_french(student_client, student):
    with translation.override("fr"):
        html = student_client.get(reverse("review:settings"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for name in (
        "learning_steps",
        "relearning_steps",
        "maximum_interval",
        "new_ignores_review_limit",
        "reschedule",
    ):
        assert f'name="{name}"' in html
    assert "Étapes de réapprentissage" in html and "Intervalle maximal (jours)" in html
    assert 'value="1m 10m"' in html and "Replanifier mes cartes" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"learning_steps": "1m 10x"}, "learning_steps", "« 10x » n'est pas une étape"),
        ({"relearning_steps": "45d"}, "relearning_steps", "de 1 minute à 30 jours"),
        ({"learning_steps": " ".join(["1m"] * 11)}, "learning_steps", "10 étapes au plus"),
        ({"maximum_interval": "0"}, "maximum_interval", "supérieure ou égale à 1"),
        ({"maximum_interval": "40000"}, "maximum_interval", "inférieure ou égale à 36500"),
        ({"maximum_interval": "dix"}, "maximum_interval", "nombre entier"),
        ({"desired_retention": "0.99"}, "desired_retention", "0.97"),
        ({"max_reviews_per_day": "0"}, "max_reviews_per_day", "supérieure ou égale à 1"),
        ({"new_per_day": "-1"}, "new_per_day", "supérieure ou égale à 0"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Fuseau horaire inconnu"),
    ],
)
def test_bad_settings_get_a_french_message_and_save_nothing(student_client, student, changes, field, message):
    url = reverse("review:settings")
    prefs = cards.settings_for(student)
    with translation.override("fr"):
        page = student_client.post(
            url, settings_form(**({"new_per_day": 7} | changes)), HTTP_ACCEPT_LANGUAGE="fr"
        )
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field]), errors[field]
    assert not ReviewSettings.objects.filter(student=student).exists()  # the defaults stay unsaved
    assert (prefs.new_per_day, prefs.learning_steps, prefs.relearning_steps) == (20, "1m 10m", "10m")


def test_good_settings_are_saved_with_the_steps_written_back(student_client, student):
    url = reverse("review:settings")
    form = settings_form(
        learning_steps=" 1m,10M  1h 1j",
        relearning_steps="",
        maximum_interval=365,
        new_ignores_review_limit="on",
    )
    assert student_client.post(url, form).status_code == 302
    prefs = ReviewSettings.objects.get(student=student)
    assert (prefs.learning_steps, prefs.relearning_steps) == ("1m 10m 1h 1d", "")
    assert prefs.maximum_interval == 365 and prefs.new_ignores_review_limit
    options = scheduling.options_for(prefs)
    assert options.relearning_steps == () and options.learning_steps[-1] == DAY


def test_a_first_save_posted_twice_at_once_updates_the_row_rather_than_failing(
    student_client, student, monkeypatch
):
    """Two first posts of the settings both read no row: the later insert meets the row the
    other one inserted since, and updates it with its own values."""
    monkeypatch.setattr(cards, "settings_for", lambda student: ReviewSettings(student=student))  # read: none
    ReviewSettings.objects.create(student=student, new_per_day=5)  # the other post's, inserted since
    response = student_client.post(reverse("review:settings"), settings_form(new_per_day=7, reschedule="on"))
    assert response.status_code == 302
    assert list(ReviewSettings.objects.filter(student=student).values_list("new_per_day", flat=True)) == [7]


def test_saving_unsaved_settings_twice_keeps_one_row_with_the_last_values(student):
    cards.settings_save(ReviewSettings(student=student, new_per_day=5))
    saved = cards.settings_save(ReviewSettings(student=student, new_per_day=7))
    assert saved.pk == ReviewSettings.objects.get(student=student).pk
    assert ReviewSettings.objects.get(student=student).new_per_day == 7


@pytest.mark.parametrize("reschedule", [False, True])
def test_changing_the_retention_reschedules_only_when_asked(
    student_client, student, loaded_banks, reschedule
):
    add_all(student)
    card = Card.objects.order_by("pk").first()
    in_review(card, due=MONDAY + 5 * DAY, stability=30.0, last_review=MONDAY - 10 * DAY)
    form = settings_form(desired_retention="0.8", **({"reschedule": "on"} if reschedule else {}))
    response = student_client.post(reverse("review:settings"), form, follow=True)
    assert ReviewSettings.objects.get(student=student).desired_retention == 0.8
    card.refresh_from_db()
    prefs = ReviewSettings.objects.get(student=student)
    moved = scheduling.rescheduled_due(
        card_id=card.pk, state=cards.card_state(card), options=scheduling.options_for(prefs), fuzz=False
    )
    assert moved != MONDAY + 5 * DAY
    assert card.due == (moved if reschedule else MONDAY + 5 * DAY)
    assert ("1 carte replanifiée" in response.content.decode()) == reschedule


# --- predicted recall, hour by hour ---------------------------------------------------------------


def test_mastery_moves_between_now_and_tomorrow_morning(loaded_banks, student):
    """A card just failed: its predicted recall is below 100 % an hour later and lower still
    at 09:00 the next day (counted in whole days it stayed at 100 % for 24 hours)."""
    add_all(student)
    card = Card.objects.order_by("pk").first()
    in_review(card, due=MONDAY, stability=10.0)
    rate(student, Card.objects.get(pk=card.pk), 1, MONDAY)
    section = card.question.section_id

    def recall(at):
        figures = progress.card_progress(student=student, now=at, tz="Europe/Paris")
        return next(s.recall for s in figures.mastery if s.pk == section)

    tomorrow_nine = dt.datetime.combine(MONDAY.date() + DAY, dt.time(9), tzinfo=PARIS)
    now, later, tomorrow = recall(MONDAY), recall(MONDAY + dt.timedelta(hours=1)), recall(tomorrow_nine)
    assert now == pytest.approx(1.0) and 1.0 > later > tomorrow
    state = cards.card_state(Card.objects.get(pk=card.pk))
    assert tomorrow == pytest.approx(scheduling.retrievability(state=state, now=tomorrow_nine), rel=1e-9)


def test_the_trainer_heatmap_tomorrow_morning_differs_from_now(
    loaded_banks, student, trainer, cohort_factory
):
    from classes import reports

    cohort = cohort_factory(trainer=trainer, students=[student])
    add_all(student)
    card = Card.objects.order_by("pk").first()
    in_review(card, due=MONDAY, stability=10.0)
    rate(student, Card.objects.get(pk=card.pk), 1, MONDAY)
    state = cards.card_state(Card.objects.get(pk=card.pk))
    tomorrow = reports.tomorrow_morning(MONDAY)
    cells = {}
    for at in (MONDAY + dt.timedelta(hours=2), tomorrow):
        _students, sections, grid = reports.heatmap(cohort, at=at)
        section = next(s for s in sections if s.pk == card.question.section_id)
        cells[at] = grid[(student.pk, section.pk)].recall
        assert cells[at] == pytest.approx(scheduling.retrievability(state=state, now=at), rel=1e-9)
    assert cells[MONDAY + dt.timedelta(hours=2)] > cells[tomorrow]


@pytest.mark.parametrize("count", [1, 30])
def test_rescheduling_takes_the_same_queries_for_one_card_or_many(
    count, student, flashcards, django_assert_num_queries
):
    prefs = ReviewSettings.objects.create(student=student, desired_retention=0.8)
    cards.cards_add(student=student, questions=flashcards(count), now=MONDAY)
    for card in Card.objects.all():
        in_review(card, due=MONDAY, stability=30.0)
    # the student's FSRS parameters, savepoint, the review cards (locked), one update of them
    # all, release
    with django_assert_num_queries(5):
        assert cards.cards_reschedule(student=student, prefs=prefs) == count


def test_steps_saved_around_the_validation_fall_back_to_the_defaults(loaded_banks, student, student_client):
    ReviewSettings.objects.create(student=student)
    ReviewSettings.objects.filter(student=student).update(learning_steps="10x", relearning_steps="oops")
    options = scheduling.options_for(ReviewSettings.objects.get(student=student))
    assert (options.learning_steps, options.relearning_steps) == (
        scheduling.DEFAULT_OPTIONS.learning_steps,
        scheduling.DEFAULT_OPTIONS.relearning_steps,
    )
    add_all(student)
    page = student_client.get(reverse("review:session"))
    assert page.status_code == 200 and page.context["card"] is not None
