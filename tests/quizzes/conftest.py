"""Fixtures of the quizzes tests: a question keyed wrong when students answered it."""

from __future__ import annotations

import pytest

from quizzes.models import Question
from tests.quizzes.helpers import set_key, take_quiz


@pytest.fixture
def wrong_key(loaded_banks, student, other_student):
    """alpha-single-1 keyed wrong (ClusterRole) when two students took the alpha quiz (single,
    multiple, true/false), then corrected (ConfigMap): the student picked ConfigMap and got the
    rest right (2/3 on the wrong key), the other picked ClusterRole and got the rest wrong (1/3).
    (question, wrong revision, corrected revision, the student's attempt, the other's)."""
    question = Question.objects.get(uid="alpha-single-1")
    wrong = set_key(question, "ClusterRole")
    mine = take_quiz(student, "alpha", pick="ConfigMap", others_right=True)
    theirs = take_quiz(other_student, "alpha", pick="ClusterRole", others_right=False)
    corrected = set_key(question, "ConfigMap")
    return question, wrong, corrected, mine, theirs
