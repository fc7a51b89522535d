"""What the browser tests share: keyboard moves, focus and layout checks, screenshots, test data."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from classes.models import Cohort
from quizzes import attempts
from quizzes.models import Attempt, Quiz
from review import cards as review
from review.models import Card
from tests.quizzes.helpers import answer_form

ROOT = Path(__file__).resolve().parents[2]
# Every run writes its screenshots to an ignored folder; SCREENSHOTS_DIR=docs/screenshots refreshes
# the ones the README shows (they change with dates and join codes, so not on every test run).
SCREENSHOTS = ROOT / os.environ.get("SCREENSHOTS_DIR", "tests/browser/screenshots/tmp")

# WCAG 2.2 AA (2.5.8) asks 24x24 CSS px for any target; the actions a student repeats all day
# (check my answer, next, a choice, a rating) get the comfortable 44x44 of WCAG 2.5.5 (AAA).
MIN_TARGET = 24
MIN_PRIMARY_TARGET = 44


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str) -> NoReturn:
    """A missing browser or tool: skip locally, fail in CI where the browser tests must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the browser tests must run here)", pytrace=False)
    pytest.skip(reason)


def shoot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    return path


def watch(page) -> list[str]:
    """Collect the page's script errors and console errors (a CSP violation is one)."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    return problems


# --- keyboard ------------------------------------------------------------------------------------


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def press_until_focused(page, locator, *, key: str = "Tab", limit: int = 40) -> None:
    """Press a key (Tab by default) until the element has the focus: how a keyboard user moves."""
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press(key)
    assert is_focused(locator), f"{limit} presses of {key} never reached {locator}"


def choose_radio(page, radio) -> None:
    """Tab into the radio group, arrow to the option, Space: a keyboard user picking one answer."""
    name = radio.get_attribute("name")
    press_until_focused(page, page.locator(f"input[type=radio][name='{name}']").first)
    press_until_focused(page, radio, key="ArrowDown", limit=10)
    page.keyboard.press("Space")
    assert radio.is_checked()


FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    element: element.outerHTML.slice(0, 120),
    focusVisible: element.matches(":focus-visible"),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth) || 0,
  };
}"""


def assert_focus_visible(page) -> None:
    ring = page.evaluate(FOCUS_RING)
    assert ring["focusVisible"] and ring["outline"] != "none" and ring["width"] >= 2, ring


def turn_card(page) -> None:
    """On the review page, get to the back of the card: reveal it, or answer it (the first choice)."""
    card = page.locator("#review-card")
    if card.locator("[data-key=reveal]").count():
        card.locator("[data-key=reveal]").click()
    else:
        card.locator("input[type=radio], input[type=checkbox]").first.check()
        card.locator("form.answer-form button[type=submit]").click()
    card.locator("[data-rating]").first.wait_for()


# --- layout --------------------------------------------------------------------------------------


OVERFLOW = "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"


def horizontal_overflow(page) -> float:
    """How far the page scrolls sideways, in CSS px (0 when it does not)."""
    return page.evaluate(OVERFLOW)


TARGETS = """([selector]) => [...document.querySelectorAll(selector)]
  .filter(element => element.getClientRects().length && getComputedStyle(element).visibility !== "hidden")
  .map(element => {
    const box = element.getBoundingClientRect();
    return {target: element.outerHTML.slice(0, 90), width: box.width, height: box.height};
  })"""


def small_targets(page, selector: str, minimum: float) -> list[dict]:
    return [t for t in page.evaluate(TARGETS, [selector]) if t["width"] < minimum or t["height"] < minimum]


# --- data ----------------------------------------------------------------------------------------


def take_quiz(student, slug: str, *, right: list[bool]) -> Attempt:
    """A student answers a quiz through the service functions, right or wrong in turn.

    The attempt is finished when every question got an answer, and left open otherwise.
    """
    attempt = attempts.attempt_start(student=student, quiz=Quiz.objects.get(slug=slug))
    for position, is_right in enumerate(right):
        revision = attempts.question_view(attempt, position).revision
        form = answer_form(revision, right=is_right)
        attempts.answer_submit(
            student=student,
            attempt_id=attempt.pk,
            position=position,
            revision_id=form.pop("revision"),
            form={key: value if isinstance(value, list) else [str(value)] for key, value in form.items()},
        )
    return attempts.attempt_finish(attempt=attempt) if len(right) == attempt.total else attempt


def review_cards(student, *, rating: int = 3, ago: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Rate every card the student has once, as if shown a while ago. Returns how many."""
    shown = timezone.now() - ago
    cards = list(Card.objects.filter(student=student))
    for card in cards:
        token = review.card_token(card, shown_at=shown)
        review.review_record(student=student, card_id=card.pk, rating=rating, token=token, now=shown)
    return len(cards)


# --- the pages to check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    """A class a few days in: what the phone and accessibility tests walk through."""

    student: User
    trainer: User
    cohort: Cohort
    finished: Attempt  # alpha, done: its result and each question's feedback
    open: Attempt  # beta: question 1 answered (feedback), question 2 (matching) waiting
    open_assessment: Attempt  # questions 1-2 answered, question 3 (ordering) waiting


def student_pages(school: School) -> dict[str, str]:
    """The main pages a student sees, by a name for messages: name -> path."""
    question = "quizzes:attempt-question"
    return {
        "home": reverse("home"),
        "quiz": reverse("quizzes:quiz-detail", args=["alpha"]),
        "question (matching)": reverse(question, args=[school.open.pk, 2]),
        "question (ordering)": reverse(question, args=[school.open_assessment.pk, 3]),
        "feedback (wrong, single choice)": reverse(question, args=[school.finished.pk, 1]),
        "feedback (right, several answers)": reverse(question, args=[school.finished.pk, 2]),
        "feedback (wrong, short answer)": reverse(question, args=[school.open.pk, 1]),
        "result": reverse("quizzes:attempt-result", args=[school.finished.pk]),
        "course": reverse("course:syllabus"),
        "course notes": reverse("course:section", args=["alpha"]),
        "review": reverse("review:session"),
        "progress": reverse("review:progress"),
        "review settings": reverse("review:settings"),
        "join a class": reverse("join"),
    }


def trainer_pages(school: School) -> dict[str, str]:
    pk = school.cohort.pk
    return {
        "my classes": reverse("trainer:cohort-list"),
        "new class": reverse("trainer:cohort-create"),
        "class": reverse("trainer:cohort-detail", args=[pk]),
        "overview": reverse("trainer:report-overview", args=[pk]),
        "heatmap": reverse("trainer:report-heatmap", args=[pk]),
        "heatmap tomorrow": reverse("trainer:report-heatmap", args=[pk]) + "?at=tomorrow",
        "activity": reverse("trainer:report-activity", args=[pk]),
        "errata": reverse("trainer:report-errata", args=[pk]),
        "item analysis": reverse("trainer:report-items", args=[pk, "alpha"]),
        # beta: nobody has finished it, the page says so
        "item analysis, no attempt yet": reverse("trainer:report-items", args=[pk, "beta"]),
        "student report": reverse("trainer:report-student", args=[pk, school.student.pk]),
    }


PUBLIC_PAGES = {"login": "/accounts/login/", "signup": "/accounts/signup/"}
