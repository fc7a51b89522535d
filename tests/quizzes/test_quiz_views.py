"""Taking a quiz through the Django test client, with and without htmx."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from config.middleware import REFUSED_INPUT
from course.templatetags.rappel import excerpt
from quizzes import attempts
from quizzes.models import Answer, Attempt, Question, Quiz
from quizzes.revisions import revision_apply
from tests.quizzes.helpers import answer_form, current_revision, question_url, start

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-posts", "htmx"])
def test_a_student_takes_a_whole_quiz(student_client, loaded_banks, htmx):
    attempt = start(student_client, "alpha")
    assert attempt.total == 3
    for number in range(1, attempt.total + 1):
        page = student_client.get(question_url(attempt, number))
        assert page.status_code == 200
        assert f"Question {number} sur 3" in page.content.decode()
        right = number != 2  # get the second one wrong
        form = answer_form(current_revision(attempt, number), right=right)
        if htmx:
            response = student_client.post(question_url(attempt, number), form, **HTMX)
            assert response.status_code == 200
            html = response.content.decode()
            assert html.lstrip().startswith('<section id="question-card"')  # the partial, not the page
            assert "<html" not in html
        else:
            response = student_client.post(question_url(attempt, number), form)
            assert response.status_code == 302 and response.url == question_url(attempt, number)
            html = student_client.get(response.url).content.decode()
        assert ("Bonne réponse" in html or "Exact" in html) is right or "Explication" in html
        assert "Explication" in html
        assert reverse("course:section", args=["alpha"]) in html
    finish = reverse("quizzes:attempt-finish", args=[attempt.pk])
    response = student_client.post(finish, **(HTMX if htmx else {}))
    result_url = reverse("quizzes:attempt-result", args=[attempt.pk])
    if htmx:
        assert response.headers["HX-Redirect"] == result_url
    else:
        assert response.url == result_url
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert attempt.score == pytest.approx(2 / 3, abs=1e-3)
    result = student_client.get(result_url).content.decode()
    assert "67 %" in result
    assert "Alpha" in result


def test_feedback_shows_the_verdict_the_right_answer_and_the_explanation(student_client, loaded_banks):
    attempt = start(student_client, "alpha")
    revision = current_revision(attempt, 1)
    html = student_client.post(
        question_url(attempt, 1), answer_form(revision, right=False), **HTMX
    ).content.decode()
    assert "Pas tout à fait" in html
    assert "bonne réponse" in html
    assert revision.explanation_html in html
    assert "Son nom court est <code>crd</code>" in html  # the picked choice's own feedback


def choice_order(html: bytes) -> list[str]:
    return re.findall(r'name="choice" value="([0-9a-f]+)"', html.decode())


def test_choice_order_is_stable_on_reload(student_client, loaded_banks):
    attempt = start(student_client, "alpha")
    first = choice_order(student_client.get(question_url(attempt, 1)).content)
    assert len(first) == 3
    assert choice_order(student_client.get(question_url(attempt, 1)).content) == first


# --- bad input -----------------------------------------------------------------------------


@pytest.fixture
def attempt(student_client, loaded_banks) -> Attempt:
    return start(student_client, "alpha")


def test_empty_answer_is_refused_with_a_message_and_nothing_saved(student_client, attempt):
    revision = current_revision(attempt, 1)
    for extra in ({}, HTMX):
        response = student_client.post(question_url(attempt, 1), {"revision": revision.pk}, **extra)
        assert response.status_code == 422
        assert "Veuillez répondre" in response.content.decode()
    assert Answer.objects.count() == 0


def test_a_choice_of_another_question_is_refused(student_client, attempt, loaded_banks):
    revision = current_revision(attempt, 1)
    foreign = Question.objects.get(uid="alpha-multiple-1").current_revision.spec["choices"][0]["key"]
    response = student_client.post(question_url(attempt, 1), {"revision": revision.pk, "choice": foreign})
    assert response.status_code == 422
    assert "appartient pas à cette question" in response.content.decode()
    assert Answer.objects.count() == 0


@pytest.mark.parametrize("revision", ["", "abc", "999999", "-1", "1e3", str(2**70)])
def test_a_tampered_revision_is_refused(student_client, attempt, revision):
    form = answer_form(current_revision(attempt, 1))
    form["revision"] = revision
    response = student_client.post(question_url(attempt, 1), form)
    assert response.status_code == 400
    # A number no id reaches is refused before the view reads it.
    message = REFUSED_INPUT if len(revision) > 18 else attempts.FOREIGN_REVISION
    with translation.override("fr"):
        assert escape(str(message)) in response.content.decode()
    assert Answer.objects.count() == 0


def test_the_revision_of_another_question_is_refused(student_client, attempt):
    form = answer_form(current_revision(attempt, 1))
    form["revision"] = current_revision(attempt, 2).pk
    assert student_client.post(question_url(attempt, 1), form).status_code == 400
    assert Answer.objects.count() == 0


def test_answering_out_of_order_is_refused(student_client, attempt):
    response = student_client.post(question_url(attempt, 2), answer_form(current_revision(attempt, 2)))
    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_a_double_submit_records_one_answer(student_client, attempt):
    form = answer_form(current_revision(attempt, 1))
    student_client.post(question_url(attempt, 1), form)
    wrong = answer_form(current_revision(attempt, 1), right=False)
    response = student_client.post(question_url(attempt, 1), wrong, **HTMX)
    assert response.status_code == 200
    assert Answer.objects.count() == 1
    assert Answer.objects.get().correct is True  # the first answer stands


def test_a_finished_attempt_accepts_no_answer(student_client, attempt):
    for number in range(1, 4):
        student_client.post(question_url(attempt, number), answer_form(current_revision(attempt, number)))
    student_client.post(reverse("quizzes:attempt-finish", args=[attempt.pk]))
    Answer.objects.filter(position=2).delete()  # even with a hole, the attempt stays closed
    response = student_client.post(question_url(attempt, 3), answer_form(current_revision(attempt, 3)))
    assert response.status_code == 409
    assert Answer.objects.count() == 2


def test_finishing_early_is_refused_and_finishing_twice_is_harmless(student_client, attempt):
    finish = reverse("quizzes:attempt-finish", args=[attempt.pk])
    assert student_client.post(finish).status_code == 400
    for number in range(1, 4):
        student_client.post(question_url(attempt, number), answer_form(current_revision(attempt, number)))
    assert student_client.post(finish).status_code == 302
    first = Attempt.objects.get(pk=attempt.pk).finished_at
    assert student_client.post(finish).status_code == 302
    assert Attempt.objects.get(pk=attempt.pk).finished_at == first


@pytest.mark.parametrize("number", [0, 4, 99])
def test_out_of_range_question_numbers_are_404(student_client, attempt, number):
    assert student_client.get(question_url(attempt, number)).status_code == 404


def test_malformed_posts_never_500(student_client, attempt):
    url = question_url(attempt, 1)
    for form in (
        {"choice": ["a", "b"], "revision": current_revision(attempt, 1).pk},
        {"revision": ["1", "2"]},
    ):
        assert student_client.post(url, form).status_code in {400, 422}
    assert student_client.post(reverse("quizzes:quiz-start", args=["no-such-quiz"])).status_code == 404
    assert student_client.get(reverse("quizzes:quiz-start", args=["alpha"])).status_code == 405


# --- permissions ---------------------------------------------------------------------------


def test_another_students_attempt_is_404_everywhere(client, attempt, other_student):
    client.force_login(other_student)
    urls = [
        reverse("quizzes:attempt-detail", args=[attempt.pk]),
        question_url(attempt, 1),
        reverse("quizzes:attempt-result", args=[attempt.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(question_url(attempt, 1), answer_form(current_revision(attempt, 1))).status_code == 404
    assert client.post(reverse("quizzes:attempt-finish", args=[attempt.pk])).status_code == 404
    assert Answer.objects.count() == 0


@pytest.mark.parametrize(
    "name_args",
    [
        ("quizzes:quiz-detail", ["alpha"]),
        ("course:syllabus", []),
        ("course:section", ["alpha"]),
        ("quizzes:attempt-detail", [1]),
        ("quizzes:attempt-result", [1]),
        ("quizzes:attempt-question", [1, 1]),
    ],
)
def test_anonymous_users_are_sent_to_login(client, loaded_banks, name_args):
    name, args = name_args
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_anonymous_posts_are_sent_to_login(client, loaded_banks):
    response = client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Attempt.objects.count() == 0


# --- query budget --------------------------------------------------------------------------


def test_question_page_query_count_does_not_grow_with_answers(
    student_client, loaded_banks, django_assert_num_queries
):
    attempt = start(student_client, "assessment")
    # session, user, the attempt (+quiz, its section), the question (+section, current revision,
    # the answered count), its answer in the attempt (+the revision it was given)
    for number in range(1, attempt.total + 1):
        with django_assert_num_queries(5):
            assert student_client.get(question_url(attempt, number)).status_code == 200
        student_client.post(question_url(attempt, number), answer_form(current_revision(attempt, number)))
    # an answered question: the same five, whatever the number of answers
    with django_assert_num_queries(5):
        student_client.get(question_url(attempt, 1))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-posts", "htmx"])
def test_answering_takes_eight_queries(student_client, loaded_banks, django_assert_num_queries, htmx):
    attempt = start(student_client, "assessment")
    for number in range(1, attempt.total + 1):
        form = answer_form(current_revision(attempt, number), right=number % 2 == 0)
        # session, user, savepoint, the attempt (locked), the question (+section, current revision,
        # the answered count), its answer if any, the insert, release: the feedback card shows
        # what was just saved, nothing is read again to render it
        with django_assert_num_queries(8):
            response = student_client.post(question_url(attempt, number), form, **(HTMX if htmx else {}))
        assert response.status_code == (200 if htmx else 302)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-posts", "htmx"])
def test_a_form_shown_before_the_question_was_corrected_is_not_graded_on_the_old_key(
    student_client, attempt, htmx
):
    # This test once checked the opposite: the answer was graded against the revision shown.
    # Since [R10] only the current key grades; the student gets the question as it reads now.
    shown = current_revision(attempt, 1)
    form = answer_form(shown)  # right for the revision shown, wrong for the corrected key
    flipped = [{**choice, "correct": not choice["correct"]} for choice in shown.spec["choices"]]
    corrected = revision_apply(
        question=shown.question,
        prompt="Changée",
        explanation=shown.explanation,
        spec={**shown.spec, "choices": flipped},
    )
    response = student_client.post(question_url(attempt, 1), form, **(HTMX if htmx else {}))
    assert response.status_code == 422
    assert Answer.objects.count() == 0
    html = response.content.decode()
    with translation.override("fr"):
        assert escape(str(attempts.STALE_REVISION)) in html
    assert "Changée" in html and shown.prompt_html not in html
    assert f'name="revision" value="{corrected.pk}"' in html
    assert ("<html" in html) is not htmx  # the card alone for htmx, which swaps it in place
    # answered again from the form now shown: graded against the corrected key
    response = student_client.post(question_url(attempt, 1), answer_form(corrected), **HTMX)
    assert response.status_code == 200
    answer = Answer.objects.get()
    assert (answer.revision, answer.correct) == (corrected, True)


def test_a_stale_form_is_refused_in_the_service_too(student, attempt):
    shown = current_revision(attempt, 1)
    revision_apply(question=shown.question, prompt="Changée", explanation=shown.explanation, spec=shown.spec)
    form = {"revision": [str(shown.pk)], "choice": [shown.spec["choices"][0]["key"]]}
    with pytest.raises(attempts.StaleRevision) as error:
        attempts.answer_submit(
            student=student, attempt_id=attempt.pk, position=0, revision_id=shown.pk, form=form
        )
    assert error.value.status == 422 and error.value.message == attempts.STALE_REVISION
    assert Answer.objects.count() == 0


def test_the_result_page_takes_five_queries(student_client, loaded_banks, django_assert_num_queries):
    attempt = start(student_client, "alpha")
    for number in range(1, attempt.total + 1):
        student_client.post(question_url(attempt, number), answer_form(current_revision(attempt, number)))
    student_client.post(reverse("quizzes:attempt-finish", args=[attempt.pk]))
    # session, user, attempt (+quiz, its section), the scores by section, the answers (+question)
    with django_assert_num_queries(5):
        html = student_client.get(reverse("quizzes:attempt-result", args=[attempt.pk])).content.decode()
    assert "Alpha" in html and "100 %" in html


def test_the_result_page_names_questions_by_prompt_and_shows_each_answer_given(student_client, loaded_banks):
    attempt = start(student_client, "alpha")
    revisions = [current_revision(attempt, number) for number in range(1, attempt.total + 1)]
    for number, revision in enumerate(revisions, start=1):
        right = revision.question.kind != "single"  # the single choice answered wrong
        student_client.post(question_url(attempt, number), answer_form(revision, right=right))
    student_client.post(reverse("quizzes:attempt-finish", args=[attempt.pk]))
    html = student_client.get(reverse("quizzes:attempt-result", args=[attempt.pk])).content.decode()
    by_kind = {revision.question.kind: revision for revision in revisions}
    picked = next(c for c in by_kind["single"].spec["choices"] if not c["correct"])
    assert f'<span class="response-choice">{picked["text"]}</span>' in html and picked["key"] not in html
    assert "<li>✓ kubelet</li><li>✓ un runtime CRI</li>" in html
    assert "<strong>Faux</strong>" in html
    assert "{&#x27;" not in html
    for revision in revisions:  # the prompt is the link, the uid a label beside it
        uid = revision.question.uid
        assert re.search(
            rf">{re.escape(escape(excerpt(revision.prompt_html)))}</a>\s*<code class=\"uid\">{uid}</code>",
            html,
        )
        assert f">{uid}</a>" not in html


def test_the_feedback_card_is_the_one_the_question_page_shows_next(student_client, loaded_banks):
    """The card an htmx answer gets is made from the answer just saved, not read again: it is
    the card of the question's page from then on (CSRF tokens aside)."""
    attempt = start(student_client, "assessment")

    def without_tokens(html: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    for number in range(1, attempt.total + 1):
        form = answer_form(current_revision(attempt, number), right=number % 2 == 0)
        card = student_client.post(question_url(attempt, number), form, **HTMX).content.decode()
        assert 'class="verdict"' in card
        page = student_client.get(question_url(attempt, number)).content.decode()
        assert without_tokens(card).strip() in without_tokens(page)


def test_a_section_quizs_question_page_gets_the_section_with_the_attempt(
    student_client, loaded_banks, django_assert_num_queries
):
    attempt = start(student_client, "alpha")
    # session, user, attempt (+quiz, its section), question (+its section), its answer
    with django_assert_num_queries(5):
        html = student_client.get(question_url(attempt, 1)).content.decode()
    assert '<h1 class="quiz-title">Alpha</h1>' in html


@pytest.mark.parametrize("attempts", [1, 30])
def test_the_quiz_page_takes_four_queries_whatever_the_attempts(
    student_client, loaded_banks, student, django_assert_num_queries, attempts
):
    alpha = Quiz.objects.get(slug="alpha")
    for day in range(1, attempts + 1):
        Attempt.objects.create(
            student=student,
            quiz=alpha,
            question_ids=[],
            seed=1,
            score=day / 100,
            finished_at=f"2026-01-{day:02d}T10:00:00Z",
        )
    # session, user, the quiz (+its section and question count), the student's attempts at it
    with django_assert_num_queries(4):
        page = student_client.get(reverse("quizzes:quiz-detail", args=["alpha"]))
    quiz = page.context["quiz"]
    assert (quiz.question_count, quiz.attempt_count, quiz.best_score, quiz.last_score) == (
        3,
        attempts,
        attempts / 100,
        attempts / 100,
    )
    assert f"<strong>{attempts} %</strong>" in page.content.decode()  # the best score
