"""Right answers written another valid way are accepted by the bank questions that ask for them
(each was refused once): a variable instead of a flag, a path with or without ``./``, a
command's alias. The grader rules behind them are tested in ``test_command.py`` and
``test_cloze.py``; this checks the questions themselves, as loaded from the banks."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from quizzes import kinds
from quizzes.banks import bank_read
from quizzes.lint import outline_sections


def bank_questions() -> dict:
    sections, _problems = outline_sections()
    read = bank_read([Path(settings.FIXTURES_DIR) / "banks"], sections={s.slug for s in sections})
    return {question.uid: question for question in read.questions}


QUESTIONS = bank_questions()

ACCEPTED = [
    (
        "kubeconfig-cmd-kubeconfig-flag-1",
        {"command": "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get pods"},
        "kubeconfig-variable-before-kubectl",
    ),
    (
        "kubeconfig-cmd-kubeconfig-flag-1",
        {"command": "sudo KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get pods"},
        "kubeconfig-variable-after-sudo",
    ),
    (
        "images-layers-cloze-dockerfile-cache-1",
        {"blanks": ["./requirements.txt", ". /app/"]},
        "copy-dot-slash-source-and-app-slash",
    ),
    (
        "images-layers-cloze-dockerfile-cache-1",
        {"blanks": ["requirements.txt", "./ ./"]},
        "copy-dot-slash-destination",
    ),
    (
        "kubeconfig-cloze-commands-1",
        {"blanks": ["get-contexts", "use", "--kubeconfig"]},
        "config-use-is-use-context",
    ),
]

REFUSED = [
    (
        "kubeconfig-cmd-kubeconfig-flag-1",
        {"command": "KUBECONFIG=/etc/rancher/k3s/k3s.yaml sudo kubectl get pods"},
        "variable-lost-by-sudo",
    ),
    (
        "images-layers-cloze-dockerfile-cache-1",
        {"blanks": ["requirements.txt", ". app"]},
        "copy-into-app-slash-app",
    ),
]


def grade(uid: str, response: dict):
    question = QUESTIONS[uid]
    return kinds.get(question.kind).grade(spec=question.spec, response=response)


@pytest.mark.parametrize(("uid", "response"), [pytest.param(u, r, id=i) for u, r, i in ACCEPTED])
def test_a_right_answer_written_another_way_is_accepted(uid, response):
    assert grade(uid, response).score == 1.0


@pytest.mark.parametrize(("uid", "response"), [pytest.param(u, r, id=i) for u, r, i in REFUSED])
def test_a_wrong_answer_that_looks_alike_is_still_refused(uid, response):
    assert grade(uid, response).score < 1.0
