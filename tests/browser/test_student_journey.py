"""A student's morning with the keyboard only: sign up with the class code, take a section quiz,
read the feedback and the notes it links to, come back to the unfinished quiz, review cards with
Space and 1-4, and look at the progress page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from quizzes.models import Attempt
from review.models import Review
from tests.browser.helpers import (
    assert_focus_visible,
    choose_radio,
    press_until_focused,
    shoot,
    watch,
)

PASSWORD = "un-long-mot-de-passe-42"


@pytest.fixture
def cohort(banks, trainer, cohort_factory):
    return cohort_factory(trainer=trainer, name="Promo novembre")


def sign_up(page, url, *, code: str) -> None:
    page.goto(url("signup"))
    page.locator("#id_username").fill("camille")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_join_code").fill(code.lower())  # codes are read aloud: case does not matter
    page.keyboard.press("Enter")
    page.wait_for_url(url("home"))


def submit_answer(page) -> None:
    """Tab to "Check my answer", Enter, and wait for htmx to swap in the feedback."""
    press_until_focused(page, page.locator("#question-card button[type=submit]"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#question-card .verdict")).to_be_visible()


def test_a_student_signs_up_quizzes_reviews_and_sees_progress_with_the_keyboard(page, url, cohort):
    problems = watch(page)
    sign_up(page, url, code=cohort.join_code)
    expect(page.locator(".messages")).to_contain_text("Promo novembre")
    student = User.objects.get(username="camille")
    assert cohort.enrolments.filter(student=student).exists()

    # Start the section quiz from the home page: Tab to its button, Enter.
    row = page.locator("tr", has=page.get_by_role("link", name="Ressources et noms courts", exact=True))
    press_until_focused(page, row.get_by_role("button"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/1/$"))
    expect(page.locator(".progress-label")).to_contain_text("1 sur 3")

    # Question 1 (single choice): arrow to a wrong answer on purpose, to read why it is wrong.
    choose_radio(page, page.get_by_role("radio", name="CustomResourceDefinition"))
    assert_focus_visible(page)
    shoot(page, "quiz-question.png")
    submit_answer(page)
    card = page.locator("#question-card")
    expect(card).to_have_class(re.compile(r"\bis-wrong\b"))
    expect(card.locator(".choice.right")).to_contain_text("ConfigMap")
    expect(card).to_contain_text("Son nom court est crd")  # the picked choice's own feedback
    expect(card.locator(".explanation")).to_contain_text("nom court de configmaps")
    next_link = page.get_by_role("link", name=re.compile("Question suivante"))
    expect(next_link).to_be_focused()  # autofocus, once htmx swapped the feedback in
    shoot(page, "quiz-feedback.png", full_page=True)

    # Follow the link to the notes: the section's notes, with its table of short names.
    press_until_focused(page, card.locator(".explanation a"))
    page.keyboard.press("Enter")
    page.wait_for_url(url("course:section", "alpha"))
    expect(page.locator("#notes h1")).to_have_text("Ressources et noms courts")
    expect(page.locator("#notes table")).to_contain_text("svc")

    # The quiz was left half-way: home shows "Reprendre", which goes back to question 2.
    press_until_focused(page, page.get_by_role("link", name="Mes quiz", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url(url("home"))
    resume = row.get_by_role("button")
    expect(resume).to_have_text("Reprendre")
    press_until_focused(page, resume)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/2/$"))
    assert Attempt.objects.filter(student=student).count() == 1

    # Question 2 (several answers): Tab through the boxes in page order, Space on the right ones.
    for box in page.locator("input[name=choices]").all():
        press_until_focused(page, box)
        label = box.locator("xpath=..").inner_text()
        if "kubelet" in label or "CRI" in label:
            page.keyboard.press("Space")
    submit_answer(page)
    expect(card).to_have_class(re.compile(r"\bis-right\b"))
    expect(next_link).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/3/$"))

    # Question 3 (true or false), then "See my result" has the focus: Enter.
    choose_radio(page, page.locator("input[name=answer][value=false]"))
    submit_answer(page)
    finish = page.get_by_role("button", name="Voir mon résultat")
    expect(finish).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/result/$"))
    expect(page.locator(".score-big")).to_have_text("67 %")

    # Add the gamma section (flashcards) to the review; the missed question is already there.
    page.goto(url("course:section", "gamma"))
    press_until_focused(page, page.get_by_role("button", name="Ajouter à mes révisions"))
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_be_visible()
    page.goto(url("review:session"))

    review_card = page.locator("#review-card")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    kinds_seen = []
    for _ in range(6):
        if review_card.get_by_role("heading", name="Tout est fait pour l'instant !").count():
            break
        expect(review_card.locator(".prompt")).to_be_visible()
        if review_card.locator("[data-key=reveal]").count():
            kinds_seen.append("flashcard")
            reveal = review_card.locator("[data-key=reveal]")
            expect(reveal).to_be_focused()  # autofocus, also once htmx swapped this card in
            page.keyboard.press("Shift+Tab")  # off the button: Space must reveal from anywhere
            expect(reveal).not_to_be_focused()
            page.keyboard.press("Space")
            expect(review_card.locator(".flashcard-back")).to_be_visible()
            if kinds_seen.count("flashcard") == 1:
                shoot(page, "review-card.png")
        else:
            kinds_seen.append("graded")
            choose_radio(page, review_card.locator("input[type=radio]").first)
            press_until_focused(page, review_card.get_by_role("button", name="Vérifier ma réponse"))
            page.keyboard.press("Enter")
            expect(review_card.locator(".verdict")).to_be_visible()
        expect(review_card.locator("[data-rating]")).to_have_count(4)
        with page.expect_response(re.compile(r"/rate/$")):
            page.keyboard.press("3")
        expect(review_card.locator("[data-rating]")).to_have_count(0)
    assert sorted(kinds_seen) == ["flashcard", "flashcard", "graded", "graded"]
    # One request per key press: a shortcut must not also fire the focused button's own click.
    assert [sum(f"/{step}/" in post for post in posts) for step in ("reveal", "answer", "rate")] == [2, 2, 4]
    expect(review_card).to_contain_text("4 cartes révisées")
    assert Review.objects.filter(student=student, rating=3).count() == 4

    press_until_focused(page, page.get_by_role("link", name="Ma progression"))
    page.keyboard.press("Enter")
    page.wait_for_url(url("review:progress"))
    expect(page.locator(".stats")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Total"))).to_contain_text("4")
    expect(page.locator("svg.chart")).to_be_visible()
    shoot(page, "progress.png", full_page=True)
    assert problems == []
