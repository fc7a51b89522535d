"""Every command question of the banks refuses each word-by-word mutation of its accepted answers
(STYLE.md, "Verdicts are tested by mutation"): a word left out or changed is another command.
The mutations come from ``quizzes/kinds/mutations.py``; the equivalences the grader accepts on
purpose (flag forms and order, resource names...) are tested in ``test_command.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from quizzes.banks import bank_read
from quizzes.kinds import command, mutations
from quizzes.lint import outline_sections

# Mutations that leave another spelling of the same command, each with the reason.
SAME_COMMAND = {
    ("images-layers-cmd-history-1", "docker image history monimage:v2: without image"): (
        "docker history is the legacy name of docker image history"
    ),
}


def bank_command_questions() -> list:
    sections, _problems = outline_sections()
    read = bank_read([Path(settings.FIXTURES_DIR) / "banks"], sections={s.slug for s in sections})
    return [question for question in read.questions if question.kind == "command"]


QUESTIONS = bank_command_questions()


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])
def test_every_word_left_out_or_changed_fails(question):
    variants = mutations.command_mutations(question.spec)
    survivors = [
        v.description
        for v in variants
        if (question.uid, v.description) not in SAME_COMMAND
        and command.grade(spec=question.spec, response={"command": v.text}).score > 0
    ]
    assert variants
    assert survivors == []


def test_the_listed_exceptions_are_real_mutations_that_pass():
    by_uid = {q.uid: q for q in QUESTIONS}
    for uid, description in SAME_COMMAND:
        spec = by_uid[uid].spec
        variant = next(v for v in mutations.command_mutations(spec) if v.description == description)
        assert command.grade(spec=spec, response={"command": variant.text}).score == 1.0


def test_the_value_of_a_free_flag_is_left_alone():
    spec = command.build_spec(
        {"answers": ['docker commit -m "Ajout de curl" web img:v2'], "any_value": ["-m"]}, uid="t"
    )
    descriptions = [v.description for v in mutations.command_mutations(spec)]
    assert not any("Ajout de curl →" in d or "without Ajout" in d for d in descriptions)
    assert 'docker commit -m "Ajout de curl" web img:v2: without web' in descriptions
