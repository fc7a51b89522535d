"""The yaml kind: bounds, parsing with hints, the Kubernetes schema, the check language, scoring."""

from __future__ import annotations

import os

import pytest
from django.template.loader import render_to_string

from course import yamlio
from quizzes import kinds
from quizzes.kinds import EMPTY_RESPONSE, TAMPERED_RESPONSE, InvalidResponse, SpecError
from quizzes.kinds import yamldoc as y

UID = "test-yaml-1"

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
    - name: web
      image: nginx:latest
"""

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

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: labo
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def spec_with(*checks: dict, kubernetes=False, starter: str = "") -> dict:
    raw: dict = {"checks": list(checks), "kubernetes": kubernetes}
    if starter:
        raw["starter"] = starter
    return y.build_spec(raw, uid=UID)


def check(**fields) -> dict:
    return {"explain": "Explication de la vérification.", **fields}


def analyse(text: str, *checks: dict, kubernetes=False) -> y.Analysis:
    return y.analyse(spec=spec_with(*checks, kubernetes=kubernetes), text=text)


KUBE_ONLY = spec_with(kubernetes=True)


# --- the spec ---------------------------------------------------------------------------------------


def test_the_kind_is_registered():
    assert kinds.get("yaml") is y


def test_build_spec_round_trips_through_to_raw():
    spec = spec_with(
        check(path="kind", equals="Pod"),
        check(path='metadata.labels["app.kubernetes.io/name"]', exists=True, doc="Pod/web"),
        check(path="spec.containers[0].image", matches="nginx(:.*)?", doc=0),
        check(path="spec.ports[0].port", one_of=[80, 8080]),
        check(path="spec.containers", length=1),
        check(selector_matches={"service": "Service", "pod": "Pod"}),
        check(selector_matches={"service": 1, "labels": {"app": "web"}}),
        check(documents=2),
        kubernetes="1.30",
        starter="apiVersion: v1\nkind: Pod\n",
    )
    assert spec["kubernetes"] == "1.30.0"
    assert y.build_spec(y.to_raw(spec), uid=UID) == spec


def test_kubernetes_true_means_the_pinned_version():
    assert spec_with(kubernetes=True)["kubernetes"] == y.KUBERNETES_VERSION
    assert y.KUBERNETES_VERSION in y.supported_versions()


@pytest.mark.parametrize(
    "path", ["spec..name", ".kind", "spec[a]", "spec.containers[", "a b", "", "x.[0]", "a[-1]"]
)
@pytest.mark.usefixtures("english")
def test_a_check_with_a_bad_path_is_a_spec_error_naming_it(path):
    with pytest.raises(SpecError) as error:
        spec_with(check(path=path, exists=True))
    assert ("checks", f"check 1: bad path {path!r}") in [
        (k, m.split(":", 2)[0] + ":" + m.split(":", 2)[1]) for k, m in error.value.problems
    ]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"checks": []}, "needs checks, kubernetes: true, or both"),
        ({"checks": [{"path": "kind", "equals": "Pod"}]}, "needs an explain"),
        ({"checks": [check(path="kind", equals="Pod", exists=True)]}, "needs exactly one of"),
        ({"checks": [check(path="kind")]}, "needs exactly one of"),
        ({"checks": [check(path="kind", equals="Pod", colour="red")]}, "unknown field(s) colour"),
        ({"checks": [check(path="kind", matches="(")]}, "regular expression"),
        ({"checks": [check(path="kind", exists="yes")]}, "exists must be true or false"),
        ({"checks": [check(path="spec", length=-1)]}, "length must be a whole number"),
        ({"checks": [check(path="kind", one_of=[])]}, "one_of needs a non-empty list"),
        ({"checks": [check(path="kind", equals=__import__("datetime").date(2024, 1, 1))]}, "plain value"),
        ({"checks": [check(path="kind", equals="Pod", doc="not a kind!")]}, "doc 'not a kind!'"),
        ({"checks": [check(documents=2, path="kind")]}, "takes no path or doc"),
        ({"checks": [check(selector_matches={"service": "Service"})]}, "either pod: or labels:"),
        ({"checks": [check(selector_matches={"pod": "Pod"})]}, "needs service: and pod:"),
        ({"checks": "kind == Pod"}, "checks must be a list"),
        ({"kubernetes": "1.12"}, "kubernetes must be true, false or a version"),
        ({"kubernetes": True, "starter": ["a"]}, "starter must be text"),
    ],
)
@pytest.mark.usefixtures("english")
def test_build_spec_refuses_malformed_fields(raw, fragment):
    with pytest.raises(SpecError) as error:
        y.build_spec(raw, uid=UID)
    assert any(fragment in message for _key, message in error.value.problems), error.value.problems


def test_parse_path_reads_keys_indexes_and_quoted_keys():
    assert y.parse_path('spec.template.metadata.labels["app.kubernetes.io/name"]') == (
        "spec",
        "template",
        "metadata",
        "labels",
        "app.kubernetes.io/name",
    )
    assert y.parse_path("spec.containers[0].ports[12].containerPort") == (
        "spec",
        "containers",
        0,
        "ports",
        12,
        "containerPort",
    )
    assert y.format_path(("spec", "containers", 0, "labels", "a.b/c")) == 'spec.containers[0].labels["a.b/c"]'
    assert y.parse_path("[0].marché.légumes[2]") == (0, "marché", "légumes", 2)
    assert y.format_path((0, "marché", "légumes", 2)) == "[0].marché.légumes[2]"


# --- the answer: reading it -----------------------------------------------------------------------


def test_parse_response_keeps_the_text_with_unix_line_ends():
    assert y.parse_response(KUBE_ONLY, {"yaml": ["kind: Pod\r\nmetadata:\r\n  name: a\r\n"]}) == {
        "yaml": "kind: Pod\nmetadata:\n  name: a\n"
    }


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, EMPTY_RESPONSE),
        ({"yaml": ["  \n\n "]}, EMPTY_RESPONSE),
        ({"yaml": ["a: 1", "b: 2"]}, TAMPERED_RESPONSE),
    ],
)
def test_parse_response_refuses_empty_or_repeated_fields(form, message):
    with pytest.raises(InvalidResponse) as error:
        y.parse_response(KUBE_ONLY, form)
    assert str(error.value) == str(message)


# Syntax errors: (answer, line, column, the hint expected, the line the hint names).
SYNTAX_ERRORS = [
    ("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n", 4, 1, y.HINT_TAB, 4),
    ("metadata:\n  name: web\n  labels:\n  \tapp: web\n", 4, 3, y.HINT_TAB, 4),
    ("apiVersion: v1\nkind:Pod\nmetadata:\n  name: web\n", 3, 1, y.HINT_COLON, 2),
    ("metadata:\n  name:web\n  labels:\n    app: web\n", 3, 9, y.HINT_COLON, 2),
    ("metadata:\n  name: web\n   labels:\n    app: web\n", 3, 10, y.HINT_INDENT, 3),
    ("metadata:\n    name: web\n  labels:\n    app: web\n", 3, 3, y.HINT_INDENT, 3),
    ("metadata:\n  name: web\n  - app: web\n", 3, 3, y.HINT_LIST_ITEM, 3),
    ("spec:\n  containers:\n    - name: web\n      command: echo a: b\n", 4, 22, y.HINT_QUOTE_COLON, 4),
    ("metadata:\n  name: 'web\n", 3, 1, y.HINT_UNCLOSED_QUOTE, 2),
    ("metadata: {name: web\n", 2, 1, y.HINT_UNCLOSED_FLOW, 1),
]


@pytest.mark.parametrize(("text", "line", "column", "hint", "hint_line"), SYNTAX_ERRORS)
def test_a_syntax_error_gives_its_line_column_and_hint(text, line, column, hint, hint_line):
    analysis = analyse(text, check(path="kind", equals="Pod"))
    assert analysis.refusal is not None
    assert (analysis.refusal.line, analysis.refusal.column) == (line, column)
    assert analysis.refusal.message == str(y.SYNTAX_ERROR % {"line": line, "column": column})
    assert analysis.refusal.hint == str(hint % {"line": hint_line})
    assert analysis.refusal.detail  # the parser's own words are kept
    assert analysis.score == 0.0


def test_a_duplicate_key_is_an_error_as_with_kubectl():
    analysis = analyse("kind: Pod\nmetadata:\n  name: a\n  name: b\n", check(path="kind", equals="Pod"))
    assert analysis.refusal.message == str(y.DUPLICATE_KEY % {"line": 4, "key": "name", "first": 3})
    assert (analysis.refusal.line, analysis.refusal.column) == (4, 3)


def test_a_key_value_without_space_alone_is_a_text_with_a_hint():
    analysis = analyse("kind:Pod\n", check(path="kind", equals="Pod"))
    assert analysis.refusal is None
    assert [h.message for h in analysis.hints] == [str(y.HINT_SCALAR_DOCUMENT % {"n": 1, "line": 1})]
    assert analysis.checks[0].found == str(y.NOT_FOUND)


def test_comments_only_is_no_document():
    analysis = analyse("# rien\n---\n", check(path="kind", equals="Pod"))
    assert analysis.refusal.message == str(y.NO_DOCUMENT)


def test_timestamps_stay_text_and_yaml_1_1_booleans_are_booleans():
    documents, refusal = y.load_documents("when: 2024-01-01T10:00:00Z\nflag: yes\n")
    assert refusal is None
    assert documents[0].data == {"when": "2024-01-01T10:00:00Z", "flag": True}


# --- hostile answers ------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def aliases_too_large(*, line: int, column: int) -> str:
    """The message of the one bound on aliases that every YAML text is read under."""
    return str(
        yamlio.ALIASES_TOO_LARGE % {"line": line, "column": column, "limit": yamlio.MAX_ALIAS_EXPANSION}
    )


def test_a_billion_laughs_is_refused_before_it_expands():
    verdict = y.grade(spec=KUBE_ONLY, response=y.parse_response(KUBE_ONLY, {"yaml": [BILLION_LAUGHS]}))
    assert verdict.score == 0.0 and not verdict.correct
    analysis = y.analyse(spec=KUBE_ONLY, text=BILLION_LAUGHS)
    assert analysis.refusal.message == aliases_too_large(line=5, column=4)


def test_long_strings_repeated_through_aliases_are_refused_too():
    text = "a: &s " + "x" * 15_000 + "\nb: [" + ", ".join(["*s"] * 400) + "]\n"
    assert y.analyse(spec=KUBE_ONLY, text=text).refusal.message == aliases_too_large(line=2, column=4)


def test_a_self_referring_alias_is_refused():
    refusal = y.analyse(spec=KUBE_ONLY, text="a: &a [1, *a]\n").refusal
    assert refusal.message == str(yamlio.ALIAS_LOOP % {"line": 1, "column": 4})


def test_a_few_anchors_and_merge_keys_are_fine():
    text = "base: &base {app: web}\nlabels:\n  <<: *base\n  tier: front\n"
    analysis = analyse(
        text, check(path="labels.app", equals="web"), check(path="labels.tier", equals="front")
    )
    assert analysis.refusal is None and analysis.score == 1.0


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("!!python/object/apply:os.system ['touch /tmp/rappel-pwned']\n", "!!python/object/apply:os.system"),
        (
            "kind: Pod\na: !!python/object/apply:os.system ['touch /tmp/rappel-pwned']\n",
            "!!python/object/apply:os.system",
        ),
        ("a: !!python/name:os.system\n", "!!python/name:os.system"),
        ("- !!python/object/new:subprocess.Popen [['true']]\n", "!!python/object/new:subprocess.Popen"),
    ],
)
def test_python_tags_are_refused_and_never_run(text, tag, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a YAML answer ran a command")

    monkeypatch.setattr(os, "system", forbidden)
    analysis = y.analyse(spec=KUBE_ONLY, text=text)
    line = text.count("\n", 0, text.index("!!")) + 1
    assert analysis.refusal.message == str(y.PYTHON_TAG % {"line": line, "tag": tag})
    assert y.grade(spec=KUBE_ONLY, response={"yaml": text}).score == 0.0


def test_other_tags_are_refused():
    analysis = y.analyse(spec=KUBE_ONLY, text="a: !Ref web\n")
    assert analysis.refusal.message == str(y.UNKNOWN_TAG % {"line": 1, "tag": "!Ref"})


def test_a_megabyte_answer_is_refused_before_parsing():
    huge = "a: " + "x" * 1_000_000 + "\n"
    with pytest.raises(InvalidResponse) as error:
        y.parse_response(KUBE_ONLY, {"yaml": [huge]})
    assert str(error.value) == str(y.TOO_MANY_CHARACTERS % {"limit": y.MAX_CHARS})
    verdict = y.grade(spec=KUBE_ONLY, response={"yaml": huge})  # graded anyway (a stored answer)
    assert verdict.score == 0.0
    assert y.reveal(KUBE_ONLY, {"yaml": huge})["listing"] == []


def test_too_many_lines_are_refused():
    with pytest.raises(InvalidResponse) as error:
        y.parse_response(KUBE_ONLY, {"yaml": ["a: 1\n" * (y.MAX_LINES + 1)]})
    assert str(error.value) == str(y.TOO_MANY_LINES % {"limit": y.MAX_LINES})


@pytest.mark.parametrize(
    ("junk", "line", "column"),
    [
        (bytes(range(256)).decode("latin-1"), 1, 1),
        (b"kind: Pod\nmetadata:\n  name: \xff\xfe\x00web".decode("utf-8", errors="replace"), 3, 9),
        ("kind: Pod\n\x1b[31mred\n", 2, 1),
    ],
)
def test_binary_junk_is_refused_with_its_place(junk, line, column):
    with pytest.raises(InvalidResponse) as error:
        y.parse_response(KUBE_ONLY, {"yaml": [junk]})
    assert str(error.value) == str(y.CONTROL_CHARACTER % {"line": line, "column": column})


def test_deep_nesting_is_refused():
    with pytest.raises(InvalidResponse) as error:
        y.parse_response(KUBE_ONLY, {"yaml": ["a: " + "[" * 5000 + "]" * 5000]})
    assert str(error.value) == str(y.TOO_DEEP)


# --- the Kubernetes schema ----------------------------------------------------------------------

# (answer, [(path, message, line)]) with messages built from the module's constants.
SCHEMA_CASES = [
    (POD, []),
    (SERVICE, []),
    (NAMESPACE, []),
    (DEPLOYMENT, []),
    (
        POD.replace("spec:\n", "spec:\n  metadata:\n    name: web\n"),
        [("spec.metadata", y.UNKNOWN_FIELD, 8)],
    ),
    (
        POD.replace(
            "      image: nginx:latest\n",
            '      image: nginx:latest\n      ports:\n        - containerPort: "80"\n',
        ),
        [
            (
                "spec.containers[0].ports[0].containerPort",
                y.WRONG_TYPE % {"expected": y.TYPE_NAMES["integer"]},
                12,
            )
        ],
    ),
    (
        POD.replace("  name: web\n  labels", "  nme: web\n  labels"),
        [("metadata.nme", y.UNKNOWN_FIELD, 4)],
    ),
    (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: Always\n",
        [("spec", y.MISSING_FIELD % {"field": "containers"}, 5)],
    ),
    (
        DEPLOYMENT.replace("replicas: 3", 'replicas: "3"'),
        [("spec.replicas", y.WRONG_TYPE % {"expected": y.TYPE_NAMES["integer"]}, 6)],
    ),
    (
        POD.replace("kind: Pod", "kind: pod"),
        [("kind", y.NOT_ONE_OF % {"values": "Pod"}, 2)],
    ),
    (
        DEPLOYMENT.replace("apps/v1", "v1"),
        [("kind", y.UNKNOWN_KIND % {"version": "1.33", "kind": "Deployment", "api": "v1"}, 2)],
    ),
    (
        SERVICE.replace("    - port: 80\n", "    - prot: 80\n"),
        [
            ("spec.ports[0]", y.MISSING_FIELD % {"field": "port"}, 10),
            ("spec.ports[0].prot", y.UNKNOWN_FIELD, 10),
        ],
    ),
    ("- a\n- b\n", [("", y.NOT_A_MAPPING % {"n": 1}, 1)]),
    ("metadata:\n  name: web\n", [("", y.MISSING_TYPE % {"n": 1}, 1)]),
]


@pytest.mark.parametrize(("text", "expected"), SCHEMA_CASES)
def test_the_schema_reports_each_error_at_its_path_and_line(text, expected):
    analysis = analyse(text, kubernetes=True)
    assert analysis.refusal is None
    assert [(f.path, f.message, f.line) for f in analysis.schema] == [(p, str(m), n) for p, m, n in expected]
    assert analysis.score == (0.0 if expected else 1.0)


def test_every_document_is_checked_against_the_schema():
    text = (
        NAMESPACE + "---\n" + POD.replace("  name: web\n  labels", "  name: web\n  namespace: labo\n  labls")
    )
    analysis = analyse(text, kubernetes=True)
    assert [(f.path, f.line) for f in analysis.schema] == [("metadata.labls", 11)]


def test_schemas_are_loaded_once_per_process():
    first = y.schema_validator(y.KUBERNETES_VERSION, "Pod", "v1")
    assert first is not None
    assert y.schema_validator(y.KUBERNETES_VERSION, "Pod", "v1") is first
    assert y._definitions(y.KUBERNETES_VERSION) is y._definitions(y.KUBERNETES_VERSION)


@pytest.mark.parametrize(
    ("kind", "api"), [("../../etc/passwd", "v1"), ("Pod", "../v1"), ("Pod", "v1/../../x")]
)
def test_odd_kinds_never_become_file_names(kind, api):
    assert y.schema_validator(y.KUBERNETES_VERSION, kind, api) is None


# --- the checks -----------------------------------------------------------------------------------

# (answer, check, passes, what the feedback shows as found)
CHECK_CASES = [
    (POD, check(path="kind", equals="Pod"), True, "Pod"),
    (SERVICE, check(path="kind", equals="Pod"), False, "Service"),
    (POD, check(path="metadata.name", exists=True), True, "web"),
    ("kind: Pod\nmetadata: {}\n", check(path="metadata.name", exists=True), False, str(y.NOT_FOUND)),
    (POD, check(path="spec.metadata", exists=False), True, str(y.NOT_FOUND)),
    (POD, check(path="spec.containers[0].image", matches="nginx(:.*)?"), True, "nginx:latest"),
    (
        POD.replace("nginx:latest", "nginxx"),
        check(path="spec.containers[0].image", matches="nginx(:.*)?"),
        False,
        "nginxx",
    ),
    (
        POD.replace("nginx:latest", "httpd:2"),
        check(path="spec.containers[0].image", matches="nginx(:.*)?"),
        False,
        "httpd:2",
    ),
    (POD, check(path="spec.containers", length=1), True, "[{name: web, image: nginx:latest}]"),
    (
        DEPLOYMENT,
        check(path="spec.template.spec.containers", length=2),
        False,
        "[{name: web, image: nginx:1.27}]",
    ),
    (DEPLOYMENT, check(path="spec.replicas", equals=3), True, "3"),
    (DEPLOYMENT.replace("replicas: 3", 'replicas: "3"'), check(path="spec.replicas", equals=3), False, "3"),
    (SERVICE, check(path="spec.type", one_of=["NodePort", "LoadBalancer"]), True, "NodePort"),
    (
        SERVICE.replace("NodePort", "ClusterIP"),
        check(path="spec.type", one_of=["NodePort", "LoadBalancer"]),
        False,
        "ClusterIP",
    ),
    (SERVICE, check(path="spec.ports[0].port", matches="80"), True, "80"),
    ("a: true\n", check(path="a", equals=1), False, "true"),
    (
        POD + "---\n" + SERVICE,
        check(selector_matches={"service": "Service", "pod": "Pod"}),
        True,
        "{app: web}",
    ),
    (
        POD.replace("app: web", "app: api") + "---\n" + SERVICE,
        check(selector_matches={"service": "Service", "pod": "Pod"}),
        False,
        "{app: web}",
    ),
    (
        SERVICE,
        check(selector_matches={"service": 0, "labels": {"app": "web", "tier": "front"}}),
        True,
        "{app: web}",
    ),
    (SERVICE, check(selector_matches={"service": "Service", "pod": "Pod"}), False, str(y.NO_SUCH_DOCUMENT)),
    (DEPLOYMENT, check(selector_matches={"service": "Deployment", "pod": "Deployment"}), True, "{app: web}"),
    (
        DEPLOYMENT + "---\n" + SERVICE,
        check(selector_matches={"service": "Service", "pod": "Deployment"}),
        True,
        "{app: web}",
    ),
    (
        SERVICE.replace("  selector:\n    app: web\n", ""),
        check(selector_matches={"service": 0, "labels": {"a": "b"}}),
        False,
        str(y.NO_SELECTOR),
    ),
    (NAMESPACE + "---\n" + POD, check(documents=2), True, "2"),
    (POD, check(documents=2), False, "1"),
    (NAMESPACE + "---\n" + POD, check(path="kind", equals="Pod", doc=1), True, "Pod"),
    (NAMESPACE + "---\n" + POD, check(path="metadata.name", equals="web", doc="Pod"), True, "web"),
    (NAMESPACE + "---\n" + POD, check(path="kind", equals="Pod", doc="Pod/web"), True, "Pod"),
    (
        NAMESPACE + "---\n" + POD,
        check(path="kind", equals="Pod", doc="Pod/api"),
        False,
        str(y.NO_SUCH_DOCUMENT),
    ),
    (NAMESPACE, check(path="kind", equals="Pod", doc=3), False, str(y.NO_SUCH_DOCUMENT)),
]


@pytest.mark.parametrize(("text", "the_check", "passes", "found"), CHECK_CASES)
def test_each_check_kind_passes_and_fails(text, the_check, passes, found):
    analysis = analyse(text, the_check)
    assert analysis.refusal is None
    assert [(c.ok, c.found) for c in analysis.checks] == [(passes, found)]
    assert analysis.score == (1.0 if passes else 0.0)


# --- the check language: items by name, images, defaults, label selectors, references -----------

TWO_CONTAINERS = POD + "    - name: api\n      image: httpd:2.4\n"
NO_TARGET_PORT = SERVICE.replace("      targetPort: 80\n", "")
EXPRESSIONS = DEPLOYMENT.replace(
    "    matchLabels:\n      app: web\n",
    "    matchExpressions:\n      - {key: app, operator: %s, values: [%s]}\n",
)
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
  - name: labo
    cluster: {server: "https://192.0.2.10:6443"}
users:
  - name: alice
    user: {token: abc123}
contexts:
  - name: dev
    context: {cluster: labo, user: alice, namespace: dev}
  - name: prod
    context: {cluster: labo, user: alice, namespace: prod}
current-context: dev
"""
CLUSTER_REFS = {"from": "contexts[*].context.cluster", "to": "clusters[*].name"}


def defaulted(value: str) -> str:
    return str(y.DEFAULT_VALUE % {"value": value})


LANGUAGE_CASES = [
    (TWO_CONTAINERS, check(path="spec.containers[name=api].image", equals="httpd:2.4"), True, "httpd:2.4"),
    (TWO_CONTAINERS, check(path="spec.containers[name=db]", exists=True), False, str(y.NOT_FOUND)),
    (
        TWO_CONTAINERS.replace("name: api", "name: web"),
        check(path="spec.containers[name=web]", exists=True),
        False,
        str(y.NOT_FOUND),
    ),
    (SERVICE, check(path="spec.ports[port=80].targetPort", equals=80), True, "80"),
    (SERVICE, check(path='spec.ports[port="80"]', exists=True), False, str(y.NOT_FOUND)),
    (
        POD.replace("nginx:latest", "nginx"),
        check(path="spec.containers[0].image", image="nginx:latest"),
        True,
        "nginx",
    ),
    (
        POD.replace("nginx:latest", "docker.io/library/nginx:latest"),
        check(path="spec.containers[0].image", image="nginx"),
        True,
        "docker.io/library/nginx:latest",
    ),
    (POD, check(path="spec.containers[0].image", image="httpd:latest"), False, "nginx:latest"),
    (POD, check(path="spec.containers[0].image", image="nginx:1.27"), False, "nginx:latest"),
    (POD, check(path="spec.containers[0].image", image="ghcr.io/nginx/nginx"), False, "nginx:latest"),
    (NO_TARGET_PORT, check(path="spec.ports[0].targetPort", equals=80), True, defaulted("80")),
    (NO_TARGET_PORT, check(path="spec.ports[0].targetPort", exists=True), False, str(y.NOT_FOUND)),
    (SERVICE, check(path="spec.ports[0].protocol", equals="TCP"), True, defaulted("TCP")),
    (
        SERVICE.replace("  type: NodePort\n", ""),
        check(path="spec.type", equals="NodePort"),
        False,
        defaulted("ClusterIP"),
    ),
    (DEPLOYMENT.replace("  replicas: 3\n", ""), check(path="spec.replicas", equals=1), True, defaulted("1")),
    (POD, check(path="spec.replicas", equals=1), False, str(y.NOT_FOUND)),  # a Pod has no replicas
    (
        EXPRESSIONS % ("In", "web"),
        check(selector_matches={"service": "Deployment", "pod": "Deployment"}),
        True,
        y.preview({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}),
    ),
    (
        EXPRESSIONS % ("In", "api"),
        check(selector_matches={"service": "Deployment", "pod": "Deployment"}),
        False,
        y.preview({"matchExpressions": [{"key": "app", "operator": "In", "values": ["api"]}]}),
    ),
    (
        EXPRESSIONS % ("NotIn", "web"),
        check(selector_matches={"service": 0, "labels": {"app": "web"}}),
        False,
        y.preview({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}),
    ),
    (
        EXPRESSIONS.replace(", values: [%s]", "") % "Exists",
        check(selector_matches={"service": 0, "labels": {"app": "web"}}),
        True,
        y.preview({"matchExpressions": [{"key": "app", "operator": "Exists"}]}),
    ),
    (
        EXPRESSIONS.replace(", values: [%s]", "") % "DoesNotExist",
        check(selector_matches={"service": 0, "labels": {"app": "web"}}),
        False,
        y.preview({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}),
    ),
    (
        DEPLOYMENT.replace("      app: web\n", "      app: web\n    matchExpressions: []\n", 1),
        check(selector_matches={"service": "Deployment", "pod": "Deployment"}),
        True,
        y.preview({"matchLabels": {"app": "web"}, "matchExpressions": []}),
    ),
    (
        DEPLOYMENT.replace("      app: web\n", "", 1).replace("matchLabels:", "matchLabels: {}"),
        check(selector_matches={"service": "Deployment", "pod": "Deployment"}),
        False,
        str(y.NO_SELECTOR),
    ),
    (KUBECONFIG, check(refers=CLUSTER_REFS), True, "labo"),
    (
        KUBECONFIG.replace("{cluster: labo, user: alice, namespace: prod}", "{cluster: lab, user: alice}"),
        check(refers=CLUSTER_REFS),
        False,
        str(y.NO_SUCH_NAME % {"names": "lab"}),
    ),
    (
        KUBECONFIG.replace("{cluster: labo, user: alice, namespace: prod}", "{user: alice}"),
        check(refers=CLUSTER_REFS),
        False,
        str(y.NO_SUCH_NAME % {"names": str(y.NOT_FOUND)}),
    ),
    (
        KUBECONFIG.replace("clusters:\n", "clusters:\n  - {name: labo, cluster: {server: https://a}}\n"),
        check(refers=CLUSTER_REFS),
        False,
        str(y.NAMED_TWICE % {"names": "labo"}),
    ),
    (KUBECONFIG, check(refers={"from": "current-context", "to": "contexts[*].name"}), True, "dev"),
    (
        KUBECONFIG.replace("current-context: dev", "current-context: test"),
        check(refers={"from": "current-context", "to": "contexts[*].name"}),
        False,
        str(y.NO_SUCH_NAME % {"names": "test"}),
    ),
    (
        KUBECONFIG.replace("current-context: dev\n", ""),
        check(refers={"from": "current-context", "to": "contexts[*].name"}),
        False,
        str(y.NO_SUCH_NAME % {"names": str(y.NOT_FOUND)}),
    ),
]


@pytest.mark.parametrize(("text", "the_check", "passes", "found"), LANGUAGE_CASES)
def test_items_by_name_images_defaults_selectors_and_references(text, the_check, passes, found):
    analysis = analyse(text, the_check)
    assert analysis.refusal is None
    assert [(c.ok, c.found) for c in analysis.checks] == [(passes, found)]


@pytest.mark.usefixtures("english")
def test_parse_path_reads_items_by_value_and_every_item_in_refers_only():
    assert y.parse_path("spec.containers[name=web].ports[containerPort=80]") == (
        "spec",
        "containers",
        y.Where("name", "web"),
        "ports",
        y.Where("containerPort", 80),
    )
    assert y.parse_path('ports[name="80"]')[1] == y.Where("name", "80")
    assert (
        y.format_path(y.parse_path('a[name="80"].b[port=80][name=web]'))
        == 'a[name="80"].b[port=80][name=web]'
    )
    assert y.parse_path("contexts[*].name", every=True) == ("contexts", y.EVERY, "name")
    with pytest.raises(ValueError, match="only allowed in refers"):
        y.parse_path("contexts[*].name")


def test_a_check_by_name_points_at_the_line_of_that_item():
    analysis = analyse(TWO_CONTAINERS, check(path="spec.containers[name=api].image", equals="httpd:2.4"))
    assert analysis.checks[0].line == 12


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("nginx", "nginx:latest", True),
        ("nginx", "docker.io/library/nginx:latest", True),
        ("index.docker.io/library/nginx", "nginx", True),
        ("bitnami/nginx", "docker.io/bitnami/nginx:latest", True),
        ("nginx:1.27", "nginx:latest", False),
        ("httpd:2.4", "nginx:2.4", False),
        ("ghcr.io/nginx/nginx", "nginx", False),
        ("localhost:5000/web", "web", False),
    ],
)
def test_image_references_are_compared_as_the_runtime_reads_them(first, second, same):
    assert y.image_reference(first) is not None
    assert (y.image_reference(first) == y.image_reference(second)) is same


@pytest.mark.parametrize("text", ["", "Nginx", "nginx:", "nginx:1.27 ", "a/b/:1", 42])
def test_what_is_not_an_image_reference(text):
    assert y.image_reference(text) is None


def test_the_solution_free_values_refers_and_image_round_trip_through_to_raw():
    spec = spec_with_solution(
        check(path="spec.containers[name=web].image", image="nginx:latest", doc="Pod"),
        check(refers={"from": "spec.containers[*].name", "to": "spec.containers[*].name"}, doc=0),
        free=[{"path": "spec.containers[0].name", "doc": "Pod", "reason": "libre"}],
    )
    assert spec["solution"] == POD.strip("\n")
    assert spec["free"] == [{"path": "spec.containers[0].name", "doc": "Pod", "reason": "libre"}]
    assert y.build_spec(y.to_raw(spec), uid=UID) == spec


def test_without_a_solution_the_spec_is_what_it_was():
    assert set(spec_with(check(path="kind", equals="Pod"))) == {"kubernetes", "checks", "starter"}


def spec_with_solution(*checks: dict, solution: str = POD, free: list | None = None) -> dict:
    return y.build_spec({"checks": list(checks), "solution": solution, "free": free or []}, uid=UID)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"checks": [check(refers={"from": "a"})]}, "refers needs from:"),
        ({"checks": [check(refers={"from": "a[", "to": "b"})]}, "refers: bad from path"),
        ({"checks": [check(refers={"from": "a", "to": "b"}, path="a")]}, "refers takes no path"),
        ({"checks": [check(path="contexts[*].name", exists=True)]}, "only allowed in refers"),
        ({"checks": [check(path="a[name={x: 1}]", exists=True)]}, "needs a plain value"),
        ({"checks": [check(path="spec.image", image="Nginx!")]}, "image needs an image reference"),
        ({"kubernetes": True, "solution": ["a"]}, "solution must be the model answer"),
        ({"kubernetes": True, "solution": "a: [b"}, "the solution does not read"),
        ({"kubernetes": True, "free": [{"path": "a", "reason": "r"}]}, "write a solution"),
        ({"kubernetes": True, "solution": POD, "free": [{"path": "a"}]}, "needs a reason"),
        (
            {"kubernetes": True, "solution": POD, "free": [{"path": "spec.x", "reason": "r"}]},
            "has nothing at",
        ),
        ({"kubernetes": True, "solution": POD, "free": "metadata.name"}, "free must be a list"),
    ],
)
@pytest.mark.usefixtures("english")
def test_build_spec_refuses_malformed_new_fields(raw, fragment):
    with pytest.raises(SpecError) as error:
        y.build_spec(raw, uid=UID)
    assert any(fragment in message for _key, message in error.value.problems), error.value.problems


def test_a_passed_check_points_at_its_line_and_a_failed_one_keeps_its_explanation():
    analysis = analyse(
        POD, check(path="spec.containers[0].image", equals="nginx", explain="Image **nginx**.")
    )
    result = analysis.checks[0]
    assert (result.ok, result.line, result.label) == (False, 10, "spec.containers[0].image")
    assert result.explain_html == "Image <strong>nginx</strong>."


def test_empty_documents_do_not_count():
    analysis = analyse(
        "---\n" + NAMESPACE + "---\n---\n" + POD + "---\n",
        check(documents=2),
        check(path="kind", equals="Pod", doc=1),
    )
    assert analysis.documents == 2 and analysis.score == 1.0


def test_a_kubeconfig_is_checked_without_the_schema():
    kubeconfig = """\
apiVersion: v1
kind: Config
clusters:
  - name: labo
    cluster: {server: "https://192.0.2.10:6443"}
contexts:
  - name: dev
    context: {cluster: labo, user: alice, namespace: dev}
  - name: prod
    context: {cluster: labo, user: alice, namespace: prod}
current-context: dev
users:
  - name: alice
    user: {token: abc}
"""
    analysis = analyse(
        kubeconfig,
        check(path="contexts", length=2),
        check(path="contexts[1].context.namespace", equals="prod"),
        check(path="current-context", one_of=["dev", "prod"]),
    )
    assert analysis.schema == () and analysis.score == 1.0


# --- scoring ----------------------------------------------------------------------------------------


def test_the_schema_counts_as_one_point_beside_the_checks():
    broken = POD.replace("spec:\n", "spec:\n  metadata:\n    name: web\n")
    checks = (check(path="kind", equals="Pod"), check(path="metadata.name", equals="web"), check(documents=1))
    right = y.grade(spec=spec_with(*checks, kubernetes=True), response={"yaml": POD})
    partial = y.grade(spec=spec_with(*checks, kubernetes=True), response={"yaml": broken})
    assert (right.correct, right.score) == (True, 1.0)
    assert (partial.correct, partial.score) == (False, 0.75)


def test_partial_credit_by_checks_passed():
    spec = spec_with(check(path="kind", equals="Pod"), check(path="metadata.name", equals="api"))
    verdict = y.grade(spec=spec, response={"yaml": POD})
    assert (verdict.correct, verdict.score) == (False, 0.5)


def test_a_syntax_error_scores_zero_even_with_checks():
    spec = spec_with(check(path="kind", equals="Pod"), kubernetes=True)
    assert y.grade(spec=spec, response={"yaml": "kind: Pod\n\tmetadata: {}\n"}).score == 0.0


# --- feedback ------------------------------------------------------------------------------------------


def test_reveal_lists_the_lines_marks_the_error_and_points_a_caret_at_the_column():
    solution = y.reveal(KUBE_ONLY, {"yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n"})
    lines = solution["listing"]
    assert [line["number"] for line in lines] == [1, 2, 3, 4]
    assert [line["marked"] for line in lines] == [False, False, False, True]
    assert lines[3]["text"] == "→name: web"
    assert lines[3]["caret"] == " " * 4 + "^"
    assert solution["checks"] == [] and solution["refusal"]["hint"]


def test_reveal_also_marks_the_line_a_hint_blames():
    solution = y.reveal(KUBE_ONLY, {"yaml": "apiVersion: v1\nkind:Pod\nmetadata:\n  name: web\n"})
    assert [line["number"] for line in solution["listing"] if line["marked"]] == [2, 3]
    assert solution["refusal"]["hint_line"] == 2


def test_the_feedback_template_shows_the_line_the_paths_and_escapes_the_answer():
    spec = spec_with(check(path="metadata.name", equals="web", explain="Le nom est `web`."), kubernetes=True)
    text = POD.replace("name: web\n  labels", "name: '<script>x</script>'\n  labels").replace(
        "spec:\n", "spec:\n  metadata: {}\n"
    )
    html = render_to_string(
        "quizzes/kinds/yaml.html", {"mode": "feedback", "solution": y.reveal(spec, {"yaml": text})}
    )
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "<mark> 8 │   metadata: {}</mark>" in html
    assert "<code>spec.metadata</code>" in html
    assert "Le nom est <code>web</code>." in html


def test_the_ask_template_works_without_javascript():
    spec = spec_with(check(path="kind", equals="Pod"), starter="apiVersion: v1\nkind: Pd\n")
    html = render_to_string("quizzes/kinds/yaml.html", {"mode": "ask", "present": y.present(spec, seed=1)})
    assert 'name="yaml"' in html and "<textarea" in html
    assert "\napiVersion: v1\nkind: Pd</textarea>" in html
    assert '<script src="/static/js/editor.js" defer></script>' in html
    assert "<script>" not in html


# --- in the browser, through the views ---------------------------------------------------------------

BANK = """\
section: alpha
questions:
  - uid: alpha-yaml-pod-1
    kind: yaml
    prompt: "Écrivez un Pod `web`."
    explanation: "Un Pod."
    kubernetes: true
    starter: |
      apiVersion: v1
      kind: Pod
    checks:
      - path: metadata.name
        equals: web
        explain: "Le nom va dans `metadata.name`."
"""


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["plain-posts", "htmx"])
def test_a_student_writes_yaml_in_the_browser(student_client, quiz_from_bank, htmx):
    from django.urls import reverse

    from quizzes.models import Question

    attempt = quiz_from_bank(BANK)
    url = reverse("quizzes:attempt-question", args=[attempt.pk, 1])
    page = student_client.get(url).content.decode()
    assert 'name="yaml"' in page and "apiVersion: v1\nkind: Pod</textarea>" in page
    revision = Question.objects.get(uid="alpha-yaml-pod-1").current_revision
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    refused = student_client.post(url, {"revision": revision.pk, "yaml": "a: " + "x" * 1_000_000}, **extra)
    assert refused.status_code == 422
    assert str(y.TOO_MANY_CHARACTERS % {"limit": y.MAX_CHARS}) in refused.content.decode()

    answer = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n"
        "spec:\n  metadata: {}\n  containers:\n    - name: a\n      image: nginx\n"
    )
    response = student_client.post(url, {"revision": revision.pk, "yaml": answer}, **extra)
    html = response.content.decode() if htmx else student_client.get(response.url).content.decode()
    assert "<mark>6 │   metadata: {}</mark>" in html
    assert "<code>spec.metadata</code>" in html
    assert "Le nom va dans <code>metadata.name</code>." in html
    assert attempt.answers.get().score == 0.0  # schema failed, the one check failed


@pytest.mark.parametrize("number", ["9" * 5000, "1_" * 4400 + "1", "-" + "7" * 4301])
def test_a_number_too_long_for_int_is_a_clear_refusal(number):
    documents, refusal = y.load_documents(f"apiVersion: v1\nkind: Pod\nreplicas: {number}\n")
    assert documents == []
    assert refusal.message == str(y.NUMBER_TOO_LONG)
