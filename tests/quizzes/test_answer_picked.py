"""`Answer.picked`, the choices a response picked, read by item analysis from an index: right
after answering, and after a restore (even of a backup written before the column)."""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import call_command

from quizzes import kinds
from quizzes.models import Answer, Quiz
from tests.browser.helpers import take_quiz
from tests.interop.backup_helpers import rewrite

pytestmark = pytest.mark.django_db


def test_picked_choices_of_each_kind_of_response():
    assert kinds.picked_choices({"choice": "a1"}) == "a1"
    assert kinds.picked_choices({"choice": "0123456789"}) == "0123456789"  # a key of digits stays text
    assert kinds.picked_choices({"choices": ["b", "a"]}) == ["b", "a"]
    assert kinds.picked_choices({"answer": True}) is None
    assert kinds.picked_choices({"text": "kubectl"}) is None
    assert kinds.picked_choices({}) is None
    assert kinds.picked_choices(None) is None
    assert kinds.picked_json({"choices": ["b", "a"]}) == '["b", "a"]'
    assert kinds.picked_json({"text": "kubectl"}) is None


def take(student, quiz: Quiz, *, right: bool) -> list[Answer]:
    attempt = take_quiz(student, quiz.slug, right=[right] * quiz.items.count())
    return list(attempt.answers.select_related("question", "revision"))


def assert_picked_follow_responses() -> int:
    """Every answer's stored `picked` is the one its response gives; returns how many picked."""
    rows = list(Answer.objects.values_list("response", "picked", "question__kind"))
    assert rows
    for response, picked, kind in rows:
        assert picked == kinds.picked_json(response)
        assert (picked is not None) == (kind in {"single", "multiple"})
    return sum(picked is not None for _r, picked, _k in rows)


def test_answering_stores_what_was_picked(loaded_banks, user_factory):
    student = user_factory()
    answers = take(student, Quiz.objects.get(slug="alpha"), right=True)
    kinds_seen = {a.question.kind for a in answers}
    assert {"single", "multiple"} <= kinds_seen and len(kinds_seen) > 2
    assert assert_picked_follow_responses() == sum(a.question.kind in {"single", "multiple"} for a in answers)
    multiple = next(a for a in answers if a.question.kind == "multiple")
    right = [c["key"] for c in multiple.revision.spec["choices"] if c["correct"]]
    assert json.loads(Answer.objects.get(pk=multiple.pk).picked) == right


def test_a_restore_fills_picked_even_from_a_backup_without_it(loaded_banks, user_factory, tmp_path):
    student = user_factory()
    take(student, Quiz.objects.get(slug="alpha"), right=False)
    expected = sorted(Answer.objects.values_list("pk", "picked"), key=str)
    path, old = tmp_path / "new.json.gz", tmp_path / "old.json.gz"
    call_command("backup", str(path))
    shutil.copy(path, old)

    def without_picked(records):
        for record in records:
            if record["model"] == "quizzes.answer":
                del record["fields"]["picked"]  # as written before the column existed
        return records

    rewrite(old, without_picked)  # sealed again with its trailer, as `backup` would have
    for backup in (path, old):
        Answer.objects.update(picked=None)
        call_command("restore", str(backup), "--yes")
        assert sorted(Answer.objects.values_list("pk", "picked"), key=str) == expected
        assert_picked_follow_responses()
