"""A trainer creates a class, sets a quiz, opens every report, looks at tomorrow's topic mastery
and downloads it as CSV for a spreadsheet."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from classes import cohorts
from quizzes.models import Quiz
from tests.browser.helpers import review_cards, shoot, take_quiz, watch

# Who answers what (True = right), per section quiz: a strong, a middling and a weak student.
RESULTS = {
    "ana": {"alpha": [True, True, True], "beta": [True, True, True], "gamma": [True]},
    "bruno": {"alpha": [False, True, False], "beta": [True, False, True], "gamma": [False]},
    "chloe": {"alpha": [False, False, False], "beta": [False, True, False]},
}


def local(moment: dt.datetime) -> str:
    """The value a datetime-local input takes, in the trainer's (Paris) time."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_trainer_creates_a_class_and_reads_every_report(page, url, banks, trainer, user_factory):
    problems = watch(page)
    page.goto(url("login"))
    page.locator("#id_username").fill("trainer")
    page.locator("#id_password").fill("pass-word-123")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Mes classes").click()
    page.get_by_role("link", name="Nouvelle classe").click()
    page.locator("#id_name").fill("Promo décembre")
    page.locator("#id_starts_on").fill("2026-12-07")
    page.locator("#id_ends_on").fill("2026-12-11")
    page.get_by_role("button", name="Créer la classe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promo décembre")
    code = page.locator(".join-code code").inner_text()
    expect(page.locator(".messages")).to_contain_text(code)

    # Three students join with the code and work (set up directly, the student journeys test the pages).
    for name, quizzes in RESULTS.items():
        student = user_factory(username=name)
        cohorts.cohort_join(student=student, code=code)
        for slug, right in quizzes.items():
            take_quiz(student, slug, right=right)
        review_cards(student, ago=dt.timedelta(days=3))  # cards of the questions missed, rated once

    page.reload()
    expect(page.get_by_role("heading", name="3 étudiants")).to_be_visible()
    now = timezone.now()
    page.locator("#id_quiz").select_option(str(Quiz.objects.get(slug="alpha").pk))
    page.locator("#id_opens_at").fill(local(now - dt.timedelta(days=1)))
    page.locator("#id_due_at").fill(local(now + dt.timedelta(days=7)))
    page.get_by_role("button", name="Assigner").click()
    reports = page.get_by_role("navigation", name="Rapports")

    reports.get_by_role("link", name="Vue d'ensemble").click()
    overview = page.locator("table.report")
    expect(overview.get_by_role("row", name=re.compile("^ana"))).to_contain_text(re.compile(r"100\s%"))
    expect(overview.get_by_role("row", name=re.compile("^chloe"))).to_contain_text(re.compile(r"0\s%"))

    reports.get_by_role("link", name="Maîtrise par thème").click()
    heatmap = page.locator("table.heatmap")
    expect(heatmap.locator("tbody tr")).to_have_count(3)
    expect(heatmap.locator("td.heat-0").first).to_be_visible()  # chloe's weak sections
    page.get_by_role("link", name="Demain 09:00").click()
    page.wait_for_url(re.compile(r"\?at=tomorrow$"))
    expect(page.get_by_role("link", name="Demain 09:00")).to_have_attribute("aria-current", "true")
    shoot(page, "trainer-heatmap.png", full_page=True)
    with page.expect_download() as download_info:
        page.locator(".csv-links").get_by_role("link", name="virgules", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith("-tomorrow.csv")
    content = download.path().read_bytes()
    assert content.decode("utf-8").startswith(
        "\ufeffétudiant,alpha : bonnes réponses %,beta : bonnes réponses %,gamma : bonnes réponses %,"
    )
    assert len(content.decode("utf-8-sig").splitlines()) == 4  # the header and three students
    with page.expect_download() as download_info:
        page.locator(".csv-links").get_by_role("link", name="Excel français", exact=False).click()
    excel = download_info.value
    assert excel.suggested_filename.endswith("-tomorrow-excel-fr.csv")
    assert "bruno;33,3;66,7;0;" in excel.path().read_bytes().decode("utf-8-sig")

    reports.get_by_role("link", name="Activité").click()
    expect(page.locator("svg.chart")).to_have_count(2)
    reports.get_by_role("link", name="Errata du cours").click()
    expect(page.locator(".erratum")).to_contain_text("Le cours écrit cm.")
    reports.get_by_role("link", name="Classe").click()
    page.get_by_role("link", name="Analyse des questions").click()
    items = page.locator("table.items")
    expect(page.locator("table.items > tbody > tr")).to_have_count(3)
    expect(items).to_contain_text("alpha-single-1")
    reports.get_by_role("link", name="Vue d'ensemble").click()
    page.get_by_role("link", name="bruno").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("bruno")
    expect(page.locator("details:not(.chart-data)")).to_have_count(3)  # bruno's three attempts
    assert problems == []
