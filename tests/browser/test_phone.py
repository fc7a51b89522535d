"""On a phone (390x844 CSS px, touch): no page scrolls sideways, and every button is big enough
to tap: 44x44 for the actions a student repeats (answer, next, a choice, a rating), and at
least WCAG 2.2's 24x24 for any other button or button-like link."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    MIN_PRIMARY_TARGET,
    MIN_TARGET,
    PUBLIC_PAGES,
    horizontal_overflow,
    shoot,
    small_targets,
    student_pages,
    trainer_pages,
    turn_card,
)

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PRIMARY = ".button.primary, .choice, button.rating, main select, main input:is([type=text], [type=password])"
ANY_BUTTON = "button, .button, input[type=submit], .nav a, .report-nav a"


@pytest.fixture
def phone(new_context, log_in):
    def open_as(user=None):
        context = new_context(**PHONE)
        if user is not None:
            log_in(context, user)
        return context.new_page()

    return open_as


def measure(page) -> list[str]:
    problems = []
    if (overflow := horizontal_overflow(page)) > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    problems += [f"small primary target {t}" for t in small_targets(page, PRIMARY, MIN_PRIMARY_TARGET)]
    problems += [f"small target {t}" for t in small_targets(page, ANY_BUTTON, MIN_TARGET)]
    return problems


def check(page, url: str) -> list[str]:
    assert page.goto(url).ok, url
    return measure(page)


def test_on_a_phone_no_page_scrolls_sideways_and_buttons_are_big_enough(phone, live_server, school):
    found: dict[str, list[str]] = {}
    page = phone(school.student)
    for name, path in student_pages(school).items():
        found[name] = check(page, live_server.url + path)
        if name == "question (matching)":
            shoot(page, "phone-question.png")
    # The back of a review card: the answer and the four rating buttons.
    page.goto(live_server.url + student_pages(school)["review"])
    turn_card(page)
    found["review, answer shown"] = measure(page)

    page = phone(school.trainer)
    for name, path in trainer_pages(school).items():
        found[name] = check(page, live_server.url + path)
    page = phone()
    for name, path in PUBLIC_PAGES.items():
        found[name] = check(page, live_server.url + path)

    problems = [f"{name}: {issue}" for name, issues in found.items() for issue in issues]
    assert not problems, "\n".join(problems)
