"""What the student-facing exports (Anki deck, CSV) read: the active questions and their answers.

``exportable_questions`` is the one query behind every export; ``right_answer_text`` says the
right answer of any kind in plain text (for a spreadsheet); ``questions_csv_rows`` turns
questions into rows for ``classes.spreadsheet.csv_response``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from classes.access import TRAINERS
from classes.models import Assignment
from course.models import Course, Section
from quizzes import kinds
from quizzes.kinds import cloze
from quizzes.models import Attempt, Question, QuizItem

CSV_HEADER = ("uid", "section", "kind", "difficulty", "tags", "prompt", "right_answer", "explanation")
#: The header people read, one title per column of ``CSV_HEADER``, in their language.
CSV_TITLES = (
    _("uid"),
    _("section"),
    _("kind"),
    _("difficulty"),
    _("tags"),
    _("question"),
    _("right answer"),
    _("explanation"),
)

TRUE = _("True")
FALSE = _("False")

MANY = " | "  # between several answers in one cell


def answer_key_open_to(student) -> Q:
    """The questions whose answers `student` may download: a graded question only once they
    have finished every quiz that holds it, or a trainer of their class released its key (so the
    30 questions of the assessment are not an answer sheet before it). Flashcards, questions in
    no quiz, trainers and staff: always. One condition, evaluated in the export's own query."""
    if student.is_staff:
        return Q()
    finished = Attempt.objects.filter(student=student, finished_at__isnull=False).values("quiz")
    released = Assignment.objects.filter(cohort__enrolments__student=student, answer_key_released=True)
    withheld = (
        QuizItem.objects.filter(question=OuterRef("pk"))
        .exclude(quiz__in=finished)
        .exclude(quiz__in=released.values("quiz"))
    )
    teaches = Group.objects.filter(name=TRAINERS, user=student.pk)
    return Q(kind__in=kinds.UNGRADED_KINDS) | ~Q(Exists(withheld)) | Q(Exists(teaches))


def exportable_questions(
    *, section: Section | None = None, course: Course | None = None, student=None
) -> QuerySet[Question]:
    """Active questions with their current revision and section, in course order (one query);
    for a `student`, only those whose answers they may download (`answer_key_open_to`)."""
    questions = Question.objects.filter(active=True, current_revision__isnull=False)
    if student is not None:
        questions = questions.filter(answer_key_open_to(student))
    if section is not None:
        questions = questions.filter(section=section)
    if course is not None:
        questions = questions.filter(section__course=course)
    return questions.select_related("section", "current_revision").order_by(
        "section__position", "position", "uid"
    )


def yaml_check_text(check: Mapping[str, Any]) -> str:
    """One check of a yaml question as a short line: ``kind equals Pod``, ``documents 2``."""
    value = check["value"]
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if check["op"] == "documents":
        return f"documents {value}"
    if check["op"] == "selector_matches":
        target = value.get("pod") if "pod" in value else value.get("labels")
        return f"selector_matches {value['service']} -> {target}"
    where = check["path"] if check.get("doc") is None else f"[{check['doc']}] {check['path']}"
    return f"{where} {check['op']} {shown}"


def right_answer_text(*, kind: str, spec: Mapping[str, Any]) -> str:
    """The right answer of a question of any kind, as plain text."""
    if kind in {"single", "multiple"}:
        return MANY.join(c["text"] for c in spec["choices"] if c["correct"])
    if kind == "truefalse":
        return str(TRUE if spec["answer"] else FALSE)
    if kind in {"short", "command"}:
        return MANY.join(spec["answers"])
    if kind == "matching":
        return MANY.join(f"{p['left']} -> {p['right']}" for p in spec["pairs"])
    if kind == "ordering":
        return " -> ".join(item["text"] for item in spec["items"])
    if kind == "cloze":
        return cloze.filled(spec)
    if kind == "flashcard":
        return spec["answer"]
    if kind == "yaml":
        if spec.get("solution"):
            return spec["solution"]
        return MANY.join(yaml_check_text(check) for check in spec["checks"])
    raise ValueError(f"unknown kind {kind!r}")


def questions_csv_rows(questions: Iterable[Question]) -> Iterator[list[Any]]:
    """One row per question, in the order of ``CSV_HEADER`` (Markdown sources, not HTML)."""
    for question in questions:
        revision = question.current_revision
        yield [
            question.uid,
            question.section.slug,
            question.kind,
            question.difficulty,
            ", ".join(question.tags),
            revision.prompt,
            right_answer_text(kind=question.kind, spec=revision.spec),
            revision.explanation,
        ]
