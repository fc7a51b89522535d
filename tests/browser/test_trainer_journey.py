"""A trainer creates a class, sets a quiz, opens every report, looks at tomorrow's topic mastery
and downloads it as CSV for a spreadsheet. Then, on the demo class `make run` seeds, a trainer
signs in and finds, on a laptop and on a phone, the weakest topic, the miskeyed question and the
student who is behind (the README's trainer screenshots come from here)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from classes import cohorts, demo
from classes.models import Cohort
from quizzes.models import Quiz
from tests.browser.helpers import horizontal_overflow, review_cards, shoot, take_quiz, watch
from tests.browser.test_accessibility import serious_violations

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


# --- the demo class ---------------------------------------------------------------------------------

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
STICKY_LEFT = """() => {
  const wrap = document.querySelector(".heatmap").closest(".table-wrap");
  const first = () => document.querySelector(".heatmap tbody th.sticky").getBoundingClientRect().left;
  const before = first();
  wrap.scrollLeft = wrap.scrollWidth;
  return {before, after: first(), scrolled: wrap.scrollLeft, scrolls: wrap.scrollWidth > wrap.clientWidth};
}"""


@pytest.fixture
def demo_class(transactional_db) -> Cohort:
    """What `make run` sets up: the course, the real banks, the demo accounts and class, two weeks of
    work."""
    call_command("load_course", verbosity=0)
    call_command("load_banks", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return Cohort.objects.get(join_code="KUBEJ234")


def sign_in_as_the_trainer(page, url) -> None:
    page.goto(url("login"))
    page.locator("#id_username").fill("formateur")
    page.locator("#id_password").fill("rappel-formateur")
    page.get_by_role("button", name="Se connecter").click()


def test_on_the_demo_a_trainer_finds_the_weak_topic_the_wrong_key_and_who_is_behind(
    new_context, url, demo_class, axe_source
):
    for device, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = new_context(viewport=viewport)
        context.add_init_script(script=axe_source)
        page = context.new_page()
        problems = watch(page)
        prefix = "" if device == "laptop" else "phone-"
        sign_in_as_the_trainer(page, url)
        # A trainer lands on their class, not on a student's quizzes.
        page.wait_for_url(re.compile(rf"/trainer/cohorts/{demo_class.pk}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Démo — Jour 1")
        reports = page.get_by_role("navigation", name="Rapports")

        # The weakest topic: named above the heatmap, whose student column stays in view.
        reports.get_by_role("link", name="Maîtrise par thème").click()
        expect(page.locator(".weakest")).to_contain_text("Les ressources Kubernetes")
        expect(page.locator("table.heatmap tbody tr")).to_have_count(len(demo.STUDENTS) + 2)
        expect(page.locator("table.heatmap tfoot")).to_contain_text("Toute la classe")
        sticky = page.evaluate(STICKY_LEFT)
        if sticky["scrolls"]:
            assert sticky["scrolled"] > 0 and sticky["after"] == sticky["before"], sticky
            expect(page.locator(".scroll-hint")).to_be_visible()
        assert horizontal_overflow(page) == 0  # only the table scrolls sideways, not the page
        assert serious_violations(page) == []
        page.evaluate("() => { document.querySelector('.heatmap').closest('.table-wrap').scrollLeft = 0; }")
        shoot(page, f"{prefix}trainer-heatmap.png", full_page=device == "laptop")

        # The miskeyed question: first of the questions to check, the top third avoiding the key.
        reports.get_by_role("link", name="Classe").click()
        row = page.get_by_role("row", name=re.compile(re.escape(demo.DEMO_QUIZ_TITLE)))
        row.get_by_role("link", name="Analyse des questions").click()
        flagged = page.locator(".to-check .flagged-question").filter(has_text=demo.MISKEY_UID)
        expect(flagged.locator(".flags")).to_contain_text("Discrimination négative")
        key_row = flagged.locator("table.picks tr.key")
        expect(key_row).to_have_count(1)
        top, middle, bottom = (int(key_row.locator("td").nth(i).inner_text()) for i in (1, 2, 3))
        assert top < bottom, (top, middle, bottom)
        expect(page.locator(".stats-table")).to_contain_text("Coefficient de cohérence interne")
        expect(page.locator(".stats-table")).to_contain_text(re.compile(r"\d+,\d\d\s%"))
        assert horizontal_overflow(page) == 0
        assert serious_violations(page) == []
        flagged.scroll_into_view_if_needed()
        shoot(page, f"{prefix}trainer-items.png")

        # Who is behind: one late attempt, everything else missing.
        reports.get_by_role("link", name="Vue d'ensemble").click()
        zoe = page.get_by_role("row", name=re.compile("^zoe"))
        expect(zoe.locator(".badge.bad")).to_have_count(2)
        expect(zoe.locator(".badge.warn")).to_have_count(1)
        zoe.get_by_role("link", name="zoe").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("zoe")
        expect(page.locator("details.attempt")).to_have_count(1)  # her one attempt
        assert serious_violations(page) == []
        assert problems == []
        context.close()
