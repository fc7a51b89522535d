"""The bank loader: atomic, idempotent, line-precise; and the exporter that round-trips."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from course import markdown, yamlio
from quizzes import banks
from quizzes.banks import BankError, bank_dump, bank_load, bank_read
from quizzes.models import Answer, Attempt, Question, Quiz, Revision
from tests.conftest import TEST_BANKS
from tests.course.test_yamlio import BILLION_LAUGHS

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def snapshot() -> tuple:
    return (
        sorted(Question.objects.values_list("uid", "active", "current_revision__number")),
        Revision.objects.count(),
        sorted(Quiz.objects.values_list("slug", flat=True)),
    )


def test_loads_every_kind_and_builds_quizzes(loaded_banks):
    assert len(loaded_banks.created) == 6
    assert set(Question.objects.values_list("kind", flat=True)) == {
        "single",
        "multiple",
        "truefalse",
        "short",
        "matching",
        "ordering",
    }
    alpha = Quiz.objects.get(slug="alpha")
    assert list(alpha.items.values_list("question__uid", flat=True)) == [
        "alpha-single-1",
        "alpha-multiple-1",
        "alpha-truefalse-1",
    ]
    assessment = Quiz.objects.get(slug="assessment")
    assert assessment.kind == Quiz.Kind.ASSESSMENT
    assert assessment.items.count() == 3
    question = Question.objects.get(uid="alpha-single-1")
    assert question.erratum["fact"] == "cm est juste."
    assert "<code>cm</code>" in question.current_revision.prompt_html


def test_loading_twice_changes_nothing(loaded_banks):
    before = snapshot()
    again = bank_load([TEST_BANKS])
    assert not again.changed
    assert len(again.unchanged) == 6
    assert snapshot() == before


def test_changed_content_gets_a_new_revision_and_old_answers_keep_theirs(sections, tmp_path, student):
    path = write(
        tmp_path,
        "alpha.yaml",
        """
        section: alpha
        questions:
          - uid: alpha-tf-1
            kind: truefalse
            prompt: "Première version"
            answer: true
            explanation: "Parce que."
    """,
    )
    bank_load([path])
    question = Question.objects.get(uid="alpha-tf-1")
    first = question.current_revision
    quiz = Quiz.objects.get(slug="alpha")
    attempt = Attempt.objects.create(student=student, quiz=quiz, question_ids=[question.pk], seed=1)
    Answer.objects.create(
        attempt=attempt,
        question=question,
        revision=first,
        position=0,
        response={"answer": True},
        correct=True,
        score=1.0,
    )
    path.write_text(path.read_text().replace("Première version", "Seconde version"))
    summary = bank_load([path])
    question.refresh_from_db()
    assert summary.revised == ["alpha-tf-1"]
    assert question.current_revision.number == 2
    assert Answer.objects.get().revision == first
    assert first.prompt == "Première version"


def test_metadata_change_updates_without_a_new_revision(loaded_banks, tmp_path):
    text = (TEST_BANKS / "alpha.yaml").read_text().replace("difficulty: 1", "difficulty: 3")
    path = write(tmp_path, "alpha.yaml", text)
    summary = bank_load([path])
    assert summary.updated == ["alpha-single-1"]
    assert Question.objects.get(uid="alpha-single-1").difficulty == 3
    assert Revision.objects.filter(question__uid="alpha-single-1").count() == 1


BROKEN = """
    section: alpha
    questions:
      - uid: alpha-ok-1
        kind: truefalse
        prompt: "Correcte"
        answer: true
        explanation: "Oui."
      - uid: alpha-bad-1
        kind: single
        prompt: "Deux bonnes réponses"
        choices:
          - {text: "a", correct: true}
          - {text: "b", correct: true}
        explanation: "Non."
      - uid: Alpha Bad
        kind: riddle
        prompt: ""
        explanation: "x"
        colour: blue
      - uid: alpha-ok-1
        kind: truefalse
        prompt: "Doublon"
        answer: false
        explanation: "Non."
      - uid: alpha-bad-2
        kind: short
        prompt: "Pas de réponses"
        explanation: "x"
        difficulty: 7
        section: nowhere
"""


@pytest.mark.usefixtures("english")
def test_every_problem_is_reported_with_its_line_and_nothing_is_written(sections, tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)
    with pytest.raises(BankError) as error:
        bank_load([path])
    messages = [str(p) for p in error.value.problems]
    expected = [
        (11, "exactly one correct choice"),
        (15, "uid 'Alpha Bad'"),
        (16, "unknown kind 'riddle'"),
        (17, "missing prompt"),
        (19, "unknown field 'colour'"),
        (20, "duplicate uid 'alpha-ok-1'"),
        (29, "difficulty must be 1, 2 or 3"),
        (30, "unknown section 'nowhere'"),
        (25, "answers must be a non-empty list"),
    ]
    for line, fragment in expected:
        assert any(m.startswith(f"{path}:{line}: ") and fragment in m for m in messages), (
            line,
            fragment,
            messages,
        )
    assert Question.objects.count() == 0
    assert Quiz.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("section: alpha\nquestions:\n  - uid: a\n\tkind: single\n", 4, "YAML syntax error"),
        ("section: alpha\nsection: beta\nquestions: []\n", 2, "duplicate key 'section'"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("section: alpha\nquestions: nope\n", 2, "questions must be a list"),
        ("section: alpha\nextra: 1\nquestions: []\n", 2, "unknown top-level field 'extra'"),
    ],
)
@pytest.mark.usefixtures("english")
def test_file_level_problems_name_their_line(sections, tmp_path, text, line, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    read = bank_read([path], sections={"alpha", "beta"})
    assert any(p.line == line and fragment in p.message for p in read.problems), read.problems


def test_one_bad_file_among_good_ones_writes_nothing(loaded_banks, tmp_path):
    before = snapshot()
    good = write(
        tmp_path,
        "good.yaml",
        """
        section: beta
        questions:
          - uid: beta-new-1
            kind: truefalse
            prompt: "Nouvelle"
            answer: true
            explanation: "Oui."
    """,
    )
    bad = write(tmp_path, "bad.yaml", "section: beta\nquestions:\n  - uid: beta-x-1\n    kind: single\n")
    with pytest.raises(BankError):
        bank_load([good, bad])
    assert snapshot() == before


@pytest.mark.usefixtures("english")
def test_assessment_naming_an_unknown_question_is_refused(sections, tmp_path):
    path = write(
        tmp_path, "quizzes.yaml", "quizzes:\n  - slug: exam\n    title: Exam\n    questions: [ghost-1]\n"
    )
    with pytest.raises(BankError) as error:
        bank_load([TEST_BANKS / "alpha.yaml", path])
    assert "unknown question 'ghost-1'" in str(error.value)


@pytest.mark.usefixtures("english")
def test_kind_of_an_answered_question_cannot_change(loaded_banks, student, tmp_path):
    question = Question.objects.get(uid="alpha-truefalse-1")
    attempt = Attempt.objects.create(
        student=student, quiz=Quiz.objects.get(slug="alpha"), question_ids=[question.pk], seed=1
    )
    Answer.objects.create(
        attempt=attempt,
        question=question,
        revision=question.current_revision,
        position=0,
        response={"answer": False},
        correct=True,
        score=1.0,
    )
    text = (
        (TEST_BANKS / "alpha.yaml")
        .read_text()
        .replace("kind: truefalse", "kind: short")
        .replace("answer: false", "answers: [non]")
    )
    with pytest.raises(BankError) as error:
        bank_load([write(tmp_path, "alpha.yaml", text)])
    assert "its kind cannot change" in str(error.value)


def test_full_load_deactivates_vanished_questions(loaded_banks, settings, tmp_path):
    banks = tmp_path / "fixtures" / "banks"
    banks.mkdir(parents=True)
    (banks / "alpha.yaml").write_text((TEST_BANKS / "alpha.yaml").read_text())
    settings.FIXTURES_DIR = tmp_path / "fixtures"
    summary = bank_load()
    assert summary.deactivated == ["beta-matching-1", "beta-ordering-1", "beta-short-1"]
    assert Question.objects.filter(active=False).count() == 3
    assert Quiz.objects.get(slug="beta").items.count() == 0


def test_export_loads_back_to_the_same_content(loaded_banks, tmp_path):
    written = bank_dump(tmp_path / "out")
    assert {p.name for p in written} == {"alpha.yaml", "beta.yaml", "quizzes.yaml"}
    read = bank_read(written, sections={"alpha", "beta"})
    assert read.problems == []
    stored = {q.uid: q for q in Question.objects.select_related("current_revision", "section")}
    for bank in read.questions:
        question = stored[bank.uid]
        assert bank.content_hash() == question.current_revision.content_hash
        assert (bank.section, bank.difficulty, bank.tags, bank.erratum) == (
            question.section.slug,
            question.difficulty,
            question.tags,
            question.erratum,
        )
    assert len(read.questions) == len(stored)
    assert read.quizzes[0].uids == ["alpha-single-1", "beta-short-1", "beta-ordering-1"]
    # Loading the export changes nothing.
    assert not bank_load(written).changed


@pytest.mark.usefixtures("english")
def test_load_banks_command_prints_file_line_problems_and_fails(sections, tmp_path, capsys):
    path = write(tmp_path, "broken.yaml", BROKEN)
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_banks", str(path))
    err = capsys.readouterr().err
    assert f"{path}:11: a single-choice question needs exactly one correct choice" in err


def test_check_option_writes_nothing(sections):
    call_command("load_banks", str(TEST_BANKS / "alpha.yaml"), "--check")
    assert Question.objects.count() == 0


def test_the_real_banks_and_outline_load(db):
    call_command("load_course")
    call_command("load_banks")
    assert Question.objects.filter(active=True).count() >= 40
    assert Quiz.objects.filter(kind=Quiz.Kind.SECTION).count() >= 6
    assert Quiz.objects.filter(kind=Quiz.Kind.ASSESSMENT).exists()


# --- bounds: every bank file is read under the one YAML bound, and within a size ---------------


def test_a_billion_laughs_bank_is_refused_with_its_line(sections, tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text("section: alpha\nquestions: []\n" + BILLION_LAUGHS)
    read = bank_read([path], sections={"alpha"})
    assert [(p.line, p.message) for p in read.problems] == [
        (7, yamlio.ALIASES_TOO_LARGE % {"line": 7, "column": 4, "limit": yamlio.MAX_ALIAS_EXPANSION})
    ]


def test_a_bank_nested_10000_deep_is_refused_with_a_message(sections, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("section: alpha\nquestions:\n" + "  - " * 10_000 + "x\n")
    read = bank_read([path], sections={"alpha"})
    assert [p.message for p in read.problems] == [
        yamlio.TOO_DEEP % {"line": 3, "column": 199, "limit": yamlio.MAX_DEPTH}  # where the limit is passed
    ]


@pytest.mark.usefixtures("english")
def test_a_bank_file_over_the_size_limit_is_refused_unread(sections, tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_text("section: alpha\nquestions: []\n" + "#" * banks.MAX_BANK_BYTES)
    monkeypatch.setattr(banks, "load_file", None)  # refused before it is parsed
    read = bank_read([path], sections={"alpha"})
    assert [p.message for p in read.problems] == [
        f"the file is larger than {banks.MAX_BANK_BYTES:,} bytes: split it by section"
    ]


@pytest.mark.usefixtures("english")
def test_a_bank_with_too_many_questions_is_refused_before_they_are_read(sections, tmp_path, monkeypatch):
    path = tmp_path / "many.yaml"
    path.write_text("section: alpha\nquestions:\n" + "  - {uid: q}\n" * (banks.MAX_BANK_QUESTIONS + 1))
    monkeypatch.setattr(banks, "_read_question", None)
    read = bank_read([path], sections={"alpha"})
    count = banks.MAX_BANK_QUESTIONS + 1
    assert [(p.line, p.message) for p in read.problems] == [
        (2, f"{count:,} questions: a bank file holds at most {banks.MAX_BANK_QUESTIONS:,}, split it")
    ]


def test_the_limits_of_a_bank_file_are_written_as_the_language_writes_numbers(tmp_path, monkeypatch):
    huge = tmp_path / "huge.yaml"
    huge.write_text("section: alpha\nquestions: []\n" + "#" * banks.MAX_BANK_BYTES)
    many = tmp_path / "many.yaml"
    many.write_text("section: alpha\nquestions:\n" + "  - {uid: q}\n" * 1001)
    monkeypatch.setattr(banks, "_read_question", None)
    (too_large,), (too_many,) = (bank_read([path], sections={"alpha"}).problems for path in (huge, many))
    assert "500\xa0000" in too_large.message  # the French thousands separator (the page is French)
    assert "1\xa0001" in too_many.message


def test_a_prompt_nested_too_deep_for_markdown_is_a_problem_of_its_line(sections, tmp_path):
    path = write(
        tmp_path,
        "md.yaml",
        f"""
        section: alpha
        questions:
          - uid: alpha-md
            kind: truefalse
            prompt: "{"[" * 30}x"
            explanation: fine
            answer: true
        """,
    )
    read = bank_read([path], sections={"alpha"})
    assert [(p.line, p.message) for p in read.problems] == [
        (5, "prompt: " + markdown.TOO_DEEP % {"limit": markdown.MAX_NESTING})
    ]
