"""The trainer's desk: where each role lands after signing in, and the item analysis read in ten
seconds (a wrong key shown by who picked what, figures explained with their units, too few
attempts said rather than flagged, an empty quiz said plainly), with its query budget."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from django.template.defaultfilters import floatformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from classes import reports, stats, trainer_views
from quizzes.models import Question, Quiz
from tests.quizzes.helpers import set_key, take_quiz

pytestmark = pytest.mark.django_db


# --- landing by role ------------------------------------------------------------------------------


def login_lands_on(client: Client, username: str) -> str:
    response = client.post(reverse("login"), {"username": username, "password": "pass-word-123"})
    assert response.status_code == 302 and response["Location"] == reverse("landing")
    return client.get(reverse("landing"))["Location"]


def test_a_student_lands_on_their_quizzes(user_factory, client):
    user_factory(username="ann")
    assert login_lands_on(client, "ann") == reverse("home")


def test_a_trainer_of_one_class_lands_on_it_of_several_on_the_list(trainer, cohort_factory, client):
    assert login_lands_on(client, "trainer") == reverse("trainer:cohort-list")  # no class yet
    cohort = cohort_factory(trainer=trainer)
    assert client.get(reverse("landing"))["Location"] == reverse("trainer:cohort-detail", args=[cohort.pk])
    cohort_factory(trainer=trainer, name="Autre")
    assert client.get(reverse("landing"))["Location"] == reverse("trainer:cohort-list")


def test_editors_and_admins_land_on_the_question_bank(user_factory, client):
    from quizzes.signals import grant_editor_permissions

    editor = user_factory(username="ed", groups=("editors",), is_staff=True)
    grant_editor_permissions(sender=None, app_config=type("C", (), {"label": "quizzes"})())
    assert editor.has_perm("quizzes.change_question")
    assert login_lands_on(client, "ed") == reverse("admin:quizzes_question_changelist")
    other = Client()
    user_factory(username="root", is_staff=True, is_superuser=True)
    assert login_lands_on(other, "root") == reverse("admin:quizzes_question_changelist")


def test_a_next_given_to_the_login_still_wins(trainer, client):
    url = reverse("home")
    response = client.post(
        f"{reverse('login')}?next={url}", {"username": "trainer", "password": "pass-word-123"}
    )
    assert response["Location"] == url


def test_the_site_root_sends_people_to_their_landing(client):
    assert client.get("/")["Location"] == reverse("landing")
    assert client.get(reverse("landing"))["Location"].startswith(reverse("login"))


# --- item analysis ----------------------------------------------------------------------------------


@pytest.fixture
def miskeyed(loaded_banks, trainer, user_factory, cohort_factory):
    """alpha-single-1's key names ClusterRole when ConfigMap is right; twelve students: the four
    strong ones pick ConfigMap and get the rest right, the eight others get the rest wrong, four
    picking CustomResourceDefinition, four ClusterRole."""
    question = Question.objects.get(uid="alpha-single-1")
    set_key(question, "ClusterRole")
    strong = [user_factory(username=f"strong{n}") for n in range(4)]
    middle = [user_factory(username=f"middle{n}") for n in range(4)]
    weak = [user_factory(username=f"weak{n}") for n in range(4)]
    cohort = cohort_factory(trainer=trainer, students=strong + middle + weak)
    for student in strong:
        take_quiz(student, "alpha", pick="ConfigMap", others_right=True)
    for student in middle:
        take_quiz(student, "alpha", pick="CustomResourceDefinition", others_right=False)
    for student in weak:
        take_quiz(student, "alpha", pick="ClusterRole", others_right=False)
    return cohort, question


def test_who_picked_each_choice_by_thirds_shows_a_wrong_key(miskeyed):
    cohort, question = miskeyed
    _test, items = reports.item_analysis(cohort, Quiz.objects.get(slug="alpha"), which="all")
    row = next(item for item in items if item.question == question)
    assert row.group_sizes == (4, 4, 4)
    picks = {c["text"]: (c["correct"], c["by_group"]) for c in row.choices}
    # The top third (best on the rest of the quiz) all picked a choice the key marks wrong; the
    # eight others tie on the rest, so which of them is "middle" or "bottom" is not asserted.
    assert picks["ConfigMap"] == (False, [4, 0, 0])
    for text, key in (("CustomResourceDefinition", False), ("ClusterRole", True)):
        correct, (top, middle, bottom) = picks[text]
        assert (correct, top, middle + bottom) == (key, 0, 4)
    assert stats.NEGATIVE_DISCRIMINATION in row.stats.flags and not row.too_few


def test_the_page_puts_the_flagged_question_first_with_its_reason_in_french_and_its_tools(
    miskeyed, trainer_client, trainer, client, user_factory
):
    cohort, question = miskeyed
    url = reverse("trainer:report-items", args=[cohort.pk, "alpha"])
    html = trainer_client.get(url, {"attempts": "all"}).content.decode()
    to_check = html[html.index('class="card to-check"') : html.index("<h2>Le quiz</h2>")]
    assert "Quelle ressource désigne cm ?" in to_check
    assert "Discrimination négative" in to_check  # translated in Python, not {% translate var %}
    assert "Tiers supérieur (4)" in to_check
    # A trainer without the editors' rights is told who can fix it; an editor gets the links.
    assert reverse("admin:quizzes_question_regrade", args=[question.pk]) not in html
    assert "Un rédacteur peut la prévisualiser" in to_check
    editor = user_factory(username="both", groups=("trainers", "editors"), is_staff=True)
    from quizzes.signals import grant_editor_permissions

    grant_editor_permissions(sender=None, app_config=type("C", (), {"label": "quizzes"})())
    cohort.trainers.add(editor)
    client.force_login(editor)
    html = client.get(url, {"attempts": "all"}).content.decode()
    for name in ("quizzes_question_preview", "quizzes_question_change", "quizzes_question_regrade"):
        assert reverse(f"admin:{name}", args=[question.pk]) in html


def test_quiz_figures_have_units_moodle_percentages_and_their_meaning(miskeyed, trainer_client):
    cohort, _question = miskeyed
    test, _items = reports.item_analysis(cohort, Quiz.objects.get(slug="alpha"), which="all")
    html = trainer_client.get(reverse("trainer:report-items", args=[cohort.pk, "alpha"])).content.decode()
    with translation.override("fr"):  # as Moodle shows it: a percentage, 64,15 %
        alpha = floatformat(100 * test.cronbach_alpha, 2)
    assert "," in alpha and f"{alpha}&nbsp;%" in html
    assert "75 % ou plus, c&#x27;est bien pour un contrôle en classe" in html
    assert "Sous 50 %, c&#x27;est acceptable" in html
    assert "Entre 5 et 95 %" in html  # the facility index's guidance, under the table's headings


def test_under_ten_attempts_the_page_says_so_instead_of_flagging(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory
):
    question = Question.objects.get(uid="alpha-single-1")
    set_key(question, "ClusterRole")
    students = [user_factory(username=f"s{n}") for n in range(3)]
    cohort = cohort_factory(trainer=trainer, students=students)
    for student, pick in zip(students, ("ConfigMap", "ConfigMap", "ClusterRole"), strict=True):
        take_quiz(student, "alpha", pick=pick, others_right=pick == "ConfigMap")
    html = trainer_client.get(reverse("trainer:report-items", args=[cohort.pk, "alpha"])).content.decode()
    assert "n = 3 : trop peu de tentatives pour juger" in html
    assert "to-check" not in html and "⚑" not in html
    rows = list(
        csv.reader(
            io.StringIO(
                trainer_client.get(
                    reverse("trainer:report-items", args=[cohort.pk, "alpha"]), {"format": "csv"}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][-1] == "n = 3 : trop peu de tentatives pour juger"


def test_a_quiz_nobody_finished_says_no_attempt_yet(loaded_banks, trainer, trainer_client, cohort_factory):
    cohort = cohort_factory(trainer=trainer)
    html = trainer_client.get(reverse("trainer:report-items", args=[cohort.pk, "alpha"])).content.decode()
    assert "Aucune tentative pour l'instant" in html
    assert " %" not in html[html.index("<main") :].replace("&nbsp;%", "")
    assert "<table" not in html


def item_csv(client, cohort, language: str) -> list[list[str]]:
    response = client.get(
        reverse("trainer:report-items", args=[cohort.pk, "alpha"]),
        {"format": "csv"},
        headers={"Accept-Language": language},
    )
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_ends_with_the_quiz_figures(miskeyed, trainer_client):
    cohort, _question = miskeyed
    test, items = reports.item_analysis(cohort, Quiz.objects.get(slug="alpha"), which="first")
    rows = item_csv(trainer_client, cohort, "en")
    assert len(rows) == 1 + len(items) + 2 + len(trainer_views.TEST_FIGURES)
    assert rows[len(items) + 1] == [] and rows[len(items) + 2] == ["Statistic", "Value"]
    figures = dict(row for row in rows[len(items) + 3 :])
    with translation.override("en"):
        assert list(figures) == [figure.heading() for figure in trainer_views.TEST_FIGURES]
    assert float(figures["Attempts analysed"]) == test.attempts == 12
    alpha = "Coefficient of internal consistency (Cronbach's alpha) %"
    assert float(figures[alpha]) == pytest.approx(100 * test.cronbach_alpha, abs=1e-3)
    assert float(figures["Mean score %"]) == pytest.approx(test.mean, abs=1e-3)


def test_every_quiz_level_statistic_is_shown_once():
    codes = [figure.code for figure in trainer_views.TEST_FIGURES]
    assert sorted(codes) == sorted(f.name for f in dataclasses.fields(stats.TestStats))


def test_the_csv_s_quiz_figures_are_in_the_reader_s_language(miskeyed, trainer_client):
    cohort, _question = miskeyed
    rows = item_csv(trainer_client, cohort, "fr")
    start = rows.index([])
    assert rows[start + 1] == ["Statistique", "Valeur"]
    assert [row[0] for row in rows[start + 2 : start + 4]] == ["Tentatives analysées", "Note moyenne %"]


@pytest.mark.parametrize("size", [1, 12])
def test_item_analysis_page_query_budget(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory, django_assert_max_num_queries, size
):
    students = [user_factory(username=f"q{n}") for n in range(size)]
    cohort = cohort_factory(trainer=trainer, students=students)
    for student in students:
        take_quiz(student, "alpha", pick="ConfigMap", others_right=True)
    url = reverse("trainer:report-items", args=[cohort.pk, "alpha"])
    # session, user, the trainer's group, the cohort, the quiz, its questions, the answers, and
    # the permission check for the editors' links (the user's and their groups' permissions)
    with django_assert_max_num_queries(9):
        assert trainer_client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_heatmap_page_query_budget(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory, django_assert_max_num_queries, size
):
    students = [user_factory(username=f"h{n}") for n in range(size)]
    cohort = cohort_factory(trainer=trainer, students=students)
    for student in students:
        take_quiz(student, "alpha", pick="ConfigMap", others_right=False)
    # session, user, the trainer's group, the cohort, the students, the sections, the answers
    # by section, the cards by section
    with django_assert_max_num_queries(8):
        html = trainer_client.get(reverse("trainer:report-heatmap", args=[cohort.pk])).content.decode()
    assert ("Thème le plus faible de la classe" in html) == (size == 12)  # one student: too few answers
