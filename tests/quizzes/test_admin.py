"""The editor's desk: kind-fitted forms, revisions on save, preview, history, import, actions."""

from __future__ import annotations

import re

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from course import markdown, yamlio
from quizzes.banks import bank_read
from quizzes.models import Answer, AnswerRegrade, Attempt, Question, Quiz, Revision
from tests.course.test_yamlio import BILLION_LAUGHS
from tests.quizzes.helpers import answer_form, set_key, take_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(user_factory):
    return user_factory(username="editor", groups=("editors",), is_staff=True)


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def base_data(question: Question | None = None, **extra) -> dict:
    data = {
        "uid": question.uid if question else "alpha-new-1",
        "section": question.section_id if question else None,
        "difficulty": 2,
        "active": "on",
        "tag_list": "cm, shortname",
        "erratum": "{}",
        "prompt": "Quelle ressource désigne `cm` ?",
        "explanation": "`cm` est le nom court de `configmaps`.",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def choice_rows(*rows) -> dict:
    data = {}
    for number, (text, correct, *feedback) in enumerate(rows, start=1):
        data[f"choices-{number}-text"] = text
        if correct:
            data[f"choices-{number}-correct"] = "on"
        if feedback and feedback[0]:
            data[f"choices-{number}-feedback"] = feedback[0]
    return data


def test_editors_see_the_bank_with_answers_and_facility(editor_client, loaded_banks, student):
    question = Question.objects.get(uid="alpha-single-1")
    quiz = Quiz.objects.get(slug="alpha")
    attempt = Attempt.objects.create(student=student, quiz=quiz, question_ids=[question.pk], seed=1)
    Answer.objects.create(
        attempt=attempt,
        question=question,
        revision=question.current_revision,
        position=0,
        response={},
        correct=False,
        score=0.25,
    )
    url = reverse("admin:quizzes_question_changelist")
    html = editor_client.get(url).content.decode()
    assert "alpha-single-1" in html and "25 %" in html
    assert "alpha-single-1" in editor_client.get(url, {"answered": "yes"}).content.decode()
    assert "alpha-single-1" not in editor_client.get(url, {"answered": "no"}).content.decode()
    assert "beta-short-1" in editor_client.get(url, {"q": "Nom court de Service"}).content.decode()


def test_editors_cannot_manage_users(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_a_single_choice_question_with_two_right_answers_is_refused_by_name(editor_client, loaded_banks):
    section = Question.objects.get(uid="alpha-single-1").section
    url = reverse("admin:quizzes_question_add") + "?kind=single"
    data = base_data(section=section.pk, kind="single") | choice_rows(("ConfigMap", True), ("CRD", True))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "exactement un choix correct" in response.content.decode()
    assert not Question.objects.filter(uid="alpha-new-1").exists()
    data = base_data(section=section.pk, kind="single") | choice_rows(("ConfigMap", True), ("CRD", False))
    response = editor_client.post(url, data)
    assert response.status_code == 302
    question = Question.objects.get(uid="alpha-new-1")
    assert question.current_revision.number == 1 and question.tags == ["cm", "shortname"]
    assert [c["text"] for c in question.current_revision.spec["choices"]] == ["ConfigMap", "CRD"]
    assert question.quiz_items.filter(quiz__slug="alpha").exists()  # joins its section's quiz


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (
            "matching",
            {"pairs-1-left": "cm", "pairs-1-right": "ConfigMap", "pairs-2-left": "sts"},
            "élément droit",
        ),
        ("yaml", {"yaml_checks": "- path: 'spec..containers'\n  equals: x\n  explain: y\n"}, "path"),
        ("short", {"lines_answers": ""}, "obligatoire"),
        ("yaml", {"yaml_checks": "- path: [\n"}, "erreur de syntaxe YAML ligne 1, colonne 10"),
    ],
)
def test_kind_problems_are_named(editor_client, loaded_banks, kind, fields, message):
    section = Question.objects.get(uid="alpha-single-1").section
    response = editor_client.post(
        reverse("admin:quizzes_question_add") + f"?kind={kind}",
        base_data(section=section.pk, kind=kind) | fields,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.filter(uid="alpha-new-1").exists()


def test_the_form_shows_each_kinds_own_fields(editor_client, loaded_banks):
    for uid, marker in [
        ("alpha-single-1", 'name="choices-1-correct"'),
        ("beta-matching-1", 'name="pairs-1-right"'),
        ("beta-ordering-1", 'name="items-3-text"'),
        ("beta-short-1", 'name="lines_answers"'),
        ("alpha-truefalse-1", 'name="tf_answer"'),
    ]:
        question = Question.objects.get(uid=uid)
        html = editor_client.get(
            reverse("admin:quizzes_question_change", args=[question.pk])
        ).content.decode()
        assert marker in html, uid
        assert 'hx-post="' + reverse("admin:quizzes_question_markdown_preview") in html
        # each Markdown text has its live preview beside it, which htmx fills
        assert 'hx-target="#preview-prompt"' in html and 'id="preview-prompt"' in html


def change_single(editor_client, question, **extra):
    spec = question.current_revision.spec
    rows = [(c["text"], c["correct"], c["feedback"]) for c in spec["choices"]]
    data = (
        base_data(
            question,
            kind="single",
            prompt=question.current_revision.prompt,
            explanation=question.current_revision.explanation,
        )
        | choice_rows(*rows)
        | extra
    )
    return editor_client.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)


def test_editing_mid_quiz_grades_the_open_form_on_nothing_but_the_fix(
    editor_client, student_client, loaded_banks
):
    """A student sees r1, an editor fixes the question (r2), the student answers from the r1
    form: not graded on the withdrawn key, the question comes back as r2. (Before [R10] this
    test checked the opposite: the answer was graded on r1.)"""
    student_client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    attempt = Attempt.objects.get()
    question = Question.objects.get(pk=attempt.question_ids[0])
    shown = question.current_revision
    form = answer_form(shown)
    # The editor swaps which choice is right (a fix); the student's open form still carries r1.
    spec_choices = shown.spec["choices"]
    rows = [(c["text"], not c["correct"] if i < 2 else False) for i, c in enumerate(spec_choices)]
    data = base_data(
        question, kind="single", prompt=shown.prompt + " (corrigé)", explanation=shown.explanation
    )
    response = editor_client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]), data | choice_rows(*rows)
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current_revision.number == 2
    response = student_client.post(reverse("quizzes:attempt-question", args=[attempt.pk, 1]), form)
    assert response.status_code == 422 and "(corrigé)" in response.content.decode()
    assert not Answer.objects.exists()
    assert Revision.objects.get(pk=shown.pk).prompt == shown.prompt  # r1 untouched


def test_saving_unchanged_content_makes_no_revision(editor_client, loaded_banks):
    question = Question.objects.get(uid="alpha-single-1")
    assert change_single(editor_client, question).status_code == 302
    assert question.revisions.count() == 1


def test_answered_questions_cannot_be_deleted_only_deactivated(editor, editor_client, loaded_banks, student):
    editor.user_permissions.add(
        *__import__("django.contrib.auth.models", fromlist=["Permission"]).Permission.objects.filter(
            codename="delete_question"
        )
    )
    question = Question.objects.get(uid="alpha-single-1")
    attempt = Attempt.objects.create(
        student=student, quiz=Quiz.objects.get(slug="alpha"), question_ids=[question.pk], seed=1
    )
    Answer.objects.create(
        attempt=attempt,
        question=question,
        revision=question.current_revision,
        position=0,
        response={},
        correct=True,
        score=1.0,
    )
    assert editor_client.get(reverse("admin:quizzes_question_delete", args=[question.pk])).status_code == 403
    changelist = reverse("admin:quizzes_question_changelist")
    assert 'value="delete_selected"' not in editor_client.get(changelist).content.decode()
    editor_client.post(changelist, {"action": "deactivate", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert not question.active and Question.objects.filter(pk=question.pk).exists()
    assert not Quiz.objects.get(slug="alpha").items.filter(question=question).exists()


def test_move_and_export_actions(editor_client, loaded_banks):
    changelist = reverse("admin:quizzes_question_changelist")
    question = Question.objects.get(uid="alpha-single-1")
    beta = Question.objects.get(uid="beta-short-1").section
    page = editor_client.post(changelist, {"action": "move_to_section", "_selected_action": [question.pk]})
    assert 'name="section"' in page.content.decode()
    editor_client.post(
        changelist,
        {"action": "move_to_section", "_selected_action": [question.pk], "section": beta.pk, "apply": "1"},
    )
    assert Question.objects.get(pk=question.pk).section == beta
    response = editor_client.post(
        changelist,
        {"action": "export_yaml", "_selected_action": list(Question.objects.values_list("pk", flat=True))},
    )
    data = yaml.safe_load(response.content)
    assert len(data["questions"]) == 6 and data["questions"][0]["section"]


def test_live_markdown_preview_is_rendered_and_sanitised(editor_client):
    url = reverse("admin:quizzes_question_markdown_preview")
    html = editor_client.post(url, {"prompt": "`kubectl` <script>alert(1)</script>"}).content.decode()
    assert "<code>kubectl</code>" in html and "<script" not in html
    both = {"prompt": "énoncé", "explanation": "**explication**", "preview_field": "explanation"}
    assert editor_client.post(url, both).content.decode() == "<p><strong>explication</strong></p>"
    assert editor_client.get(url).status_code == 400


def test_preview_as_a_student_grades_without_saving(editor_client, loaded_banks):
    question = Question.objects.get(uid="alpha-single-1")
    url = reverse("admin:quizzes_question_preview", args=[question.pk])
    assert 'name="choice"' in editor_client.get(url).content.decode()
    html = editor_client.post(url, answer_form(question.current_revision)).content.decode()
    assert "✓" in html and "nom court" in html
    assert Answer.objects.count() == 0


def test_revision_history_and_comparison(editor_client, loaded_banks):
    question = Question.objects.get(uid="alpha-single-1")
    change_single(editor_client, question, prompt="Nouvelle formulation de l'énoncé")
    url = reverse("admin:quizzes_question_revisions", args=[question.pk])
    html = editor_client.get(url).content.decode()
    assert "r1" in html and "r2" in html
    diff = editor_client.get(url, {"compare": "1"}).content.decode()
    assert re.search(r'class="add">\+prompt: Nouvelle formulation', diff)


GOOD_BANK = """section: alpha
questions:
  - uid: alpha-single-1
    kind: single
    difficulty: 1
    tags: [shortname]
    prompt: "Quelle ressource désigne `cm` ? (revu)"
    choices:
      - {text: ConfigMap, correct: true}
      - {text: CustomResourceDefinition}
    explanation: "`cm` est le nom court de `configmaps`."
  - uid: alpha-brand-new-1
    kind: truefalse
    prompt: "Un Pod peut contenir plusieurs conteneurs."
    answer: true
    explanation: "Oui : un Pod regroupe un ou plusieurs conteneurs."
"""


def upload(client, text: str, name: str = "alpha.yaml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:quizzes_question_import"),
        {"file": SimpleUploadedFile(name, text.encode(), content_type="application/x-yaml")},
    )


def test_import_dry_run_then_confirm(editor_client, loaded_banks):
    before = Revision.objects.count()
    response = upload(editor_client, GOOD_BANK)
    html = response.content.decode()
    assert response.status_code == 200 and "alpha-brand-new-1" in html and "(revu)" in html
    assert (
        Revision.objects.count() == before and not Question.objects.filter(uid="alpha-brand-new-1").exists()
    )
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    confirmed = editor_client.post(
        reverse("admin:quizzes_question_import"), {"payload": payload, "confirm": "1"}
    )
    assert confirmed.status_code == 302
    assert Question.objects.get(uid="alpha-single-1").current_revision.number == 2
    assert Question.objects.filter(uid="alpha-brand-new-1").exists()


def test_an_invalid_bank_shows_line_problems_and_writes_nothing(editor_client, loaded_banks):
    before = Revision.objects.count()
    bad = GOOD_BANK.replace("answer: true", "answer: peut-être")
    response = upload(editor_client, bad, name="mon-banc.yaml")
    html = response.content.decode()
    assert response.status_code == 400 and "mon-banc.yaml:15" in html
    assert "answer doit valoir true ou false" in html
    assert 'name="payload"' not in html and Revision.objects.count() == before


def test_a_tampered_import_payload_is_refused(editor_client, loaded_banks):
    response = editor_client.post(
        reverse("admin:quizzes_question_import"), {"payload": "forged", "confirm": "1"}
    )
    assert response.status_code == 302 and not Question.objects.filter(uid="alpha-brand-new-1").exists()


def test_exported_yaml_loads_back(editor_client, loaded_banks, tmp_path):
    response = editor_client.post(
        reverse("admin:quizzes_question_changelist"),
        {"action": "export_yaml", "_selected_action": list(Question.objects.values_list("pk", flat=True))},
    )
    path = tmp_path / "export.yaml"
    path.write_bytes(response.content)
    read = bank_read([path], sections={"alpha", "beta"})
    assert read.problems == [] and len(read.questions) == 6


def test_a_gift_file_goes_through_the_same_dry_run(editor_client, loaded_banks):
    text = (
        "$CATEGORY: $course$/top/alpha\n\n"
        "::alpha-gift-pods-1::Un Pod peut regrouper plusieurs conteneurs."
        "{T####Oui, ils partagent réseau et volumes.}\n"
    )
    response = upload(editor_client, text, name="moodle.gift")
    html = response.content.decode()
    assert response.status_code == 200 and "alpha-gift-pods-1" in html
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    editor_client.post(reverse("admin:quizzes_question_import"), {"payload": payload, "confirm": "1"})
    assert Question.objects.get(uid="alpha-gift-pods-1").kind == "truefalse"
    broken = upload(editor_client, "::x::Essai ouvert{}\n", name="essay.gift")
    assert broken.status_code == 400 and "essay.gift:1" in broken.content.decode()


# --- regrading past answers -----------------------------------------------------------------


def regrade_url(question: Question) -> str:
    return reverse("admin:quizzes_question_regrade", args=[question.pk])


def test_the_change_page_offers_the_regrade(editor_client, loaded_banks):
    question = Question.objects.get(uid="alpha-single-1")
    html = editor_client.get(reverse("admin:quizzes_question_change", args=[question.pk])).content.decode()
    assert f'href="{regrade_url(question)}"' in html


def test_the_regrade_page_shows_the_dry_run_then_regrades_on_confirmation(editor, editor_client, wrong_key):
    from django.contrib.admin.models import CHANGE, LogEntry

    question, wrong, corrected, mine, theirs = wrong_key
    response = editor_client.get(regrade_url(question))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.answers, len(report.rescored), report.attempts_rescored) == (2, 2, 2)
    html = response.content.decode()
    assert '">student</th>' in html and '">other</th>' in html  # the two students, by name
    assert f"r{wrong.number} → r{corrected.number}" in html
    assert "✗ 0 % → ✓ 100 %" in html and "67 % → 100 %" in html  # the student's answer and attempt
    assert "✓ 100 % → ✗ 0 %" in html and "33 % → 0 %" in html  # the other's
    assert f'name="revision" value="{corrected.pk}"' in html and "csrfmiddlewaretoken" in html
    assert not AnswerRegrade.objects.exists()  # a dry run writes nothing

    response = editor_client.post(regrade_url(question), {"revision": corrected.pk}, follow=True)
    assert response.redirect_chain == [(reverse("admin:quizzes_question_change", args=[question.pk]), 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and f"r{corrected.number}" in messages[0]
    assert dict(Attempt.objects.values_list("pk", "score")) == {mine.pk: 1.0, theirs.pk: 0.0}
    assert AnswerRegrade.objects.filter(regraded_by=editor).count() == 2
    entry = LogEntry.objects.get(object_id=str(question.pk), action_flag=CHANGE)
    assert entry.user == editor and f"r{corrected.number}" in entry.get_change_message()
    history = editor_client.get(reverse("admin:quizzes_answerregrade_changelist"), {"q": question.uid})
    assert history.status_code == 200 and history.context["cl"].result_count == 2

    # Confirmed again (a second tab): nothing changes, and the page says so.
    again = editor_client.get(regrade_url(question))
    assert again.context["report"].changes == () and 'name="revision"' not in again.content.decode()
    editor_client.post(regrade_url(question), {"revision": corrected.pk})
    assert AnswerRegrade.objects.count() == 2 and LogEntry.objects.filter(action_flag=CHANGE).count() == 1


def test_a_dry_run_made_before_the_key_changed_again_is_not_confirmed(editor_client, wrong_key):
    question, wrong, corrected, *_ = wrong_key
    response = editor_client.post(regrade_url(question), {"revision": wrong.pk})
    assert response.status_code == 302 and response.url == regrade_url(question)
    assert not AnswerRegrade.objects.exists()
    assert set(Answer.objects.filter(question=question).values_list("revision", flat=True)) == {wrong.pk}


@pytest.mark.parametrize("who", ["anonymous", "student", "trainer", "staff-without-rights"])
def test_only_editors_regrade(who, wrong_key, client, student, trainer, user_factory):
    question, wrong, corrected, *_ = wrong_key
    if who == "student":
        client.force_login(student)
    elif who == "trainer":
        client.force_login(trainer)
    elif who == "staff-without-rights":
        client.force_login(user_factory(username="clerk", is_staff=True))
    url = regrade_url(question)
    for response in (client.get(url), client.post(url, {"revision": corrected.pk})):
        if who == "staff-without-rights":
            assert response.status_code == 403
        else:  # the admin sends whoever is not staff to its login page
            assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert not AnswerRegrade.objects.exists()


def test_the_regrade_needs_the_csrf_token(editor, wrong_key):
    question, wrong, corrected, *_ = wrong_key
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(regrade_url(question), {"revision": corrected.pk}).status_code == 403
    assert not AnswerRegrade.objects.exists()


def test_the_dry_run_page_takes_the_same_queries_for_one_answer_or_many(
    editor_client, loaded_banks, user_factory
):
    question = Question.objects.get(uid="alpha-single-1")
    counts = []
    for size in (1, 8):
        set_key(question, "ClusterRole")
        for _ in range(size):
            take_quiz(user_factory(), "alpha", pick="ConfigMap", others_right=True)
        set_key(question, "ConfigMap")
        with CaptureQueriesContext(connection) as ctx:
            response = editor_client.get(regrade_url(question))
        # every answer picked ConfigMap and was graded on a ClusterRole key: all are rescored
        assert len(response.context["report"].rescored) == Answer.objects.filter(question=question).count()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_an_attempts_answers_show_the_choice_given_not_its_key(admin_client, loaded_banks, student):
    question = Question.objects.get(uid="alpha-single-1")
    picked = next(c for c in question.current_revision.spec["choices"] if not c["correct"])
    attempt = Attempt.objects.create(
        student=student, quiz=Quiz.objects.get(slug="alpha"), question_ids=[question.pk], seed=1
    )
    Answer.objects.create(
        attempt=attempt,
        question=question,
        revision=question.current_revision,
        position=0,
        response={"choice": picked["key"]},
        correct=False,
        score=0.0,
    )
    html = admin_client.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk])).content.decode()
    assert picked["text"] in html and picked["key"] not in html


def test_markdown_preview_refuses_a_text_nested_too_deep_with_the_limit(editor_client):
    url = reverse("admin:quizzes_question_markdown_preview")
    response = editor_client.post(url, {"prompt": "[" * 10_000 + "x" + "]" * 10_000})
    assert response.status_code == 422
    with translation.override("fr"):
        assert escape(markdown.TOO_DEEP % {"limit": markdown.MAX_NESTING}) in response.content.decode()


def test_a_billion_laughs_in_the_yaml_checks_is_refused_with_its_place(editor_client, loaded_banks):
    section = Question.objects.get(uid="alpha-single-1").section
    response = editor_client.post(
        reverse("admin:quizzes_question_add") + "?kind=yaml",
        base_data(section=section.pk, kind="yaml") | {"yaml_checks": BILLION_LAUGHS},
    )
    assert response.status_code == 200
    with translation.override("fr"):
        limit = yamlio.MAX_ALIAS_EXPANSION
        expected = escape(yamlio.ALIASES_TOO_LARGE % {"line": 5, "column": 4, "limit": limit})
    assert expected in response.content.decode()
    assert not Question.objects.filter(uid="alpha-new-1").exists()


def test_a_prompt_nested_too_deep_is_refused_by_the_form(editor_client, loaded_banks):
    section = Question.objects.get(uid="alpha-single-1").section
    data = base_data(section=section.pk, kind="single") | choice_rows(("ConfigMap", True), ("CRD", False))
    response = editor_client.post(
        reverse("admin:quizzes_question_add") + "?kind=single", data | {"prompt": "[" * 10_000}
    )
    assert response.status_code == 200
    with translation.override("fr"):
        expected = escape(markdown.TOO_DEEP % {"limit": markdown.MAX_NESTING})
    assert expected in response.content.decode()
    assert not Question.objects.filter(uid="alpha-new-1").exists()


@pytest.mark.parametrize(
    "text",
    [
        "section: alpha\nquestions: []\n" + BILLION_LAUGHS,
        "section: alpha\nquestions:\n" + "  - " * 10_000 + "x\n",
        "section: alpha\nquestions:\n" + "  - {uid: q}\n" * 501,
    ],
    ids=["billion-laughs", "10000-deep", "501-questions"],
)
def test_an_uploaded_bank_beyond_the_bounds_is_a_400_with_its_problem(editor_client, loaded_banks, text):
    before = Question.objects.count()
    response = upload(editor_client, text, "bomb.yaml")
    assert response.status_code == 400
    assert "bomb.yaml:" in response.content.decode()
    assert Question.objects.count() == before
