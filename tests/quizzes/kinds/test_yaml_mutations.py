"""Every yaml question of the banks graded both ways from its model answer (STYLE.md, "Verdicts are
tested by mutation"): each meaning-changing mutation of the solution loses points, each
meaning-preserving rewrite keeps full marks.

The mutations and rewrites come from ``quizzes/kinds/mutations.py``, which the bank linter uses
too; here they are graded one by one, and the generator itself is held to what it must produce.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from quizzes.banks import BankQuestion, bank_read
from quizzes.kinds import mutations, yamldoc
from quizzes.lint import outline_sections
from tests.quizzes.kinds.test_yamldoc import DEPLOYMENT, KUBECONFIG  # the grader tests' documents

UID = "test-yaml-mutations-1"


def bank_yaml_questions() -> list[BankQuestion]:
    sections, _problems = outline_sections()
    read = bank_read([Path(settings.FIXTURES_DIR) / "banks"], sections={s.slug for s in sections})
    assert read.problems == []
    return [question for question in read.questions if question.kind == "yaml"]


QUESTIONS = bank_yaml_questions()
STYLES = {"layout", "order", "quoting", "comments", "markers"}  # rewrites that only change the text


def score(spec: dict, text: str) -> float:
    return yamldoc.grade(spec=spec, response={"yaml": text}).score


def every_question(test):
    return pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])(test)


# --- the banks ----------------------------------------------------------------------------------


def test_the_banks_hold_twelve_yaml_questions_or_more():
    assert len(QUESTIONS) >= 12


@every_question
def test_the_model_answer_earns_every_point(question):
    assert question.spec.get("solution"), f"{question.uid} has no solution"
    assert mutations.solution_misses(question.spec) == []
    assert score(question.spec, question.spec["solution"]) == 1.0


@every_question
def test_the_explanation_shows_the_model_answer(question):
    solution, _ = yamldoc.load_documents(question.spec["solution"])
    shown = [
        [document.data for document in yamldoc.load_documents(block)[0]]
        for block in re.findall(r"```yaml\n(.*?)```", question.explanation, re.DOTALL)
    ]
    assert [document.data for document in solution] in shown


@every_question
def test_every_meaning_changing_mutation_loses_points(question):
    variants = mutations.mutations(question.spec)
    survivors = [f"{v.category}: {v.description}" for v in variants if score(question.spec, v.text) >= 1.0]
    assert variants
    assert survivors == []


@every_question
def test_every_meaning_preserving_rewrite_keeps_full_marks(question):
    variants = mutations.rewrites(question.spec)
    lost = [f"{v.category}: {v.description}" for v in variants if score(question.spec, v.text) < 1.0]
    assert lost == []
    assert sum(v.category in STYLES for v in variants) == 11  # none was dropped for not reading back


# --- the generator ----------------------------------------------------------------------------------


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 80
"""


def check(**fields) -> dict:
    return {"explain": "Explication.", **fields}


def spec_of(solution: str, *checks: dict, kubernetes: bool = False, free: list | None = None) -> dict:
    raw = {"checks": list(checks), "kubernetes": kubernetes, "solution": solution, "free": free or []}
    return yamldoc.build_spec(raw, uid=UID)


def descriptions(variants: list[mutations.Variant]) -> list[str]:
    return [variant.description for variant in variants]


def test_checks_blind_to_names_and_images_let_wrong_answers_through():
    # The checks manifests-yaml-deployment-replicas-1 had: a Deployment `autre` whose container is
    # `zzz` scored 7/7, and so did nginx:latest for nginx:1.27.
    spec = spec_of(
        DEPLOYMENT,
        check(path="apiVersion", equals="apps/v1"),
        check(path="kind", equals="Deployment"),
        check(path="spec.replicas", equals=3),
        check(path="spec.template.metadata.labels.app", equals="web"),
        check(selector_matches={"service": "Deployment", "pod": "Deployment"}),
        check(path="spec.template.spec.containers[0].image", matches="nginx(:.*)?"),
        kubernetes=True,
    )
    survivors = descriptions(mutations.survivors(spec))
    assert 'metadata.name: "web" → "web-x", while 3 other place(s) keep "web"' in survivors
    assert 'spec.template.spec.containers[0].image: "nginx:1.27" → "nginx:latest"' in survivors
    assert any(
        text.startswith('spec.template.spec.containers[0].name: "web" → "web-x"') for text in survivors
    )


def test_positional_kubeconfig_checks_let_dangling_references_through_and_refuse_another_order():
    spec = spec_of(
        KUBECONFIG,
        check(path="kind", equals="Config"),
        check(path="clusters[0].cluster.server", equals="https://192.0.2.10:6443"),
        check(path="contexts", length=2),
        check(path="contexts[0].context.cluster", equals="labo"),
        check(path="contexts[0].context.namespace", equals="dev"),
        check(path="current-context", equals="dev"),
    )
    survivors = descriptions(mutations.survivors(spec))
    assert '"alice" → "alice-x" everywhere (3 places)' in survivors
    assert 'contexts[0].name: "dev" → "dev-x", while 2 other place(s) keep "dev"' in survivors
    assert 'contexts[1].context.cluster: "labo" → "labo-x", while 2 other place(s) keep "labo"' in survivors
    assert "the items of named lists in reverse order" in descriptions(mutations.refused(spec))


def test_the_fixed_kubeconfig_checks_catch_them():
    spec = spec_of(
        KUBECONFIG,
        check(path="clusters[name=labo].cluster.server", equals="https://192.0.2.10:6443"),
        check(path="users[name=alice].user.token", equals="abc123"),
        check(path="contexts", length=2),
        check(path="contexts[name=dev].context.namespace", equals="dev"),
        check(path="contexts[name=prod].context.namespace", equals="prod"),
        check(refers={"from": "contexts[*].context.cluster", "to": "clusters[*].name"}),
        check(refers={"from": "contexts[*].context.user", "to": "users[*].name"}),
        check(path="current-context", equals="dev"),
    )
    survivors = descriptions(mutations.survivors(spec))
    assert all(
        text.startswith(("without apiVersion", "without kind", "apiVersion", "kind")) for text in survivors
    )
    assert mutations.refused(spec) == []


def test_checks_that_refuse_an_omitted_default_or_match_expressions_are_caught():
    spec = spec_of(
        DEPLOYMENT + "---\n" + SERVICE,
        check(path="spec.selector.matchLabels.app", doc="Deployment", equals="web"),
        check(path="spec.ports[0].targetPort", doc="Service", exists=True),
        kubernetes=True,
    )
    refused = descriptions(mutations.refused(spec))
    assert (
        "Deployment: spec.selector: matchLabels written as matchExpressions (In, one value each)" in refused
    )
    assert "without Service: spec.ports[0].targetPort, its default (80)" in refused


def test_mutations_change_names_images_ports_labels_counts_types_and_references():
    variants = mutations.mutations(spec_of(DEPLOYMENT + "---\n" + SERVICE, check(documents=2)))
    assert set(Counter(v.category for v in variants)) == {
        "value",
        "type",
        "image",
        "drop",
        "document",
        "reference",
        "rename",
        "label-key",
    }
    shown = descriptions(variants)
    for expected in (
        "Deployment: spec.replicas: 3 → 4",
        'Deployment: spec.replicas: 3 → "3"',
        'Deployment: spec.template.spec.containers[0].image: "nginx:1.27" → "httpd:1.27"',
        "Service: spec.ports[0].port: 80 → 81",
        "without Service: spec.type",
        "without document 2 (Service)",
        '"web" → "web-x" under app (3 places)',
        "Service: spec.selector: label key app → app-x",
        "label key app → app-x everywhere (3 places)",
    ):
        assert expected in shown


def test_a_quoted_text_that_yaml_reads_otherwise_is_unquoted():
    variants = mutations.mutations(spec_of('data:\n  MODE: "yes"\n  VERSION: "1.10"\n', check(documents=1)))
    assert {'data.MODE: "yes" → true', 'data.VERSION: "1.10" → 1.1'} <= set(descriptions(variants))


def test_fields_left_at_their_default_are_rewrites_not_mutations():
    spec = spec_of(SERVICE.replace("      targetPort: 80\n", "      protocol: TCP\n"), check(documents=1))
    assert "without spec.ports[0].protocol" not in descriptions(mutations.mutations(spec))
    rewrites = descriptions(mutations.rewrites(spec))
    assert 'without spec.ports[0].protocol, its default ("TCP")' in rewrites
    assert "spec.ports[0].targetPort: 80 written out (its default)" in rewrites


def test_a_free_value_may_change_but_not_be_left_out():
    spec = spec_of(
        DEPLOYMENT,
        check(path="spec.template.spec.containers[0].image", image="nginx:1.27"),
        free=[{"path": "spec.template.spec.containers[0].name", "reason": "l'énoncé ne le nomme pas"}],
    )
    assert not any("containers[0].name" in text for text in descriptions(mutations.mutations(spec)))
    free = [v.description for v in mutations.rewrites(spec) if v.category == "free"]
    assert free == [
        'spec.template.spec.containers[0].name: "web" → "web-x", while 3 other place(s) keep "web" '
        "(free: l'énoncé ne le nomme pas)"
    ]


def test_images_are_rewritten_with_their_implied_parts():
    rewrites = descriptions(mutations.rewrites(spec_of("image: nginx:latest\n", check(documents=1))))
    assert 'image: "nginx:latest" → "nginx" (without the tag latest, which is implied)' in rewrites
    full = '"docker.io/library/nginx:latest" (with the registry and namespace written out)'
    assert f'image: "nginx:latest" → {full}' in rewrites


def test_every_style_rewrite_reads_as_the_same_documents():
    spec = spec_of(KUBECONFIG + "---\n" + SERVICE, check(documents=2))
    solution = [d.data for d in yamldoc.load_documents(spec["solution"])[0]]
    styles = [v for v in mutations.rewrites(spec) if v.category in STYLES]
    assert len(styles) == 11
    for variant in styles:
        documents, refusal = yamldoc.load_documents(variant.text)
        assert refusal is None, variant.description
        assert [d.data for d in documents] == solution, variant.description


def test_no_solution_no_variants():
    spec = yamldoc.build_spec({"checks": [check(path="kind", equals="Pod")]}, uid=UID)
    assert mutations.mutations(spec) == [] and mutations.rewrites(spec) == []
