"""The student's home (classes.views.home): the quizzes with the student's figures on each, beside
the work their trainers assigned, each with a badge saying where it stands."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from course.models import Section
from quizzes.models import Attempt, Question, Quiz, QuizItem
from tests.quizzes.helpers import answer_form, current_revision, question_url, start

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def home(client, *, language: str = "fr") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def quiz_row(html: str, slug: str) -> str:
    """The row of the quiz `slug` in the quizzes table."""
    table = html[html.index('<table class="table quiz-table">') :]
    link = table.index(f'href="{reverse("quizzes:quiz-detail", args=[slug])}"')
    row = table.rindex("<tr", 0, link)
    return table[row : table.index("</tr>", link)]


def assigned_item(html: str, slug: str) -> str:
    """The item of the quiz `slug` in the assigned work."""
    assigned = html[html.index('<ul class="assigned">') : html.index("</ul>")]
    link = assigned.index(f'href="{reverse("quizzes:quiz-detail", args=[slug])}"')
    item = assigned.rindex("<li>", 0, link)
    return assigned[item : assigned.index("</li>", link)]


def finished(student, quiz: Quiz, *, score: float, at: dt.datetime | str) -> Attempt:
    return Attempt.objects.create(
        student=student, quiz=quiz, question_ids=[], seed=1, score=score, finished_at=at
    )


def quiz_with_a_question(slug: str, *, title: str = "Quiz", section: Section | None = None) -> Quiz:
    quiz = Quiz.objects.create(slug=slug, title=title, kind=Quiz.Kind.SECTION, section=section)
    QuizItem.objects.create(quiz=quiz, question=Question.objects.order_by("pk").first(), position=0)
    return quiz


# --- the quizzes ---------------------------------------------------------------------------------


def test_home_lists_best_and_last_scores(student_client, loaded_banks, student):
    quiz = Quiz.objects.get(slug="alpha")
    finished(student, quiz, score=0.9, at="2026-01-01T10:00:00Z")
    finished(student, quiz, score=0.4, at="2026-01-02T10:00:00Z")
    html = home(student_client)
    row = quiz_row(html, "alpha")
    assert '<td class="num">90 %</td>' in row and '<td class="num">40 %</td>' in row
    assert '<td class="num">3</td>' in row  # its questions
    assert f'action="{reverse("quizzes:quiz-start", args=["alpha"])}"' in row


def test_a_score_of_zero_is_a_score_and_none_is_a_dash(student_client, loaded_banks, student):
    alpha, beta = Quiz.objects.get(slug="alpha"), Quiz.objects.get(slug="beta")
    finished(student, alpha, score=0.834, at="2026-01-01T10:00:00Z")
    finished(student, alpha, score=0.0, at="2026-01-02T10:00:00Z")
    finished(student, beta, score=0.0, at="2026-01-02T10:00:00Z")
    html = home(student_client)

    def scores(slug: str) -> list[str]:  # best, last
        return re.findall(r'<td class="num">(.*?)</td>', quiz_row(html, slug))[1:]

    dash = '<span class="muted">—</span>'
    assert scores("alpha") == ["83 %", "0 %"] and scores("beta") == ["0 %", "0 %"]
    assert scores("assessment") == [dash, dash]


@pytest.mark.parametrize(
    ("language", "labels"),
    [("fr", ("Reprendre", "Recommencer", "Commencer")), ("en", ("Resume", "Retake", "Start"))],
)
def test_the_button_resumes_the_open_attempt_else_retakes_else_starts(
    student_client, loaded_banks, student, language, labels
):
    resume, retake, start_label = labels
    alpha, beta = Quiz.objects.get(slug="alpha"), Quiz.objects.get(slug="beta")
    finished(student, alpha, score=0.5, at="2026-01-01T10:00:00Z")
    Attempt.objects.create(student=student, quiz=alpha, question_ids=[], seed=1)  # open
    finished(student, beta, score=0.0, at="2026-01-01T10:00:00Z")  # finished, if with no point
    html = home(student_client, language=language)
    assert f'class="button small primary">{resume}</button>' in quiz_row(html, "alpha")
    assert f'class="button small">{retake}</button>' in quiz_row(html, "beta")
    assert f'class="button small">{start_label}</button>' in quiz_row(html, "assessment")


def test_a_quiz_is_named_by_its_section_in_the_language_of_the_request(student_client, loaded_banks, course):
    Section.objects.filter(slug="alpha").update(title_en="Alpha in English")
    untitled = Section.objects.create(course=course, slug="untitled", position=9, title="", title_en="")
    quiz_with_a_question("untitled", title="Own title", section=untitled)
    french, english = home(student_client), home(student_client, language="en")
    assert ">Alpha</a>" in quiz_row(french, "alpha") and ">Alpha in English</a>" in quiz_row(english, "alpha")
    assert ">Own title</a>" in quiz_row(french, "untitled")
    # the assessment has no section: its own title, and a badge
    assessment = quiz_row(french, "assessment")
    assert assessment.startswith('<tr class="assessment">')
    assert ">Évaluation</a>" in assessment and '<span class="badge">Évaluation</span>' in assessment
    assert '<span class="badge">Assessment</span>' in quiz_row(english, "assessment")
    assert "badge" not in quiz_row(french, "alpha") and 'class="assessment"' not in quiz_row(french, "alpha")


def test_names_are_escaped(student_client, loaded_banks, student, trainer, cohort_factory):
    quiz = quiz_with_a_question("odd", title="Quiz <b>&amp;")
    cohort = cohort_factory(trainer=trainer, name='Promo "A" <1>', students=[student])
    now = timezone.now()
    cohort.assignments.create(quiz=quiz, opens_at=now - DAY, due_at=now + DAY)
    html = home(student_client)
    assert "Quiz &lt;b&gt;&amp;amp;" in quiz_row(html, "odd") and "<b>" not in html
    assert "Quiz &lt;b&gt;&amp;amp;" in assigned_item(html, "odd")
    assert "Promo &quot;A&quot; &lt;1&gt;" in assigned_item(html, "odd")


def test_no_quiz_yet(student_client):
    html = home(student_client)
    assert "Pas encore de quiz." in html and '<ul class="assigned">' not in html


def test_the_home_figures_are_those_of_the_quiz_page(student_client, loaded_banks, student, other_student):
    """Best and last score, finished attempts and the open one: the student's own attempts only,
    the same on the home and on the quiz page; empty quizzes are not listed."""
    alpha, beta = Quiz.objects.get(slug="alpha"), Quiz.objects.get(slug="beta")
    Quiz.objects.create(slug="empty", title="Vide", kind=Quiz.Kind.ASSESSMENT)
    finished(student, alpha, score=0.9, at="2026-01-01T10:00:00Z")
    finished(student, alpha, score=0.4, at="2026-01-02T10:00:00Z")
    open_alpha = Attempt.objects.create(student=student, quiz=alpha, question_ids=[], seed=1)
    # One open attempt per student and quiz (a constraint): quiz_figures' choice between several is
    # tested without the database, in tests/quizzes/test_quiz_figures.py.
    open_beta = Attempt.objects.create(student=student, quiz=beta, question_ids=[], seed=1)
    finished(other_student, beta, score=1.0, at="2026-01-01T10:00:00Z")

    def figures(quiz):
        return (
            quiz.slug,
            quiz.question_count,
            quiz.best_score,
            quiz.last_score,
            quiz.last_finished,
            quiz.attempt_count,
            quiz.open_attempt,
        )

    listed = home_quizzes(student_client)
    by_slug = {quiz.slug: quiz for quiz in listed}
    assert list(by_slug) == ["alpha", "beta", "assessment"]  # in order, not the empty one
    assert figures(by_slug["alpha"])[2:] == (
        0.9,
        0.4,
        dt.datetime(2026, 1, 2, 10, tzinfo=dt.UTC),
        2,
        open_alpha.pk,
    )
    assert figures(by_slug["beta"])[2:] == (None, None, None, 0, open_beta.pk)
    for quiz in listed:
        page = student_client.get(reverse("quizzes:quiz-detail", args=[quiz.slug]))
        assert figures(page.context["quiz"]) == figures(quiz)
    assert student_client.get(reverse("quizzes:quiz-detail", args=["empty"])).status_code == 404


def home_quizzes(client) -> list[Quiz]:
    return list(client.get(reverse("home")).context["quizzes"])


def test_the_last_score_is_that_of_the_attempt_finished_last(student_client, loaded_banks, student):
    """Not of the one started last; of two finished at the same time, that of the one started
    first. The quiz page agrees."""
    alpha = Quiz.objects.get(slug="alpha")
    for score, at in [(0.3, "2026-01-05T10:00:00Z"), (0.8, "2026-01-02T10:00:00Z")]:
        finished(student, alpha, score=score, at=at)
    quiz = {quiz.slug: quiz for quiz in home_quizzes(student_client)}["alpha"]
    assert (quiz.best_score, quiz.last_score, quiz.attempt_count, quiz.open_attempt) == (0.8, 0.3, 2, None)
    page = student_client.get(reverse("quizzes:quiz-detail", args=["alpha"])).context["quiz"]
    assert (page.last_score, page.last_finished) == (quiz.last_score, quiz.last_finished)
    row = quiz_row(home(student_client), "alpha")
    assert '<td class="num">80 %</td>' in row and '<td class="num">30 %</td>' in row

    tie = finished(student, alpha, score=0.6, at="2026-01-09T10:00:00Z")
    later = finished(student, alpha, score=0.1, at="2026-01-09T10:00:00Z")
    Attempt.objects.filter(pk=later.pk).update(started_at=tie.started_at + DAY)
    assert {quiz.slug: quiz for quiz in home_quizzes(student_client)}["alpha"].last_score == 0.6


def test_an_interrupted_attempt_resumes_where_it_stopped(student_client, loaded_banks):
    attempt = start(student_client, "alpha")
    student_client.post(question_url(attempt, 1), answer_form(current_revision(attempt, 1)))
    # Leave, come back through the quiz list: the same attempt resumes at question 2.
    assert "Reprendre" in quiz_row(home(student_client), "alpha")
    assert start(student_client, "alpha").pk == attempt.pk
    response = student_client.get(reverse("quizzes:attempt-detail", args=[attempt.pk]))
    assert response.url == question_url(attempt, 2)
    # Skipping ahead is not possible: question 3 sends back to question 2.
    assert student_client.get(question_url(attempt, 3)).url == question_url(attempt, 2)


# --- the assigned work ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "badges"),
    [
        (
            "fr",
            (
                '<span class="badge">✓ fait</span>',
                '<span class="badge warn">fait en retard</span>',
                '<span class="badge bad">en retard</span>',
                '<span class="badge">ouvre le ',
                '<span class="badge warn">à faire</span>',
                "échéance",
            ),
        ),
        (
            "en",
            (
                '<span class="badge">✓ done</span>',
                '<span class="badge warn">done late</span>',
                '<span class="badge bad">overdue</span>',
                '<span class="badge">opens ',
                '<span class="badge warn">to do</span>',
                "due",
            ),
        ),
    ],
)
def test_each_assignment_says_whether_it_is_done_late_overdue_not_open_yet_or_to_do(
    student_client, loaded_banks, student, other_student, trainer, cohort_factory, language, badges
):
    done, done_late, overdue, opens, to_do, due = badges
    cohort = cohort_factory(trainer=trainer, students=[student, other_student])
    quizzes = [Quiz.objects.get(slug=slug) for slug in ("alpha", "beta", "assessment")]
    quizzes += [quiz_with_a_question("later"), quiz_with_a_question("now")]
    now = timezone.now().replace(microsecond=0)
    windows = [(-3, -1), (-3, -2), (-3, -1), (1, 2), (-1, 1)]  # (opens, due) in days from now
    assignments = [
        cohort.assignments.create(quiz=quiz, opens_at=now + opens * DAY, due_at=now + due_at * DAY)
        for quiz, (opens, due_at) in zip(quizzes, windows, strict=True)
    ]
    finished(student, quizzes[0], score=0.5, at=now - 2 * DAY)  # before it was due
    finished(student, quizzes[1], score=0.5, at=now - DAY)  # after
    finished(other_student, quizzes[2], score=1.0, at=now - 2 * DAY)  # someone else's
    Attempt.objects.create(student=student, quiz=quizzes[4], question_ids=[], seed=1)  # not finished

    html = home(student_client, language=language)
    items = [assigned_item(html, quiz.slug) for quiz in quizzes]
    assert [done in item for item in items] == [True, False, False, False, False]
    assert [done_late in item for item in items] == [False, True, False, False, False]
    assert [overdue in item for item in items] == [False, False, True, False, False]
    assert [to_do in item for item in items] == [False, False, False, False, True]
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        opening = formats.date_format(timezone.localtime(assignments[3].opens_at), "SHORT_DATETIME_FORMAT")
        deadline = timezone.localtime(assignments[3].due_at)
        deadline_text = formats.date_format(deadline, "SHORT_DATETIME_FORMAT")
    assert f"{opens}{opening}</span>" in items[3]
    assert f'· Promo · {due} <time datetime="{deadline.isoformat()}">{deadline_text}</time>' in items[3]
    # by due date
    assert html.index(items[1]) < html.index(items[0]) < html.index(items[4]) < html.index(items[3])


@pytest.mark.parametrize("rows", [1, 20])
def test_home_shows_when_assigned_work_was_first_done_in_five_queries(
    student_client, loaded_banks, student, trainer, cohort_factory, django_assert_num_queries, rows
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    alpha = Quiz.objects.get(slug="alpha")
    empty = Quiz.objects.create(slug="empty", title="Quiz vide", kind=Quiz.Kind.ASSESSMENT)
    others = [quiz_with_a_question(f"extra-{n}", title=f"Extra {n}") for n in range(rows - 1)]
    for quiz in (alpha, empty, *others):
        cohort.assignments.create(quiz=quiz, opens_at="2026-01-01T08:00:00Z", due_at="2026-01-02T08:00:00Z")
        for finished_at in ("2026-01-03T10:00:00Z", "2026-01-01T10:00:00Z"):  # late, then on time
            finished(student, quiz, score=0.5, at=finished_at)
    # session, user, the quizzes (+their sections and question counts), the student's attempts
    # (folded into their figures and when they first finished each quiz), the assignments
    # (+cohort, quiz and its section)
    with django_assert_num_queries(5):
        html = student_client.get(reverse("home")).content.decode()
    assigned = html[html.index('<ul class="assigned">') : html.index("</ul>")]
    assert assigned.count("✓ fait") == rows + 1 and "fait en retard" not in assigned
    assert "Quiz vide" in assigned and html.count("Quiz vide") == 1  # assigned, but not in the table
    assert html.count('class="button small">Recommencer</button>') == rows


# --- the forms and who sees the page -------------------------------------------------------------


def test_the_home_forms_share_one_token_that_starts_a_quiz(loaded_banks, student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    html = client.get(reverse("home")).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1 and html.count("csrfmiddlewaretoken") > 3
    start_url = reverse("quizzes:quiz-start", args=["alpha"])
    assert f'action="{start_url}"' in html
    assert client.post(start_url, {"csrfmiddlewaretoken": tokens.pop()}).status_code == 302


@pytest.mark.parametrize("role", ["anonymous", "student", "trainer", "staff"])
def test_the_home_is_every_signed_in_users_and_the_others_log_in_first(
    client, loaded_banks, user_factory, role
):
    if role != "anonymous":
        groups = ("trainers",) if role == "trainer" else ()
        client.force_login(user_factory(username=role, groups=groups, is_staff=role == "staff"))
    response = client.get(reverse("home"))
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login")) and "next=" in response.url
    else:
        assert response.status_code == 200
        assert quiz_row(response.content.decode(), "alpha")
