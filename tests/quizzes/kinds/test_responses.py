"""A stored response shown as the student gave it, for every kind: the choice texts, the pairs,
the order, the YAML, never a hash or a dict; and something readable for a response that does
not fit its spec (tampered, older format), never an error.

The specs are the test banks' own (tests/banks/data and the export tests' gamma bank); the
responses are built with each kind's `parse_response`, as a posted form would store them.
"""

from __future__ import annotations

import pytest
import yaml
from django.template.loader import get_template, render_to_string
from django.utils.html import escape

from quizzes import kinds
from tests.conftest import TEST_BANKS
from tests.interop.export_helpers import GAMMA_BANK


def bank_questions() -> dict[str, dict]:
    texts = [(TEST_BANKS / name).read_text(encoding="utf-8") for name in ("alpha.yaml", "beta.yaml")]
    return {q["uid"]: q for text in [*texts, GAMMA_BANK] for q in yaml.safe_load(text)["questions"]}


QUESTIONS = bank_questions()


def spec_of(uid: str) -> dict:
    question = QUESTIONS[uid]
    return kinds.get(question["kind"]).build_spec(question, uid=uid)


def posted(kind: str, spec: dict, form: dict[str, str | list[str]]) -> dict:
    """The response a form post stores: through the kind's own parser."""
    return kinds.get(kind).parse_response(
        spec, {k: v if isinstance(v, list) else [v] for k, v in form.items()}
    )


def shown(kind: str, spec: dict, response) -> tuple[dict, str, str]:
    """The view, its template's HTML and the text form of one response."""
    view = kinds.response_view(kind=kind, spec=spec, response=response)
    html = render_to_string(view["template"], {"shown": view})
    return view, html, kinds.response_text(kind=kind, spec=spec, response=response)


def key_of(spec: dict, text: str, field: str = "choices", name: str = "text") -> str:
    return next(item["key"] for item in spec[field] if item[name] == text)


def assert_unreadable(kind: str, spec: dict, response) -> None:
    view, html, text = shown(kind, spec, response)
    assert view["template"] == kinds.UNREADABLE_TEMPLATE
    assert str(kinds.UNREADABLE) in html
    assert text == str(kinds.UNREADABLE)


# --- single and multiple: the choices' texts --------------------------------------------------

SINGLE = spec_of("alpha-single-1")
MULTIPLE = spec_of("alpha-multiple-1")


@pytest.mark.parametrize(("text", "correct"), [("ConfigMap", True), ("CustomResourceDefinition", False)])
def test_single_shows_the_picked_choice_text_not_its_key(text, correct):
    key = key_of(SINGLE, text)
    view, html, plain = shown("single", SINGLE, posted("single", SINGLE, {"choice": key}))
    assert view["template"] == "quizzes/responses/single.html"
    assert view["choice"] == {"html": text, "correct": correct}
    assert text in html and key not in html and "{" not in html
    assert plain == text


def test_multiple_shows_each_ticked_choice_marked_right_or_wrong():
    keys = [key_of(MULTIPLE, "kubelet"), key_of(MULTIPLE, "kube-scheduler")]
    view, html, plain = shown("multiple", MULTIPLE, posted("multiple", MULTIPLE, {"choices": keys}))
    assert view["choices"] == [
        {"html": "kubelet", "correct": True},
        {"html": "kube-scheduler", "correct": False},
    ]
    assert "✓ kubelet" in html and "✗ kube-scheduler" in html
    assert not any(key in html for key in keys)
    assert plain == "kubelet | kube-scheduler"


def test_every_right_choice_of_multiple_reads_as_the_bank_wrote_them():
    right = [c["key"] for c in MULTIPLE["choices"] if c["correct"]]
    _view, _html, plain = shown("multiple", MULTIPLE, posted("multiple", MULTIPLE, {"choices": right}))
    assert plain == "kubelet | un runtime CRI"


@pytest.mark.parametrize(
    "response",
    [
        {"choice": "0000000000"},  # a key of no choice
        {"choice": 3},
        {"choices": ["0000000000"]},  # the other choice kind's shape
        {},
        None,
        "ConfigMap",
        ["a"],
    ],
)
def test_single_refuses_to_guess_a_tampered_response(response):
    assert_unreadable("single", SINGLE, response)


@pytest.mark.parametrize(
    "response",
    [
        {"choices": []},
        {"choices": ["0000000000"]},
        {"choices": "kubelet"},
        {"choice": "x"},
        {"choices": [None]},
    ],
)
def test_multiple_refuses_to_guess_a_tampered_response(response):
    assert_unreadable("multiple", MULTIPLE, response)


def test_a_choice_of_another_question_is_not_shown_as_this_ones():
    other = kinds.single.build_spec({"choices": [{"text": "ConfigMap", "correct": True}, "Pod"]}, uid="other")
    assert_unreadable("single", SINGLE, {"choice": key_of(other, "ConfigMap")})


# --- true or false, short, command: what was said or typed --------------------------------------

TRUEFALSE = spec_of("alpha-truefalse-1")
SHORT = spec_of("beta-short-1")
COMMAND = spec_of("gamma-command-1")


@pytest.mark.parametrize(("value", "word"), [("true", "Vrai"), ("false", "Faux")])
def test_true_or_false_says_the_word_in_the_language_of_the_page(value, word):
    view, html, plain = shown("truefalse", TRUEFALSE, posted("truefalse", TRUEFALSE, {"answer": value}))
    assert view["answer"] is (value == "true")
    assert word in html and plain == word


@pytest.mark.parametrize("response", [{"answer": "true"}, {"answer": 1}, {"answer": None}, {}])
def test_true_or_false_refuses_anything_but_a_boolean(response):
    assert_unreadable("truefalse", TRUEFALSE, response)


@pytest.mark.parametrize("text", ["svc", "zzz-wrong", "<b>svc</b>"])
def test_short_shows_the_typed_text_escaped(text):
    view, html, plain = shown("short", SHORT, posted("short", SHORT, {"text": text}))
    assert view["text"] == plain == text
    assert escape(text) in html and "<b>" not in html


@pytest.mark.parametrize("command", ["kubectl get pods -n kube-system", "kubectl get pods"])
def test_command_shows_the_command_as_typed(command):
    _view, html, plain = shown("command", COMMAND, posted("command", COMMAND, {"command": command}))
    assert f"$ {command}" in html and plain == command


@pytest.mark.parametrize(
    ("kind", "spec", "response"),
    [
        ("short", SHORT, {"text": 3}),
        ("short", SHORT, {"command": "svc"}),
        ("short", SHORT, None),
        ("command", COMMAND, {"command": ["kubectl"]}),
        ("command", COMMAND, {"text": "kubectl get pods"}),
        ("command", COMMAND, "kubectl get pods"),
    ],
)
def test_typed_kinds_refuse_a_response_of_another_shape(kind, spec, response):
    assert_unreadable(kind, spec, response)


# --- matching and ordering: the pairs given, the order given --------------------------------------

MATCHING = spec_of("beta-matching-1")
ORDERING = spec_of("beta-ordering-1")


def matching_form(given: dict[str, str]) -> dict[str, str]:
    rights = {p["right"]: p["right_key"] for p in MATCHING["pairs"]}
    rights |= {d["text"]: d["key"] for d in MATCHING["distractors"]}
    lefts = {p["left"]: p["key"] for p in MATCHING["pairs"]}
    return {kinds.matching.FIELD_PREFIX + lefts[left]: rights[right] for left, right in given.items()}


def test_matching_shows_each_left_item_with_the_partner_given():
    given = {"cm": "ConfigMap", "sts": "Secret", "sa": "StatefulSet"}
    view, html, plain = shown("matching", MATCHING, posted("matching", MATCHING, matching_form(given)))
    assert [(p["left_html"], p["given_html"], p["ok"]) for p in view["pairs"]] == [
        ("cm", "ConfigMap", True),
        ("sts", "Secret", False),
        ("sa", "StatefulSet", False),
    ]
    assert "✓ cm → ConfigMap" in html and "✗ sts → Secret" in html
    assert plain == "cm -> ConfigMap | sts -> Secret | sa -> StatefulSet"
    assert not any(p["right_key"] in html or p["key"] in html for p in MATCHING["pairs"])


def test_matching_shows_a_left_item_left_unpaired_as_a_dash():
    response = posted(
        "matching", MATCHING, matching_form({"cm": "ConfigMap", "sts": "StatefulSet", "sa": "ServiceAccount"})
    )
    del response["pairs"][MATCHING["pairs"][2]["key"]]  # an older answer, before every pair was required
    view, html, plain = shown("matching", MATCHING, response)
    assert view["pairs"][2] == {"left_html": "sa", "given_html": "", "ok": False}
    assert "✗ sa → —" in html and plain.endswith("sa -> —")


@pytest.mark.parametrize(
    "pairs",
    [
        {"0000000000": "0000000000"},  # keys of no item
        "cm -> ConfigMap",
        ["a", "b"],
        None,
    ],
)
def test_matching_refuses_to_guess_a_tampered_response(pairs):
    assert_unreadable("matching", MATCHING, {"pairs": pairs})


def test_matching_refuses_a_partner_of_no_option():
    response = posted(
        "matching", MATCHING, matching_form({"cm": "ConfigMap", "sts": "StatefulSet", "sa": "ServiceAccount"})
    )
    response["pairs"][MATCHING["pairs"][0]["key"]] = "0000000000"
    assert_unreadable("matching", MATCHING, response)


def ordering_form(order: list[str]) -> dict[str, str]:
    return {
        kinds.ordering.FIELD_PREFIX + key_of(ORDERING, text, "items"): str(order.index(text) + 1)
        for text in order
    }


@pytest.mark.parametrize(
    ("order", "marks"),
    [
        (["created", "running", "exited"], ["✓", "✓", "✓"]),
        (["running", "created", "exited"], ["✗", "✗", "✓"]),
    ],
)
def test_ordering_shows_the_items_in_the_order_given(order, marks):
    view, html, plain = shown("ordering", ORDERING, posted("ordering", ORDERING, ordering_form(order)))
    assert [item["html"] for item in view["items"]] == order
    assert [f"{mark} {text}" in html for mark, text in zip(marks, order, strict=True)] == [True] * 3
    assert html.index(order[0]) < html.index(order[1]) < html.index(order[2])
    assert plain == " -> ".join(order)


@pytest.mark.parametrize("order", [[], ["0000000000"], "created", [1, 2, 3], None])
def test_ordering_refuses_to_guess_a_tampered_response(order):
    assert_unreadable("ordering", ORDERING, {"order": order})


# --- cloze: the blanks filled -------------------------------------------------------------------

CLOZE = spec_of("gamma-cloze-1")


def test_cloze_shows_the_code_with_the_blanks_as_filled():
    response = posted("cloze", CLOZE, {"blank-1": "v1", "blank-2": "Deployment"})
    view, html, plain = shown("cloze", CLOZE, response)
    blanks = [s for s in view["segments"] if "blank" in s]
    assert blanks == [
        {"blank": 1, "given": "v1", "ok": True},
        {"blank": 2, "given": "Deployment", "ok": False},
    ]
    assert "apiVersion: <ins>✓ v1</ins>" in html and "kind: <del>✗ Deployment</del>" in html
    assert plain == "v1 | Deployment"


def test_cloze_shows_a_blank_left_empty():
    response = posted("cloze", CLOZE, {"blank-1": "", "blank-2": "Pod"})
    _view, html, plain = shown("cloze", CLOZE, response)
    assert "<del>✗ …</del>" in html and plain == "— | Pod"


@pytest.mark.parametrize("blanks", [["v1"], ["v1", "Pod", "extra"], ["v1", 2], "v1 Pod", None])
def test_cloze_refuses_blanks_that_do_not_fit_the_code(blanks):
    assert_unreadable("cloze", CLOZE, {"blanks": blanks})


# --- yaml: the YAML, highlighted ---------------------------------------------------------------

YAML = spec_of("gamma-yaml-1")
MANIFEST = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"


def test_yaml_is_shown_highlighted_with_its_line_count():
    view, html, plain = shown("yaml", YAML, posted("yaml", YAML, {"yaml": MANIFEST}))
    assert view["lines"] == 4
    assert '<div class="highlight">' in view["html"] and "apiVersion" in view["html"]
    assert view["html"] in html and "<details" in html
    assert plain == MANIFEST.rstrip("\n")


def test_yaml_that_holds_html_or_a_fence_stays_code():
    text = "kind: Pod\n# <script>alert(1)</script>\n```\n# <b>bold</b>\n"
    view, _html, _plain = shown("yaml", YAML, posted("yaml", YAML, {"yaml": text}))
    assert "<script" not in view["html"] and "<b>" not in view["html"]
    assert "&lt;script&gt;" in view["html"] and "&lt;b&gt;" in view["html"]  # after the ```, still code
    assert view["html"].count('<div class="highlight">') == 1


@pytest.mark.parametrize("response", [{"yaml": ""}, {"yaml": "a: 1\n" * 600}, {"yaml": 3}, {"text": "a: 1"}])
def test_yaml_refuses_what_could_never_have_been_posted(response):
    assert_unreadable("yaml", YAML, response)


# --- flashcard and unknown kinds --------------------------------------------------------------------


def test_a_flashcard_has_no_response_to_show():
    spec = spec_of("gamma-flashcard-1")
    _view, html, plain = shown("flashcard", spec, None)
    assert html.strip() == plain == "—"


def test_an_unknown_kind_is_not_readable():
    assert_unreadable("essay", {}, {"text": "x"})


def test_a_response_against_a_spec_of_another_kind_is_not_readable():
    """An older revision's spec no longer fitting the kind, say: no error, a readable line."""
    assert_unreadable("matching", SINGLE, {"pairs": {}})
    assert_unreadable("cloze", ORDERING, {"blanks": ["x"]})


@pytest.mark.parametrize("kind", sorted(kinds.REGISTRY))
def test_every_kind_has_a_renderer_and_a_template(kind):
    module = kinds.get(kind)
    assert callable(module.response_view) and callable(module.response_text)
    get_template(kinds.RESPONSE_TEMPLATE % kind)  # raises TemplateDoesNotExist
