"""The `command` kind: a typed docker or kubectl command, graded as the CLI would read it."""

from __future__ import annotations

import os

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from quizzes import kinds
from quizzes.banks import bank_load
from quizzes.kinds import EMPTY_RESPONSE, InvalidResponse, SpecError, command, resource_names
from quizzes.kinds.command import (
    CONTROL_CHARACTERS,
    DEFAULT_NAMESPACE,
    ENV_ASSIGNMENT,
    ENV_BEFORE_SUDO,
    INCOMPLETE_COMMAND,
    MISPLACED_FLAG,
    MISSING,
    MISSING_VALUE,
    MIXED_RESOURCE_FORMS,
    MULTIPLE_COMMANDS,
    NO_COMMAND,
    NOT_A_BOOLEAN,
    NOT_AN_API_RESOURCE,
    REDIRECTION,
    REMOVED_RESOURCE,
    SHELL_SYNTAX,
    SINGLE_DASH,
    SUBSTITUTION,
    TOO_LONG,
    TYPOGRAPHIC_DASH,
    UNBALANCED_QUOTES,
    UNEXPECTED,
    UNKNOWN_COMMAND,
    UNKNOWN_COMMAND_HINT,
    UNKNOWN_FLAG,
    UNKNOWN_FLAG_HINT,
    UNKNOWN_PROGRAM,
    UNKNOWN_PROGRAM_HINT,
    UNKNOWN_RESOURCE,
    UNKNOWN_RESOURCE_HINT,
    WRONG_ARGUMENT,
    WRONG_COMMAND,
    WRONG_NAME,
    WRONG_PROGRAM,
    WRONG_RESOURCE,
    WRONG_VALUE,
    Note,
)
from quizzes.models import Attempt

UID = "test-cmd-1"


def spec_for(*answers: str, **fields) -> dict:
    return command.build_spec({"answers": list(answers), **fields}, uid=UID)


def differences(accepted: str, given: str, **fields) -> list[str]:
    spec = spec_for(accepted, **fields)
    return command.reveal(spec, {"command": given})["differences"]


def html(message, **params: str) -> str:
    return Note(message, tuple(params.items())).html()


def verdict(accepted: str, given: str, **fields):
    spec = spec_for(accepted, **fields)
    return command.grade(spec=spec, response=command.parse_response(spec, {"command": [given]}))


# --- equivalent commands ------------------------------------------------------------------------

NS = "kubectl get pods -n kube-system"
RUN = "kubectl run nginx-pod --image nginx:latest"
COMMIT = 'docker commit -m "Ajout de curl" web monimage:v2'
DOCKER_RUN = "docker run -it --rm ubuntu bash"
K3S_CONFIG = "kubectl --kubeconfig=/etc/rancher/k3s/k3s.yaml get pods"

EQUIVALENT = [
    (NS, "kubectl get pods --namespace kube-system", "long-namespace-flag"),
    (NS, "kubectl get pods --namespace=kube-system", "long-flag-with-equals"),
    (NS, "kubectl get pods -nkube-system", "short-flag-attached-value"),
    (NS, "kubectl get pods -n=kube-system", "short-flag-with-equals"),
    (NS, "kubectl -n kube-system get pods", "global-flag-before-the-verb"),
    (NS, "kubectl get -n kube-system pods", "flag-between-verb-and-resource"),
    (NS, "kubectl get po -n kube-system", "short-name-po"),
    (NS, "kubectl get pod -n kube-system", "singular-name"),
    (NS, "kubectl get Pod -n kube-system", "kind-name-any-case"),
    (NS, "kubectl get pods -n default -n kube-system", "last-value-of-a-flag-wins"),
    ("kubectl get pods -A", "kubectl get pods --all-namespaces", "all-namespaces-long-form"),
    ("kubectl get pods -A", "kubectl get pods --all-namespaces=true", "boolean-equals-true"),
    ("kubectl get all -A", "kubectl get all -A --show-kind=false", "boolean-false-is-the-default"),
    ("kubectl get pods -o wide", "kubectl get pods -owide", "output-value-attached"),
    ("kubectl get pods -o wide", "kubectl get pods --output=wide", "output-long-form"),
    ("kubectl get po,svc", "kubectl get services,pods", "comma-list-any-order-and-spelling"),
    ("kubectl get po,svc", "kubectl get svc,po,pods", "comma-list-repeated-type"),
    ("kubectl get nodes", "kubectl get no", "nodes-short-name"),
    ("kubectl get namespaces", "kubectl get ns", "namespaces-short-name"),
    ("kubectl get deployments -n kube-system", "kubectl get deploy.apps -n kube-system", "group-suffix"),
    (
        "kubectl get deployments -n kube-system",
        "kubectl get deployments.v1.apps -n kube-system",
        "version-and-group-suffix",
    ),
    ("kubectl get cronjobs", "kubectl get cj", "cronjob-short-name-cj"),
    ("kubectl describe node/k3s-server", "kubectl describe node k3s-server", "type-space-name"),
    ("kubectl describe node/k3s-server", "kubectl describe nodes/k3s-server", "plural-type-slash-name"),
    ("kubectl describe node/k3s-server", "kubectl describe no k3s-server", "short-type-space-name"),
    ("kubectl get pods web api", "kubectl get pods/api pods/web", "names-in-any-order-slash-form"),
    ("kubectl get namespace default -o yaml", "kubectl get ns/default --output yaml", "namespace-as-yaml"),
    ("kubectl create namespace formation", "kubectl create ns formation", "create-subcommand-alias"),
    (RUN, "kubectl run nginx-pod --image=nginx:latest", "image-with-equals"),
    (RUN, "kubectl run --image nginx:latest nginx-pod", "flag-before-the-name"),
    (RUN, "kubectl run nginx-pod --image nginx", "image-without-tag-is-latest"),
    (RUN, "kubectl run nginx-pod --image docker.io/library/nginx:latest", "image-docker-hub-prefix"),
    (RUN, "kubectl run nginx-pod --image=nginx:latest --restart=Always", "flag-at-its-default-value"),
    (RUN + " --dry-run=client -o yaml", RUN + " -o yaml --dry-run", "bare-dry-run-is-client"),
    (
        "kubectl run -n formation web --image nginx:latest",
        "kubectl -n formation run web --image=nginx:latest",
        "run-namespace-before-the-verb",
    ),
    ("kubectl explain pod.spec.containers", "kubectl explain pods.spec.containers", "explain-plural-type"),
    ("kubectl explain pod.spec.containers", "kubectl explain po.spec.containers", "explain-short-type"),
    ("kubectl explain pod --recursive", "kubectl explain pods --recursive=true", "explain-recursive-true"),
    ("kubectl config view", "kubectl config view --merge=true", "merge-on-by-default"),
    ("kubectl config use-context prod", "kubectl config use prod", "use-context-alias-use"),
    (
        "kubectl config set-context --current --namespace=formation",
        "kubectl config set-context --namespace formation --current",
        "set-context-any-order",
    ),
    (
        "kubectl config set-context --current --namespace=formation",
        "kubectl config set-context --current -n formation",
        "set-context-n-since-kubectl-1-35",
    ),
    (
        "kubectl --kubeconfig=/etc/rancher/k3s/k3s.yaml get pods",
        "kubectl get pods --kubeconfig /etc/rancher/k3s/k3s.yaml",
        "kubeconfig-after-the-verb",
    ),
    (K3S_CONFIG, "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get pods", "kubeconfig-variable-is-the-flag"),
    (K3S_CONFIG, "sudo KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get pods", "variable-after-sudo"),
    (K3S_CONFIG, "env KUBECONFIG=/etc/rancher/k3s/k3s.yaml k3s kubectl get po", "variable-after-env"),
    (
        K3S_CONFIG,
        "KUBECONFIG=other.yaml kubectl get pods --kubeconfig=/etc/rancher/k3s/k3s.yaml",
        "the-flag-wins-over-the-variable",
    ),
    ("kubectl get pods", "KUBECONFIG= kubectl get pods", "empty-variable-is-unset"),
    ("kubectl version --client", "kubectl version --client=true", "client-equals-true"),
    ("kubectl apply -f monpod.yaml", "kubectl apply --filename=monpod.yaml", "filename-long-form"),
    ("kubectl apply -f a.yaml -f b.yaml", "kubectl apply -f b.yaml,a.yaml", "filename-comma-list"),
    ("kubectl logs web", "kubectl logs pod/web", "logs-bare-name-is-a-pod"),
    ("kubectl logs web -c nginx -f", "kubectl logs --follow --container=nginx po/web", "logs-long-flags"),
    ("kubectl exec -it web -- sh", "kubectl exec web -ti -- sh", "exec-bundled-flags-any-order"),
    ("kubectl exec -it web -- sh", "kubectl exec --stdin --tty web -- sh", "exec-long-flags"),
    ("kubectl get pods -l app=web", "kubectl get pods --selector=app=web", "selector-long-form"),
    ("kubectl get pods -w", "kubectl get pods --watch", "watch-long-form"),
    ("kubectl api-resources", "kubectl api-resources --cached=false", "api-resources-default-flag"),
    ("kubectl get pods", "sudo kubectl get pods", "sudo-prefix"),
    ("kubectl get pods", "$ kubectl get pods", "prompt-prefix"),
    ("kubectl get pods", "k get pods", "k-alias"),
    ("kubectl get pods", "sudo k3s kubectl get pods", "k3s-kubectl"),
    ("kubectl get pods", "/usr/local/bin/kubectl get pods", "path-to-the-binary"),
    ("kubectl get pods", "kubectl get pods   # liste", "trailing-comment"),
    ("kubectl get pods", "\"kubectl\" 'get' pods", "quoted-words"),
    ("kubectl get pods", "kubectl\u00a0get pods", "no-break-space-is-a-space"),
    ("docker ps -a", "docker container ls --all", "container-ls-all"),
    ("docker ps -a", "docker container list -a", "container-list"),
    ("docker ps -a", "docker container ps -a", "container-ps"),
    ("docker ps -a", "docker ps --all=true", "all-equals-true"),
    ("docker images", "docker image ls", "images-is-image-ls"),
    ("docker image ls", "docker image list", "image-list"),
    (COMMIT, 'docker container commit --message="Ajout de curl" web monimage:v2', "commit-management-verb"),
    (COMMIT, "docker commit --message 'Ajout de curl' web monimage:v2", "commit-single-quotes"),
    (COMMIT, 'docker commit -m "Ajout de curl" -p web monimage:v2', "commit-pause-is-the-default"),
    (
        'docker commit --change "EXPOSE 8080" web monimage:v3',
        "docker commit -c 'EXPOSE 8080' web monimage:v3",
        "commit-change-short-flag",
    ),
    ("docker commit web monimage", "docker commit web monimage:latest", "commit-image-default-tag"),
    ("docker history monimage:v2", "docker image history monimage:v2", "history-management-verb"),
    ("docker image history monimage:v2", "docker history -H monimage:v2", "history-human-is-the-default"),
    ("docker rmi nginx", "docker image rm nginx:latest", "rmi-is-image-rm"),
    ("docker rmi nginx", "docker image remove nginx", "image-remove"),
    ("docker rm web", "docker container rm web", "rm-is-container-rm"),
    (DOCKER_RUN, "docker run --rm -ti ubuntu bash", "run-bundled-flags-any-order"),
    (DOCKER_RUN, "docker container run -i -t --rm ubuntu:latest bash", "run-management-verb"),
    (
        "docker run -d -p 8080:80 --name web nginx",
        "docker run --name=web --publish 8080:80 --detach nginx:latest",
        "run-long-flags",
    ),
    ("docker run -e A=1 -e B=2 alpine env", "docker run -e B=2 -e A=1 alpine env", "repeated-flag-any-order"),
    ("docker exec -it web sh", "docker container exec -ti web sh", "exec-management-verb"),
    ("docker logs -f web", "docker container logs --follow web", "logs-management-verb"),
    ("docker diff web", "docker container diff web", "diff-management-verb"),
    ("docker --context prod ps", "docker -c prod container ls", "docker-global-flag"),
]


@pytest.mark.parametrize(
    ("accepted", "given"), [pytest.param(a, g, id=reason) for a, g, reason in EQUIVALENT]
)
def test_equivalent_commands_are_right(accepted, given):
    result = verdict(accepted, given)
    assert result.correct and result.score == 1.0
    assert command.reveal(spec_for(accepted), {"command": given})["differences"] == []


# --- different commands, with what the feedback says ----------------------------------------------

DIFFERENT = [
    (NS, "kubectl get pods", [html(MISSING, item="-n kube-system")], "missing-namespace"),
    ("kubectl get pods", "kubectl get pods -A", [html(UNEXPECTED, item="-A")], "unexpected-all-namespaces"),
    (
        "kubectl get pods",
        "kubectl get pods -n default",
        [html(UNEXPECTED, item="-n default"), html(DEFAULT_NAMESPACE, flag="-n default")],
        "default-namespace-is-not-implicit",
    ),
    (
        "kubectl get pods -n default",
        "kubectl get pods",
        [html(MISSING, item="-n default"), html(DEFAULT_NAMESPACE, flag="-n default")],
        "missing-default-namespace",
    ),
    (
        NS,
        "kubectl get pods -n kube-public",
        [html(WRONG_VALUE, flag="-n", given="kube-public", expected="kube-system")],
        "wrong-namespace",
    ),
    (
        "kubectl get pods",
        "kubectl get services",
        [html(WRONG_RESOURCE, given="services", expected="pods")],
        "wrong-resource",
    ),
    (
        "kubectl get pods",
        "kubectl describe pods",
        [html(WRONG_COMMAND, given="kubectl describe", expected="kubectl get")],
        "wrong-verb",
    ),
    (
        "kubectl get pods",
        "docker ps",
        [html(WRONG_PROGRAM, given="docker", expected="kubectl")],
        "wrong-program",
    ),
    (
        NS,
        "kubectl get pods --namespaces kube-system",
        [html(UNKNOWN_FLAG_HINT, flag="--namespaces", hint="--namespace")],
        "unknown-flag-with-a-hint",
    ),
    (
        "kubectl get pods",
        "kubectl get pods --frobnicate",
        [html(UNKNOWN_FLAG, flag="--frobnicate")],
        "unknown-flag",
    ),
    ("kubectl get pods", "kubectl get pods -Z", [html(UNKNOWN_FLAG, flag="-Z")], "unknown-short-flag"),
    (
        "kubectl get pods -A",
        "kubectl -A get pods",
        [html(MISPLACED_FLAG, flag="-A")],
        "non-global-flag-before-the-verb",
    ),
    (
        "kubectl get pods",
        "kubectl get podz",
        [html(UNKNOWN_RESOURCE_HINT, resource="podz", hint="pod")],
        "unknown-resource-with-a-hint",
    ),
    ("kubectl get pods", "kubectl get vol", [html(UNKNOWN_RESOURCE, resource="vol")], "vol-is-not-a-name"),
    (
        "kubectl get pods",
        "kubectl get volumes",
        [html(NOT_AN_API_RESOURCE, resource="volumes")],
        "volume-is-not-an-api-resource",
    ),
    (
        "kubectl get pods",
        "kubectl get users",
        [html(NOT_AN_API_RESOURCE, resource="users")],
        "user-is-not-an-api-resource",
    ),
    (
        "kubectl get pods",
        "kubectl get psp",
        [html(REMOVED_RESOURCE, resource="psp", version="1.25")],
        "psp-was-removed",
    ),
    (
        "kubectl describe node/k3s-server",
        "kubectl describe node/k3s-agent",
        [html(WRONG_NAME, given="k3s-agent", expected="k3s-server")],
        "wrong-name",
    ),
    (
        "kubectl describe node/k3s-server",
        "kubectl describe node",
        [html(MISSING, item="nodes/k3s-server")],
        "missing-name",
    ),
    ("kubectl get pods", "kubectl get pods web", [html(UNEXPECTED, item="pods/web")], "unexpected-name"),
    (
        "kubectl get pods web",
        "kubectl get pods web svc/api",
        [html(MIXED_RESOURCE_FORMS)],
        "mixed-resource-forms",
    ),
    ("kubectl get po,svc", "kubectl get pods", [html(MISSING, item="services")], "missing-type-in-list"),
    (
        "kubectl describe pod/web",
        "kubectl describe svc/web",
        [html(WRONG_RESOURCE, given="services/web", expected="pods/web")],
        "wrong-type-same-name",
    ),
    (
        "kubectl get pods -o wide",
        "kubectl get pods -o yaml",
        [html(WRONG_VALUE, flag="-o", given="yaml", expected="wide")],
        "wrong-output-format",
    ),
    (
        RUN,
        "kubectl run nginx-pod --image nginx:1.27",
        [html(WRONG_VALUE, flag="--image", given="nginx:1.27", expected="nginx:latest")],
        "wrong-image-tag",
    ),
    (
        RUN,
        "kubectl run nginx --image nginx:latest",
        [html(WRONG_ARGUMENT, given="nginx", expected="nginx-pod")],
        "wrong-pod-name",
    ),
    (RUN, "kubectl run nginx-pod", [html(MISSING, item="--image nginx:latest")], "missing-image"),
    (RUN, RUN + " --dry-run=client", [html(UNEXPECTED, item="--dry-run=client")], "unexpected-dry-run"),
    (
        RUN,
        RUN + " --restart=Never",
        [html(UNEXPECTED, item="--restart Never")],
        "restart-never-is-not-default",
    ),
    (
        "kubectl explain pod --recursive",
        "kubectl explain pod",
        [html(MISSING, item="--recursive")],
        "missing-recursive",
    ),
    (
        "kubectl explain pod.spec.containers",
        "kubectl explain pod.spec.container",
        [html(WRONG_ARGUMENT, given="pods.spec.container", expected="pods.spec.containers")],
        "wrong-field-path",
    ),
    ("kubectl config view", "kubectl config view --raw", [html(UNEXPECTED, item="--raw")], "unexpected-raw"),
    (
        "kubectl config view",
        "kubectl config vue",
        [html(UNKNOWN_COMMAND, command="kubectl config vue")],
        "unknown-subcommand",
    ),
    (
        "kubectl config view",
        "kubectl confg view",
        [html(UNKNOWN_COMMAND_HINT, command="kubectl confg", hint="kubectl config")],
        "unknown-command-with-a-hint",
    ),
    (
        "kubectl config view",
        "kubectl config",
        [html(INCOMPLETE_COMMAND, command="kubectl config")],
        "group-without-subcommand",
    ),
    ("kubectl get pods", "kubectl", [html(NO_COMMAND, program="kubectl")], "program-alone"),
    (
        "kubectl version --client",
        "kubectl version --short",
        [html(UNKNOWN_FLAG, flag="--short")],
        "short-was-removed-in-1-28",
    ),
    ("kubectl version --client", "kubectl version", [html(MISSING, item="--client")], "missing-client"),
    (
        "kubectl config set-context --current --namespace=formation",
        "kubectl config set-context --namespace=formation",
        [html(MISSING, item="--current")],
        "missing-current",
    ),
    (
        "kubectl apply -f monpod.yaml",
        "kubectl create -f monpod.yaml",
        [html(WRONG_COMMAND, given="kubectl create", expected="kubectl apply")],
        "create-is-not-apply",
    ),
    (
        "kubectl get pods",
        "kubeclt get pods",
        [html(UNKNOWN_PROGRAM_HINT, program="kubeclt", hint="kubectl")],
        "misspelt-program",
    ),
    ("kubectl get pods", "ls -l", [html(UNKNOWN_PROGRAM, program="ls")], "another-program"),
    (
        "kubectl get pods",
        "kubectl -namespace=x get pods",
        [html(SINGLE_DASH, flag="-namespace=x", fixed="--namespace=x")],
        "long-flag-with-one-dash",
    ),
    (
        NS,
        "kubectl get pods \u2014namespace kube-system",
        [html(TYPOGRAPHIC_DASH, word="\u2014namespace", fixed="--namespace")],
        "typographic-dash",
    ),
    (
        "kubectl get pods",
        "KUBECONFIG=k.yaml kubectl get pods",
        [html(UNEXPECTED, item="--kubeconfig k.yaml")],
        "kubeconfig-variable-is-read-as-the-flag",
    ),
    (
        K3S_CONFIG,
        "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get pods --kubeconfig k.yaml",
        [html(WRONG_VALUE, flag="--kubeconfig", given="k.yaml", expected="/etc/rancher/k3s/k3s.yaml")],
        "the-flag-wins-over-the-right-variable",
    ),
    ("kubectl get pods", "FOO=1 kubectl get pods", [html(ENV_ASSIGNMENT, word="FOO=1")], "other-variable"),
    (
        K3S_CONFIG,
        "KUBECONFIG=/etc/rancher/k3s/k3s.yaml:k.yaml kubectl get pods",
        [html(ENV_ASSIGNMENT, word="KUBECONFIG=/etc/rancher/k3s/k3s.yaml:k.yaml")],
        "kubeconfig-list-has-no-flag",
    ),
    (
        K3S_CONFIG,
        "KUBECONFIG=/etc/rancher/k3s/k3s.yaml sudo kubectl get pods",
        [html(ENV_BEFORE_SUDO, word="KUBECONFIG=/etc/rancher/k3s/k3s.yaml")],
        "variable-before-sudo-is-lost",
    ),
    (
        "docker ps",
        "KUBECONFIG=k.yaml docker ps",
        [html(ENV_ASSIGNMENT, word="KUBECONFIG=k.yaml")],
        "kubeconfig-means-nothing-to-docker",
    ),
    (
        "kubectl get pods",
        "KUBECONFIG=k.yaml",
        [html(NO_COMMAND, program="KUBECONFIG=k.yaml")],
        "variable-alone",
    ),
    (NS, "kubectl get pods -n", [html(MISSING_VALUE, flag="-n")], "flag-without-its-value"),
    (
        "kubectl get pods -A",
        "kubectl get pods --all-namespaces=yes",
        [html(NOT_A_BOOLEAN, flag="--all-namespaces", value="yes")],
        "boolean-with-a-word",
    ),
    ("kubectl logs web", "kubectl logs -p web", [html(UNEXPECTED, item="-p")], "logs-previous"),
    (
        "kubectl get pods -l app=web",
        "kubectl get pods -l app=api",
        [html(WRONG_VALUE, flag="-l", given="app=api", expected="app=web")],
        "wrong-selector",
    ),
    ("docker ps -a", "docker ps", [html(MISSING, item="-a")], "docker-ps-without-all"),
    (
        "docker ps -a",
        "docker ps -all",
        [html(SINGLE_DASH, flag="-all", fixed="--all")],
        "docker-all-one-dash",
    ),
    (
        "docker ps -a",
        "docker container",
        [html(INCOMPLETE_COMMAND, command="docker container")],
        "docker-management-command-alone",
    ),
    (
        "docker ps -a",
        "docker containers ls",
        [html(UNKNOWN_COMMAND_HINT, command="docker containers", hint="docker container")],
        "docker-typo",
    ),
    (
        "docker ps -a",
        "docker ps --context prod",
        [html(UNKNOWN_FLAG, flag="--context")],
        "docker-global-flag-after-the-verb",
    ),
    (
        "docker inspect web",
        "docker container inspect web",
        [html(WRONG_COMMAND, given="docker container inspect", expected="docker inspect")],
        "inspect-is-not-container-inspect",
    ),
    (
        COMMIT,
        'docker commit web monimage:v2 -m "Ajout de curl"',
        [
            html(UNEXPECTED, item="-m"),
            html(UNEXPECTED, item="Ajout de curl"),
            html(MISSING, item="-m 'Ajout de curl'"),
        ],
        "commit-flags-after-the-container-are-arguments",
    ),
    (
        COMMIT,
        'docker commit -m "ajout" web monimage:v2',
        [html(WRONG_VALUE, flag="-m", given="ajout", expected="Ajout de curl")],
        "commit-wrong-message",
    ),
    (
        COMMIT,
        'docker commit -m "Ajout de curl" web monimage:v3',
        [html(WRONG_ARGUMENT, given="monimage:v3", expected="monimage:v2")],
        "commit-wrong-tag",
    ),
    (
        COMMIT,
        'docker commit -m "Ajout de curl" web',
        [html(MISSING, item="monimage:v2")],
        "commit-without-repository",
    ),
    (
        'docker commit --change "EXPOSE 8080" web monimage:v3',
        'docker commit --pause=false --change "EXPOSE 8080" web monimage:v3',
        [html(UNEXPECTED, item="--pause=false")],
        "commit-without-pause",
    ),
    (DOCKER_RUN, "docker run -it ubuntu bash", [html(MISSING, item="--rm")], "run-without-rm"),
    (
        "docker run -d nginx",
        "docker run nginx -d",
        [html(UNEXPECTED, item="-d"), html(MISSING, item="-d")],
        "run-flags-after-the-image-go-to-the-container",
    ),
    (
        "docker rmi nginx",
        "docker rmi nginx:1.27",
        [html(WRONG_ARGUMENT, given="nginx:1.27", expected="nginx:latest")],
        "rmi-other-tag",
    ),
]


@pytest.mark.parametrize(
    ("accepted", "given", "expected"), [pytest.param(a, g, e, id=reason) for a, g, e, reason in DIFFERENT]
)
def test_different_commands_are_wrong_and_the_feedback_says_why(accepted, given, expected):
    result = verdict(accepted, given)
    assert not result.correct and result.score == 0.0
    assert differences(accepted, given) == expected


def test_there_are_enough_command_pairs():
    assert len(EQUIVALENT) + len(DIFFERENT) >= 80


# --- several accepted answers, mistakes, free values ------------------------------------------------


def test_the_closest_accepted_answer_is_compared_and_shown_first():
    spec = spec_for("kubectl get pods -A", "kubectl get pods -n kube-system")
    solution = command.reveal(spec, {"command": "kubectl get pods -n kube-public"})
    assert solution["closest"] == "kubectl get pods -n kube-system"
    assert solution["answers"] == ["kubectl get pods -n kube-system", "kubectl get pods -A"]
    expected = html(WRONG_VALUE, flag="-n", given="kube-public", expected="kube-system")
    assert solution["differences"] == [expected]


def test_any_accepted_answer_is_right():
    spec = spec_for("docker ps -a", "docker ps -a -s")
    response = {"command": "docker container ls --size --all"}
    assert command.grade(spec=spec, response=response).correct


def test_a_listed_mistake_gives_its_own_feedback_in_the_verdict():
    spec = spec_for(
        "kubectl get all -A",
        mistakes=[{"command": "kubectl get all", "feedback": "Sans `-A`, un seul namespace."}],
    )
    result = command.grade(spec=spec, response={"command": "k get all"})
    assert not result.correct
    assert result.feedback == ("Sans <code>-A</code>, un seul namespace.",)
    assert command.reveal(spec, {"command": "k get all"})["differences"] == [html(MISSING, item="-A")]


def test_a_free_value_accepts_any_message_but_not_its_absence():
    spec = spec_for(COMMIT, any_value=["-m"])
    assert command.grade(spec=spec, response={"command": "docker commit -m 'curl' web monimage:v2"}).correct
    assert command.grade(spec=spec, response={"command": "docker commit --message=x web monimage:v2"}).correct
    assert not command.grade(spec=spec, response={"command": "docker commit web monimage:v2"}).correct


def test_student_text_in_the_feedback_is_escaped():
    found = differences("kubectl get pods", "kubectl get pods '--x<script>'")
    assert found == [html(UNKNOWN_FLAG, flag="--x<script>")]
    assert "<code>--x&lt;script&gt;</code>" in found[0]


def test_a_correct_verdict_has_no_feedback():
    result = verdict(NS, "kubectl -n kube-system get po")
    assert result.feedback == ()


# --- refused input ---------------------------------------------------------------------------------

REFUSED = [
    ("a" * 1_000_000, TOO_LONG, "one-megabyte"),
    ("kubectl get pods " + "x" * 490, TOO_LONG, "just-over-the-limit"),
    ("kubectl get pods; rm -rf /", MULTIPLE_COMMANDS, "semicolon-rm-rf"),
    ("; rm -rf /", MULTIPLE_COMMANDS, "leading-semicolon"),
    ("kubectl get pods && kubectl get svc", MULTIPLE_COMMANDS, "and-and"),
    ("kubectl get pods | grep web", MULTIPLE_COMMANDS, "pipe"),
    ("kubectl get pods &", MULTIPLE_COMMANDS, "background"),
    ("kubectl get pods > pods.txt", REDIRECTION, "redirection"),
    ("kubectl apply -f - < pod.yaml", REDIRECTION, "input-redirection"),
    ("kubectl get $(rm -rf /)", SUBSTITUTION, "dollar-substitution"),
    ("kubectl get `id`", SUBSTITUTION, "backquote-substitution"),
    ('kubectl get "$(id)"', SUBSTITUTION, "substitution-inside-double-quotes"),
    ("(kubectl get pods)", SHELL_SYNTAX, "subshell"),
    ("kubectl get 'pods", UNBALANCED_QUOTES, "unbalanced-single-quote"),
    ('kubectl get "pods', UNBALANCED_QUOTES, "unbalanced-double-quote"),
    ("kubectl get pods\\", UNBALANCED_QUOTES, "trailing-backslash"),
    ("kubectl get pods\x00", CONTROL_CHARACTERS, "nul-byte"),
    ("kubectl get\tpods", CONTROL_CHARACTERS, "tab"),
    ("kubectl get pods\nrm -rf /", CONTROL_CHARACTERS, "second-line"),
    ("kubectl get po\u200bds", CONTROL_CHARACTERS, "zero-width-space"),
    ("kubectl get pods \u202e", CONTROL_CHARACTERS, "bidi-override"),
    ("$ ", EMPTY_RESPONSE, "prompt-only"),
    ("sudo", EMPTY_RESPONSE, "sudo-only"),
    ("# kubectl get pods", EMPTY_RESPONSE, "comment-only"),
]


@pytest.mark.parametrize(("text", "message"), [pytest.param(t, m, id=i) for t, m, i in REFUSED])
def test_unreadable_input_is_refused_with_a_clear_message(text, message):
    with pytest.raises(InvalidResponse) as error:
        command.parse_response(spec_for("kubectl get pods"), {"command": [text]})
    assert str(error.value) == str(message)


def test_binary_junk_is_refused():
    junk = os.urandom(400).decode("latin-1")
    with pytest.raises(InvalidResponse):
        command.parse_response(spec_for("kubectl get pods"), {"command": [junk + "\x01"]})


def test_empty_and_repeated_fields_are_refused():
    spec = spec_for("kubectl get pods")
    with pytest.raises(InvalidResponse):
        command.parse_response(spec, {})
    with pytest.raises(InvalidResponse):
        command.parse_response(spec, {"command": ["kubectl get pods", "kubectl get svc"]})


def test_quoted_shell_characters_are_plain_text():
    spec = spec_for("kubectl get pods -l 'app in (web,api)'")
    response = command.parse_response(spec, {"command": ['kubectl get pods --selector="app in (web,api)"']})
    assert command.grade(spec=spec, response=response).correct


def test_grading_a_stored_unreadable_response_does_not_raise():
    spec = spec_for("kubectl get pods")
    result = command.grade(spec=spec, response={"command": "kubectl get pods; rm -rf /"})
    assert not result.correct
    assert command.reveal(spec, {"command": "x" * 2000})["differences"] == [str(TOO_LONG)]


# --- spec validation -------------------------------------------------------------------------------

BAD_SPECS = [
    ({}, "answers", "no-answers"),
    ({"answers": []}, "answers", "empty-answers"),
    ({"answers": [""]}, "answers", "blank-answer"),
    ({"answers": [{"cmd": "x"}]}, "answers", "answer-not-text"),
    ({"answers": ["kubectl get pods --namespaces x"]}, "answers", "answer-with-unknown-flag"),
    ({"answers": ["kubectl get podz"]}, "answers", "answer-with-unknown-resource"),
    ({"answers": ["kubectl get 'pods"]}, "answers", "answer-unbalanced"),
    ({"answers": ["kubectl get pods | wc -l"]}, "answers", "answer-with-pipe"),
    ({"answers": ["kubeclt get pods"]}, "answers", "answer-unknown-program"),
    ({"answers": ["kubectl config"]}, "answers", "answer-incomplete-command"),
    (
        {"answers": ["kubectl get pods -A", "kubectl get po --all-namespaces"]},
        "answers",
        "equivalent-answers",
    ),
    (
        {
            "answers": ["kubectl get all -A"],
            "mistakes": [{"command": "kubectl get all --all-namespaces", "feedback": "x"}],
        },
        "mistakes",
        "mistake-is-right",
    ),
    (
        {"answers": ["kubectl get all -A"], "mistakes": [{"command": "kubectl get all"}]},
        "mistakes",
        "mistake-without-feedback",
    ),
    ({"answers": ["kubectl get all -A"], "mistakes": "kubectl get all"}, "mistakes", "mistakes-not-a-list"),
    (
        {
            "answers": ["kubectl get all -A"],
            "mistakes": [{"command": "kubectl get all", "feedback": "x", "why": 1}],
        },
        "mistakes",
        "mistake-unknown-field",
    ),
    ({"answers": ["kubectl get all -A"], "any_value": ["-A"]}, "any_value", "free-value-on-a-boolean"),
    ({"answers": ["docker ps -a"], "any_value": ["-m"]}, "any_value", "free-value-unknown-flag"),
]


@pytest.mark.parametrize(("raw", "key"), [pytest.param(r, k, id=i) for r, k, i in BAD_SPECS])
def test_bad_specs_are_refused_with_the_field_named(raw, key):
    with pytest.raises(SpecError) as error:
        command.build_spec(raw, uid=UID)
    assert error.value.problems[0][0] == key


@pytest.mark.usefixtures("english")
def test_a_spec_error_names_the_unknown_flag():
    with pytest.raises(SpecError) as error:
        command.build_spec({"answers": ["kubectl get pods --namespaces x"]}, uid=UID)
    assert "unknown flag --namespaces (did you mean --namespace?)" in error.value.problems[0][1]


def test_spec_round_trips_through_its_bank_fields():
    spec = spec_for(
        COMMIT,
        "docker container commit -m x -a moi web monimage:v2",
        mistakes=[{"command": "docker commit web", "feedback": "Il manque le *nom* de l'image."}],
        any_value=["-m"],
    )
    assert command.build_spec(command.to_raw(spec), uid=UID) == spec
    assert spec["mistakes"][0]["feedback_html"] == "Il manque le <em>nom</em> de l'image."


def test_a_single_answer_may_be_written_as_text():
    assert command.build_spec({"answers": "kubectl get pods"}, uid=UID) == {"answers": ["kubectl get pods"]}


def test_the_kind_is_registered():
    assert kinds.get("command") is command
    assert command.present(spec_for("kubectl get pods"), seed=1) == {"max_length": command.MAX_LENGTH}


# --- the template ----------------------------------------------------------------------------------


def test_the_ask_template_is_a_plain_monospace_input():
    page = render_to_string(command.TEMPLATE, {"mode": "ask", "present": {"max_length": 500}})
    assert 'name="command"' in page and 'maxlength="500"' in page
    attributes = ('autocomplete="off"', 'autocorrect="off"', 'spellcheck="false"', 'autocapitalize="off"')
    for attribute in attributes:
        assert attribute in page
    assert ">$<" in page


def test_the_feedback_template_shows_the_command_the_answers_and_the_differences():
    spec = spec_for(NS)
    response = {"command": "kubectl get '<b>'"}
    page = render_to_string(
        command.TEMPLATE,
        {"mode": "feedback", "response": response, "solution": command.reveal(spec, response)},
    )
    assert "$ kubectl get &#x27;&lt;b&gt;&#x27;" in page
    assert "$ kubectl get pods -n kube-system" in page
    assert html(UNKNOWN_RESOURCE, resource="<b>") in page


# --- the resource table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "plural"),
    [
        ("po", "pods"),
        ("pod", "pods"),
        ("Pod", "pods"),
        ("PODS", "pods"),
        ("no", "nodes"),
        ("ev", "events"),
        ("cs", "componentstatuses"),
        ("rc", "replicationcontrollers"),
        ("pc", "priorityclasses"),
        ("pdb", "poddisruptionbudgets"),
        ("csr", "certificatesigningrequests"),
        ("crds", "customresourcedefinitions"),
        ("ep", "endpoints"),
        ("deploy.apps", "deployments"),
        ("cj", "cronjobs"),
        ("all", "all"),
        ("ingressclass", "ingressclasses"),
        ("endpointslices", "endpointslices"),
        ("vol", None),
        ("volume", None),
        ("user", None),
        ("group", None),
        ("psp", None),
        ("deploy.batch", None),
        ("pods.v1", None),
        ("crb", None),
        ("rb", None),
        ("c-role", None),
        ("", None),
    ],
)
def test_canonical_resource_names(token, plural):
    assert resource_names.canonical_resource(token) == plural


def test_short_names_match_kubectl_api_resources():
    assert resource_names.short_names("Pod") == ("po",)
    assert resource_names.short_names("CronJob") == ("cj",)
    assert resource_names.short_names("Secret") == ()
    assert resource_names.short_names("Job") == ()
    assert resource_names.short_names("ClusterRoleBinding") == ()
    assert resource_names.short_names("CustomResourceDefinition") == ("crd", "crds")
    assert resource_names.short_names("LimitRange") == ("limits",)
    assert resource_names.lookup("psp").removed_in == "1.25"
    assert not resource_names.lookup("volume").api
    assert not resource_names.lookup("namespaces").namespaced
    assert resource_names.lookup("deploy").api_version == "apps/v1"


# --- through the views, with and without htmx -------------------------------------------------------

BANK = """\
section: shell
questions:
  - uid: shell-cmd-get-pods-1
    kind: command
    prompt: "Listez les pods de `kube-system`."
    answers: ["kubectl get pods -n kube-system"]
    explanation: "`-n` choisit le namespace."
"""


@pytest.fixture
def command_attempt(db, section_factory, student_client, tmp_path):
    section_factory(slug="shell", title="Shell")
    bank = tmp_path / "shell.yaml"
    bank.write_text(BANK, encoding="utf-8")
    bank_load([bank])
    student_client.post(reverse("quizzes:quiz-start", args=["shell"]))
    attempt = Attempt.objects.latest("started_at")
    url = reverse("quizzes:attempt-question", args=[attempt.pk, 1])
    revision = attempt.quiz.items.get().question.current_revision
    return url, revision.pk


def test_a_student_types_a_command_without_javascript(student_client, command_attempt):
    url, revision = command_attempt
    page = student_client.get(url).content.decode()
    assert 'name="command"' in page
    response = student_client.post(url, {"revision": revision, "command": "kubectl get po -n kube-public"})
    assert response.status_code == 302
    page = student_client.get(response.url).content.decode()
    assert html(WRONG_VALUE, flag="-n", given="kube-public", expected="kube-system") in page
    assert "$ kubectl get pods -n kube-system" in page


def test_a_student_types_a_command_with_htmx(student_client, command_attempt):
    url, revision = command_attempt
    response = student_client.post(
        url, {"revision": revision, "command": "k -n kube-system get po"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="question-card"')
    assert "is-right" in page


def test_an_unreadable_command_is_sent_back_with_its_message(student_client, command_attempt):
    url, revision = command_attempt
    response = student_client.post(
        url, {"revision": revision, "command": "kubectl get pods; rm -rf /"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert escape(str(MULTIPLE_COMMANDS)) in response.content.decode()


@pytest.mark.parametrize(
    ("text", "span", "verbs"),
    [
        ("kubectl get pods", (0, 1), {1}),
        ("sudo KUBECONFIG=k.yaml kubectl get pods", (1, 2), {2}),
        ("env KUBECONFIG=k.yaml k3s kubectl -n x rollout status deploy/web", (2, 4), {6, 7}),
        ("docker --context prod image ls -a", (0, 1), {3, 4}),
        ("docker -H tcp://h:2375 ps", (0, 1), {3}),
    ],
)
def test_the_parse_says_where_the_program_and_the_command_words_stand(text, span, verbs):
    parsed = command.parse_words(command.split_command(text))
    assert (parsed.problems, parsed.program_span, parsed.verb_indexes) == ((), span, verbs)
