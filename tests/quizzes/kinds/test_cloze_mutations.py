"""Every cloze question of the banks is tested by mutation of its blanks (STYLE.md, "Verdicts are
tested by mutation"), both ways, one blank at a time with the others right:

- each meaning-changing value loses the blank's point: left empty, another name, number, flag or
  punctuation, a word left out, the case changed where the tool reads case, quotes that change
  what YAML reads (``80`` -> ``"80"``);
- each meaning-preserving value keeps it: spaces around, a YAML or JSON scalar quoted where it
  reads the same, a shell word in quotes, a Dockerfile instruction in another case.

The variants come from ``quizzes/kinds/mutations.py``.
"""

from __future__ import annotations

import pytest

from quizzes.kinds import cloze, mutations
from tests.quizzes.kinds.test_command_mutations import bank_questions

QUESTIONS = bank_questions("cloze")


def _spec(text: str, language: str, **raw) -> dict:
    return cloze.build_spec({"text": text, "language": language, **raw}, uid="t")


def _score(spec, blank: int, value: str) -> float:
    variant = mutations.BlankVariant("test", "", blank, value)
    return cloze.grade(spec=spec, response=mutations.cloze_response(spec, variant)).score


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])
def test_every_mutation_loses_the_blank(question):
    assert mutations.cloze_mutations(question.spec)
    assert [v.description for v in mutations.cloze_survivors(question.spec)] == []


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])
def test_every_rewrite_keeps_the_blank(question):
    assert mutations.cloze_rewrites(question.spec)
    assert [v.description for v in mutations.cloze_refused(question.spec)] == []


def test_every_blank_of_the_banks_is_mutated():
    for question in QUESTIONS:
        blanks = {v.blank for v in mutations.cloze_mutations(question.spec)}
        assert blanks == set(range(len(question.spec["blanks"]))), question.uid


def test_a_yaml_value_quoted_reads_the_same_but_a_quoted_number_does_not():
    spec = _spec("kind: [[Service]]\nport: [[80]]", "yaml")
    assert _score(spec, 0, '"Service"') == 1.0
    assert _score(spec, 0, "'Service'") == 1.0
    assert _score(spec, 1, '"80"') == 0.5  # a string, not a number
    rewrites = {(v.blank, v.value) for v in mutations.cloze_rewrites(spec)}
    assert (0, '"Service"') in rewrites and (1, '"80"') not in rewrites
    changed = {(v.category, v.blank, v.value) for v in mutations.cloze_mutations(spec)}
    assert {("quoting", 1, '"80"'), ("value", 1, "81"), ("case", 0, "service")} <= changed
    assert mutations.cloze_survivors(spec) == [] and mutations.cloze_refused(spec) == []


def test_a_yaml_key_quoted_is_the_same_key():
    spec = _spec("[[metadata]]:\n  name: web", "yaml")
    assert _score(spec, 0, '"metadata"') == 1.0
    assert _score(spec, 0, "Metadata") == 0.0


def test_a_dockerfile_instruction_is_read_in_any_case_even_without_ignore_case():
    spec = _spec("[[FROM]] nginx\nCOPY [[site/]] /srv/", "dockerfile")
    assert cloze.is_instruction(spec, 0) and not cloze.is_instruction(spec, 1)
    assert _score(spec, 0, "from") == 1.0
    assert _score(spec, 1, "Site/") == 0.5  # a path is case-sensitive
    assert mutations.cloze_refused(spec) == []


def test_ignore_case_on_a_case_sensitive_blank_is_reported():
    spec = _spec("kind: [[Pod]]", "yaml", ignore_case=True)
    assert [v.value for v in mutations.cloze_survivors(spec)] == ["pod"]


def test_a_shell_word_in_quotes_is_the_same_word():
    spec = _spec("kubectl [[get]] pods [[-n]] prod", "bash")
    assert _score(spec, 0, "'get'") == 1.0
    assert _score(spec, 1, '"-n"') == 1.0
    assert _score(spec, 1, "'-n prod'") == 0.5
    assert _score(spec, 1, "'-n") == 0.5  # does not read


def test_json_punctuation_is_not_loosened():
    spec = _spec('{"ports"[[:]] [80[[,]] 443]}', "json")
    assert _score(spec, 0, '":"') == 0.5
    assert _score(spec, 1, ";") == 0.5
    assert _score(spec, 1, " , ") == 1.0


def test_a_yaml_alias_in_a_blank_is_not_expanded():
    spec = _spec("a: [[x]]", "yaml")
    assert _score(spec, 0, "*x") == 0.0


def test_another_image_keeps_the_registry_and_the_tag():
    spec = _spec("image: [[registry.example.com/team/nginx:1.27]]\n", "yaml")
    values = {v.value for v in mutations.cloze_mutations(spec) if v.category == "value"}
    assert "registry.example.com/team/httpd:1.27" in values
    assert _score(spec, 0, "registry.example.com/team/httpd:1.27") == 0.0
