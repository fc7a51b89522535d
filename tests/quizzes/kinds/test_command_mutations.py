"""Every command question of the banks is tested by mutation of its accepted answers (STYLE.md,
"Verdicts are tested by mutation"), both ways:

- each meaning-changing mutation loses the point: a word left out or changed, a flag left out or
  given another value, another resource type, another namespace;
- each meaning-preserving rewrite keeps it: flag forms and order, resource names and
  ``type/name``, verb aliases and docker's legacy verbs, images without their implied parts.

The variants come from ``quizzes/kinds/mutations.py``; the equivalences themselves are also
tested one by one in ``test_command.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from quizzes.banks import bank_read
from quizzes.kinds import command, mutations
from quizzes.lint import outline_sections


def bank_questions(kind: str) -> list:
    sections, _problems = outline_sections()
    read = bank_read([Path(settings.FIXTURES_DIR) / "banks"], sections={s.slug for s in sections})
    return [question for question in read.questions if question.kind == kind]


def bank_command_questions() -> list:
    return bank_questions("command")


QUESTIONS = bank_command_questions()


def _score(spec, text: str) -> float:
    return command.grade(spec=spec, response={"command": text}).score


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])
def test_every_mutation_fails(question):
    variants = mutations.command_mutations(question.spec)
    assert variants
    assert [v.description for v in mutations.command_survivors(question.spec)] == []


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.uid for q in QUESTIONS])
def test_every_rewrite_keeps_full_marks(question):
    variants = mutations.command_rewrites(question.spec)
    assert variants
    assert [f"{v.description}: {v.text}" for v in mutations.command_refused(question.spec)] == []


def test_every_kind_of_mutation_is_tried_on_the_banks():
    categories = {v.category for q in QUESTIONS for v in mutations.command_mutations(q.spec)}
    assert categories == {"drop", "value", "flag-drop", "flag-value", "namespace", "resource-type"}


def test_every_kind_of_rewrite_is_tried_on_the_banks():
    categories = {v.category for q in QUESTIONS for v in mutations.command_rewrites(q.spec)}
    assert categories == {"flag", "order", "resource", "image", "verb", "program"}


def test_a_dropped_verb_word_that_leaves_a_legacy_verb_is_not_a_survivor():
    spec = command.build_spec({"answers": ["docker image history monimage:v2"]}, uid="t")
    texts = {v.text for v in mutations.command_mutations(spec) if _score(spec, v.text) > 0}
    assert texts == {"docker history monimage:v2"}  # the legacy name of docker image history
    assert mutations.command_survivors(spec) == []


def test_the_value_of_a_free_flag_is_left_alone():
    spec = command.build_spec(
        {"answers": ['docker commit -m "Ajout de curl" web img:v2'], "any_value": ["-m"]}, uid="t"
    )
    descriptions = [v.description for v in mutations.command_mutations(spec)]
    assert not any("Ajout de curl →" in d or "without Ajout" in d for d in descriptions)
    assert not any(v.category == "flag-value" for v in mutations.command_mutations(spec))
    assert 'docker commit -m "Ajout de curl" web img:v2: without web' in descriptions


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("kubectl get all -n kube-system", "kubectl get all --namespace=kube-system"),
        ("kubectl get all -n kube-system", "kubectl get all -nkube-system"),
        ("kubectl get all -n kube-system", "kubectl -n kube-system get all"),
        ("kubectl get all -A", "kubectl get all --all-namespaces"),
        ("kubectl apply -f a.yaml", "kubectl apply --filename a.yaml"),
        ("kubectl get ns default -o yaml", "kubectl get ns/default -o yaml"),
        ("kubectl get ns default -o yaml", "kubectl get ns default --output=yaml"),
        ("kubectl get pods,services", "kubectl get services,pods"),
        ("kubectl get deployments", "kubectl get deployments.apps"),
        ("kubectl describe node/x", "kubectl describe node x"),
        ("kubectl logs web", "kubectl logs pod/web"),
        ("kubectl port-forward svc/web 8080:80", "kubectl port-forward service/web 8080:80"),
        ("docker run -i -t nginx", "docker run -it nginx"),
        ("docker run -i -t nginx", "docker run -ti nginx"),
        ("docker run -it --rm nginx", "docker run -i -t --rm nginx"),
        ("docker run -d nginx:latest", "docker container run -d nginx:latest"),
        ("docker run -d nginx:latest", "docker run -d nginx"),
        ("docker ps -a", "docker container ls -a"),
        ("docker ps -a", "docker ps --all"),
        ("docker image ls", "docker images"),
    ],
)
def test_rewrites_include_the_usual_spellings(answer, expected):
    spec = command.build_spec({"answers": [answer]}, uid="t")
    texts = {v.text for v in mutations.command_rewrites(spec)}
    assert expected in texts
    assert _score(spec, expected) == 1.0


@pytest.mark.parametrize(
    ("answer", "mutation"),
    [
        ("kubectl get all -n kube-system", "kubectl get all --namespace=default"),
        ("kubectl get all -n kube-system", "kubectl get all -A"),
        ("kubectl get all -A", "kubectl get all -n default"),
        ("kubectl get all -A", "kubectl get all"),
        ("kubectl get ns default -o yaml", "kubectl get ns default --output=json"),
        ("kubectl get deployments -n x", "kubectl get pods -n x"),
        ("kubectl run web --image nginx:latest", "kubectl run web --image=httpd:latest"),
        (
            "kubectl run web --image reg.example.com/t/nginx:1",
            "kubectl run web --image=reg.example.com/t/httpd:1",
        ),
        ("kubectl scale deploy web --replicas 3", "kubectl scale deploy web --replicas=4"),
        ("kubectl version --client", "kubectl version --client=false"),
        ("kubectl explain pod.spec", "kubectl explain services.spec"),
    ],
)
def test_mutations_include_the_usual_mistakes(answer, mutation):
    spec = command.build_spec({"answers": [answer]}, uid="t")
    texts = {v.text for v in mutations.command_mutations(spec)}
    assert mutation in texts
    assert _score(spec, mutation) == 0.0


def test_port_forward_to_a_service_is_not_rewritten_as_a_pod():
    spec = command.build_spec({"answers": ["kubectl port-forward svc/web 8080:80"]}, uid="t")
    assert "kubectl port-forward web 8080:80" not in {v.text for v in mutations.command_rewrites(spec)}


@pytest.mark.parametrize(
    ("answer", "rewrite"),
    [
        ("KUBECONFIG=k.yaml kubectl get pods", "KUBECONFIG=k.yaml k get pods"),
        ("sudo KUBECONFIG=k.yaml kubectl get pods -n x", "KUBECONFIG=k.yaml kubectl get pods --namespace=x"),
        ("env KUBECONFIG=k.yaml k3s kubectl get pods", "env KUBECONFIG=k.yaml k3s kubectl get po"),
        ("env KUBECONFIG=k.yaml k3s kubectl get pods", "env KUBECONFIG=k.yaml k get pods"),
    ],
)
def test_a_variable_set_before_the_program_stays_with_it(answer, rewrite):
    spec = command.build_spec({"answers": [answer]}, uid="t")
    texts = {v.text for v in mutations.command_rewrites(spec)}
    assert rewrite in texts
    assert not any("--kubeconfig" in text for text in texts)  # the variable is not written again as a flag
    assert f"{answer}: without KUBECONFIG=k.yaml" in {
        v.description for v in mutations.command_mutations(spec)
    }
    assert [f"{v.description}: {v.text}" for v in mutations.command_refused(spec)] == []
    assert [v.description for v in mutations.command_survivors(spec)] == []


@pytest.mark.parametrize(
    ("answer", "rewrite"),
    [
        ("docker --context prod ps", "docker --context prod container ls"),
        ("docker -H tcp://h:2375 ps -a", "docker -Htcp://h:2375 ps -a"),
        ("docker --debug --context prod run -d nginx", "docker --debug --context prod run -d nginx:latest"),
    ],
)
def test_docker_global_flags_before_the_command_are_read_as_flags(answer, rewrite):
    spec = command.build_spec({"answers": [answer]}, uid="t")
    assert rewrite in {v.text for v in mutations.command_rewrites(spec)}
    assert [f"{v.description}: {v.text}" for v in mutations.command_refused(spec)] == []
    assert [v.description for v in mutations.command_survivors(spec)] == []
