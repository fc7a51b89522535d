"""Question exports: the right answer as text, CSV rows, and the download views for every role."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Assignment
from interop import anki
from interop.exports import (
    CSV_HEADER,
    CSV_TITLES,
    exportable_questions,
    questions_csv_rows,
    right_answer_text,
)
from quizzes import kinds
from quizzes.models import Attempt, Question, Quiz
from tests.interop.export_helpers import load_gamma, read_apkg


@pytest.fixture
def every_kind(loaded_banks, section_factory, tmp_path):
    return load_gamma(section_factory, tmp_path)


def finish(student, *quizzes) -> None:
    for quiz in quizzes:
        Attempt.objects.create(
            student=student, quiz=quiz, question_ids=[], seed=1, score=1.0, finished_at=timezone.now()
        )


@pytest.fixture
def finished_everything(every_kind, student):
    """The student finished every quiz: every answer is theirs to download."""
    finish(student, *Quiz.objects.all())


# --- the right answer as plain text -----------------------------------------------------------


def spec_of(kind: str, raw: dict) -> dict:
    return kinds.get(kind).build_spec(raw, uid="t-1")


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("single", {"choices": [{"text": "a"}, {"text": "b", "correct": True}]}, "b"),
        (
            "multiple",
            {"choices": [{"text": "a", "correct": True}, {"text": "b"}, {"text": "c", "correct": True}]},
            "a | c",
        ),
        ("short", {"answers": ["svc", "services"]}, "svc | services"),
        ("command", {"answers": ["kubectl get pods"]}, "kubectl get pods"),
        (
            "matching",
            {"pairs": [{"left": "cm", "right": "ConfigMap"}, {"left": "sa", "right": "ServiceAccount"}]},
            "cm -> ConfigMap | sa -> ServiceAccount",
        ),
        ("ordering", {"items": ["un", "deux", "trois"]}, "un -> deux -> trois"),
        ("cloze", {"language": "yaml", "text": "kind: [[Pod|pod]]\nname: [[web]]"}, "kind: Pod\nname: web"),
        ("flashcard", {"answer": "`cm`"}, "`cm`"),
        (
            "yaml",
            {
                "checks": [
                    {"path": "kind", "equals": "Pod", "explain": "x"},
                    {"path": "spec.containers", "length": 1, "explain": "y"},
                ]
            },
            "kind equals Pod | spec.containers length 1",
        ),
    ],
)
def test_right_answer_text_per_kind(kind, raw, expected):
    assert right_answer_text(kind=kind, spec=spec_of(kind, raw)) == expected


def test_right_answer_text_of_true_false_is_translated(settings):
    assert right_answer_text(kind="truefalse", spec={"answer": False}) == "Faux"


def test_right_answer_text_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        right_answer_text(kind="essay", spec={})


def test_csv_rows_hold_the_markdown_sources_one_row_per_active_question(every_kind):
    Question.objects.filter(uid="alpha-multiple-1").update(active=False)
    rows = list(questions_csv_rows(exportable_questions()))
    assert len(rows) == 9
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    first = dict(zip(CSV_HEADER, rows[0], strict=True))
    assert first == {
        "uid": "alpha-single-1",
        "section": "alpha",
        "kind": "single",
        "difficulty": 1,
        "tags": "shortname",
        "prompt": "Quelle ressource désigne `cm` ?",
        "right_answer": "ConfigMap",
        "explanation": "`cm` est le nom court de `configmaps`.",
    }
    gamma = ["gamma-cloze-1", "gamma-yaml-1", "gamma-command-1", "gamma-flashcard-1"]
    assert [row[0] for row in rows][-4:] == gamma


# --- the download views ------------------------------------------------------------------------

SECTION_URLS = ["exports:section-anki", "exports:section-csv"]
COURSE_URLS = ["exports:course-anki", "exports:course-csv"]


def url_of(name: str) -> str:
    return reverse(name, kwargs={"slug": "alpha"}) if name.startswith("exports:section") else reverse(name)


def test_the_urls_are_under_course():
    assert reverse("exports:section-anki", kwargs={"slug": "alpha"}) == "/course/alpha/export/anki/"
    assert reverse("exports:course-anki") == "/course/export/anki/"
    assert reverse("exports:section-csv", kwargs={"slug": "alpha"}) == "/course/alpha/export/csv/"
    assert reverse("exports:course-csv") == "/course/export/csv/"


@pytest.mark.parametrize("name", SECTION_URLS + COURSE_URLS)
def test_anonymous_is_sent_to_log_in(client, loaded_banks, name):
    response = client.get(url_of(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", ["student", "trainer", "staff"])
@pytest.mark.parametrize("name", SECTION_URLS + COURSE_URLS)
def test_every_signed_in_role_may_download(client, user_factory, loaded_banks, role, name):
    extra = {"is_staff": True} if role == "staff" else {}
    groups = ("trainers",) if role == "trainer" else ()
    client.force_login(user_factory(groups=groups, **extra))
    response = client.get(url_of(name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("name", SECTION_URLS)
def test_an_unknown_section_is_404(student_client, loaded_banks, name):
    assert student_client.get(reverse(name, kwargs={"slug": "nope"})).status_code == 404


@pytest.mark.parametrize("name", COURSE_URLS)
def test_the_course_export_is_404_without_a_course(student_client, db, name):
    assert student_client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", SECTION_URLS + COURSE_URLS)
def test_post_is_refused(student_client, loaded_banks, name):
    assert student_client.post(url_of(name)).status_code == 405


def test_section_deck_download(student_client, finished_everything, django_assert_num_queries):
    with django_assert_num_queries(4):  # session, user, section (with its course), questions
        response = student_client.get(reverse("exports:section-anki", kwargs={"slug": "beta"}))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="rappel-beta.apkg"'
    deck = read_apkg(response.content)
    assert set(deck.notes) == {"beta-short-1", "beta-matching-1", "beta-ordering-1"}
    assert '<a href="http://testserver/course/beta/">Bêta</a>' in deck.notes["beta-short-1"].back


def test_course_deck_download_has_every_active_question(
    student_client, finished_everything, django_assert_num_queries
):
    Question.objects.filter(uid="gamma-yaml-1").update(active=False)
    with django_assert_num_queries(4):  # session, user, course, questions
        response = student_client.get(reverse("exports:course-anki"))
    assert response["Content-Disposition"] == 'attachment; filename="rappel-demo.apkg"'
    deck = read_apkg(response.content)
    assert len(deck.notes) == 9 and "gamma-yaml-1" not in deck.notes
    assert {name for name in deck.decks if name.startswith("Rappel::")} == {
        "Rappel::Alpha",
        "Rappel::Bêta",
        "Rappel::Gamma",
    }
    assert anki.MODEL_ID in deck.models


def read_csv(response, delimiter: str = ",") -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_section_csv_download(student_client, finished_everything, django_assert_num_queries):
    with django_assert_num_queries(4):  # session, user, section, questions
        response = student_client.get(reverse("exports:section-csv", kwargs={"slug": "beta"}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rappel-beta.csv"'
    rows = read_csv(response)
    assert rows[0] == [str(title) for title in CSV_TITLES]
    assert [row[0] for row in rows[1:]] == ["beta-short-1", "beta-matching-1", "beta-ordering-1"]
    assert rows[1][6] == "svc | services"


def test_course_csv_download_with_semicolons_for_french_excel(student_client, finished_everything):
    response = student_client.get(reverse("exports:course-csv"), {"sep": "semicolon"})
    assert response["Content-Disposition"] == 'attachment; filename="rappel-demo-excel-fr.csv"'
    rows = read_csv(response, delimiter=";")
    assert rows[0] == [str(title) for title in CSV_TITLES]
    assert len(rows) == 1 + 10
    assert {len(row) for row in rows} == {len(CSV_HEADER)}
    cloze = next(row for row in rows if row[0] == "gamma-cloze-1")
    assert cloze[6] == "apiVersion: v1\nkind: Pod"


# --- the answer key waits until the quiz is finished ---------------------------------------------


def csv_uids(client, name="exports:course-csv", **kwargs) -> set[str]:
    rows = read_csv(client.get(reverse(name, kwargs=kwargs or None)))
    return {row[0] for row in rows[1:]}


def anki_uids(client) -> set[str]:
    return set(read_apkg(client.get(reverse("exports:course-anki")).content).notes)


def graded_uids_of(*slugs) -> set[str]:
    questions = Question.objects.filter(quiz_items__quiz__slug__in=slugs, active=True)
    return {q.uid for q in questions if kinds.is_graded(q.kind)}


def test_a_student_gets_no_answer_key_of_a_quiz_before_finishing_it(student_client, student, every_kind):
    flashcards = set(Question.objects.filter(kind="flashcard").values_list("uid", flat=True))
    assert flashcards  # flashcard decks stay free
    assert csv_uids(student_client) == flashcards
    assert anki_uids(student_client) == flashcards
    assert csv_uids(student_client, "exports:section-csv", slug="beta") == set()


def test_finishing_a_quiz_opens_its_answers_but_not_those_the_assessment_shares(
    student_client, student, every_kind
):
    finish(student, Quiz.objects.get(slug="beta"))
    shared = graded_uids_of("assessment")
    got = csv_uids(student_client, "exports:section-csv", slug="beta")
    assert got == graded_uids_of("beta") - shared and got  # beta-matching-1
    finish(student, Quiz.objects.get(slug="assessment"))
    assert csv_uids(student_client, "exports:section-csv", slug="beta") == graded_uids_of("beta")
    assert not Quiz.objects.filter(slug="alpha", attempts__student=student).exists()
    assert not graded_uids_of("alpha") - shared & csv_uids(student_client)  # alpha still waits


def test_a_started_attempt_is_not_a_finished_one(student_client, student, every_kind):
    Attempt.objects.create(student=student, quiz=Quiz.objects.get(slug="beta"), question_ids=[], seed=1)
    assert csv_uids(student_client, "exports:section-csv", slug="beta") == set()


def test_a_trainer_releases_the_answer_key_to_their_class_only(
    client, trainer, trainer_client, student, other_student, cohort_factory, every_kind
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    cohort_factory(trainer=trainer, students=[other_student])
    now = timezone.now()
    assessment = Quiz.objects.get(slug="assessment")
    assignment = Assignment.objects.create(
        cohort=cohort, quiz=assessment, opens_at=now, due_at=now + dt.timedelta(days=1)
    )
    url = reverse("trainer:assignment-answer-key", args=[cohort.pk, assignment.pk])
    assert trainer_client.post(url, {"released": "1"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.answer_key_released
    client.force_login(student)
    finish(student, Quiz.objects.get(slug="beta"))
    assert graded_uids_of("beta") <= csv_uids(client)  # beta finished, the assessment released
    client.force_login(other_student)
    assert not graded_uids_of("assessment") & csv_uids(client)
    assert trainer_client.post(url, {"released": "0"}).status_code == 302
    client.force_login(student)
    assert not graded_uids_of("assessment") & csv_uids(client)


def test_only_the_classes_trainers_release_a_key(
    client, trainer, user_factory, student, cohort_factory, every_kind
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    now = timezone.now()
    assignment = Assignment.objects.create(
        cohort=cohort,
        quiz=Quiz.objects.get(slug="assessment"),
        opens_at=now,
        due_at=now + dt.timedelta(days=1),
    )
    url = reverse("trainer:assignment-answer-key", args=[cohort.pk, assignment.pk])
    client.force_login(user_factory(username="stranger", groups=("trainers",)))
    assert client.post(url, {"released": "1"}).status_code == 404
    client.force_login(student)
    assert client.post(url, {"released": "1"}).status_code in {302, 403}
    assignment.refresh_from_db()
    assert not assignment.answer_key_released


@pytest.mark.parametrize("role", ["trainer", "staff"])
def test_trainers_and_staff_download_every_answer(client, user_factory, every_kind, role):
    extra = {"is_staff": True} if role == "staff" else {}
    client.force_login(user_factory(groups=("trainers",) if role == "trainer" else (), **extra))
    assert len(csv_uids(client)) == Question.objects.filter(active=True).count()


def test_the_withheld_key_costs_no_extra_query(student_client, every_kind, django_assert_num_queries):
    with django_assert_num_queries(4):  # session, user, course, questions (the key rule inside)
        student_client.get(reverse("exports:course-csv"))
