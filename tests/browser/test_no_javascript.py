"""With JavaScript off, every form is a plain post: a student still finishes a quiz and a review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt
from review.models import Review
from tests.browser.helpers import watch


@pytest.fixture
def page(new_context, log_in, student, banks):
    context = new_context(java_script_enabled=False)
    log_in(context, student)
    return context.new_page()


def test_without_javascript_a_student_completes_a_quiz_and_a_review(page, url, student):
    problems = watch(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url("quizzes:quiz-detail", "alpha"))
    page.get_by_role("button", name="Commencer").click()
    page.wait_for_url(re.compile(r"/q/1/$"))

    # Each answer posts the form and comes back to the same question, now with its feedback.
    answers = {1: "ClusterRole", 2: "kubelet", 3: "Faux"}  # wrong, partly right, right
    for number, label in answers.items():
        expect(page.locator(".progress-label")).to_contain_text(f"{number} sur 3")
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Vérifier ma réponse").click()
        page.wait_for_url(re.compile(rf"/q/{number}/$"))
        expect(page.locator("#question-card .verdict")).to_be_visible()
        if number < 3:
            page.get_by_role("link", name=re.compile("Question suivante")).click()
    expect(page.locator("#question-card")).to_have_class(re.compile(r"\bis-right\b"))
    page.get_by_role("button", name="Voir mon résultat").click()
    page.wait_for_url(re.compile(r"/result/$"))
    expect(page.locator(".score-big")).to_have_text("50 %")  # 0 + 1/2 + 1 out of 3
    assert Attempt.objects.get(student=student).finished_at is not None

    # The two questions missed are now cards; add gamma's flashcards, then review everything.
    page.goto(url("course:section", "gamma"))
    page.get_by_role("button", name="Ajouter à mes révisions").click()
    page.goto(url("review:session"))
    card = page.locator("#review-card")
    for _ in range(8):
        if card.get_by_text("Tout est fait pour l'instant !").count():
            break
        reveal = card.get_by_role("button", name="Afficher la réponse")
        if reveal.count():
            reveal.click()
            expect(card.locator(".flashcard-back")).to_be_visible()
        else:
            card.locator("input[type=radio], input[type=checkbox]").first.check()
            card.get_by_role("button", name="Vérifier ma réponse").click()
            expect(card.locator(".verdict")).to_be_visible()
        card.get_by_role("button", name=re.compile("Correct")).click()
    expect(card).to_contain_text("5 cartes révisées")
    assert Review.objects.filter(student=student).count() == 5
    assert not any("htmx" in request for request in requests)  # no script was even fetched
    assert problems == []
