"""Pure grading tests for every kind: right, wrong, partial and malformed responses."""

from __future__ import annotations

import pytest

from quizzes import kinds
from quizzes.kinds import (
    EMPTY_RESPONSE,
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    matching,
    multiple,
    ordering,
    short,
    single,
    truefalse,
)

UID = "test-q-1"


def keys(spec, field="choices"):
    return {item["text"]: item["key"] for item in spec[field]}


# --- single ---------------------------------------------------------------------------------

SINGLE = single.build_spec(
    {"choices": [{"text": "ConfigMap", "correct": True}, {"text": "CRD", "feedback": "c'est `crd`"}, "Role"]},
    uid=UID,
)


def test_single_right_choice_scores_one():
    k = keys(SINGLE)
    verdict = single.grade(spec=SINGLE, response=single.parse_response(SINGLE, {"choice": [k["ConfigMap"]]}))
    assert verdict.correct and verdict.score == 1.0


def test_single_wrong_choice_scores_zero_with_its_feedback():
    k = keys(SINGLE)
    verdict = single.grade(spec=SINGLE, response=single.parse_response(SINGLE, {"choice": [k["CRD"]]}))
    assert not verdict.correct and verdict.score == 0.0
    assert "<code>crd</code>" in verdict.feedback[0]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, EMPTY_RESPONSE),
        ({"choice": [""]}, EMPTY_RESPONSE),
        ({"choice": ["nope"]}, TAMPERED_RESPONSE),
        ({"choice": ["a", "b"]}, TAMPERED_RESPONSE),
    ],
)
def test_single_rejects_malformed_responses(form, message):
    with pytest.raises(InvalidResponse) as error:
        single.parse_response(SINGLE, form)
    assert str(error.value) == str(message)


def test_single_rejects_a_choice_of_another_question():
    other = single.build_spec({"choices": [{"text": "ConfigMap", "correct": True}, "Pod"]}, uid="other-q-1")
    with pytest.raises(InvalidResponse):
        single.parse_response(SINGLE, {"choice": [keys(other)["ConfigMap"]]})


@pytest.mark.parametrize(
    "choices",
    [
        [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
        [{"text": "a"}, {"text": "b"}],
        [{"text": "a", "correct": True}],
        [{"text": "a", "correct": True}, {"text": "a"}],
        [{"text": "a", "correct": "yes"}, {"text": "b"}],
    ],
)
def test_single_spec_problems_are_named(choices):
    with pytest.raises(SpecError) as error:
        single.build_spec({"choices": choices}, uid=UID)
    assert error.value.problems[0][0] == "choices"


def test_choice_markdown_is_rendered_and_sanitised():
    spec = single.build_spec(
        {"choices": [{"text": "`po`", "correct": True}, "<script>alert(1)</script>"]}, uid=UID
    )
    assert spec["choices"][0]["html"] == "<code>po</code>"
    assert "<script" not in spec["choices"][1]["html"]


# --- multiple -------------------------------------------------------------------------------

MULTIPLE = multiple.build_spec(
    {
        "choices": [
            {"text": "kubelet", "correct": True},
            {"text": "runtime", "correct": True},
            "scheduler",
            "etcd",
        ]
    },
    uid=UID,
)


@pytest.mark.parametrize(
    ("picked", "correct", "score"),
    [
        (["kubelet", "runtime"], True, 1.0),
        (["kubelet"], False, 0.5),
        (["kubelet", "scheduler"], False, 0.0),
        (["kubelet", "runtime", "etcd"], False, 0.5),
        (["scheduler", "etcd"], False, 0.0),
    ],
)
def test_multiple_gives_partial_credit_and_charges_wrong_picks(picked, correct, score):
    k = keys(MULTIPLE)
    response = multiple.parse_response(MULTIPLE, {"choices": [k[t] for t in picked]})
    verdict = multiple.grade(spec=MULTIPLE, response=response)
    assert (verdict.correct, verdict.score) == (correct, score)


def test_multiple_rejects_empty_and_duplicate_and_foreign_keys():
    k = keys(MULTIPLE)
    for form in ({}, {"choices": [k["kubelet"], k["kubelet"]]}, {"choices": ["zzz"]}):
        with pytest.raises(InvalidResponse):
            multiple.parse_response(MULTIPLE, form)


# --- truefalse ------------------------------------------------------------------------------

TF = truefalse.build_spec({"answer": False}, uid=UID)


def test_truefalse_grades_both_ways():
    assert truefalse.grade(spec=TF, response=truefalse.parse_response(TF, {"answer": ["false"]})).correct
    assert not truefalse.grade(spec=TF, response=truefalse.parse_response(TF, {"answer": ["true"]})).correct


def test_truefalse_rejects_other_values_and_specs():
    with pytest.raises(InvalidResponse):
        truefalse.parse_response(TF, {"answer": ["maybe"]})
    with pytest.raises(SpecError):
        truefalse.build_spec({"answer": "false"}, uid=UID)


# --- short ----------------------------------------------------------------------------------

SHORT = short.build_spec({"answers": ["ConfigMap", "config map", "configmaps"]}, uid=UID)


@pytest.mark.parametrize(
    ("text", "correct"),
    [
        ("configmap", True),
        ("  CONFIG   MAP ", True),
        ("ConfigMaps", True),
        ("cönfigmap", True),
        ("config-map", False),
        ("secret", False),
    ],
)
def test_short_matching_ignores_case_accents_and_spacing_only(text, correct):
    verdict = short.grade(spec=SHORT, response=short.parse_response(SHORT, {"text": [text]}))
    assert verdict.correct is correct


def test_short_rejects_empty_and_oversized_answers():
    with pytest.raises(InvalidResponse):
        short.parse_response(SHORT, {"text": ["   "]})
    with pytest.raises(InvalidResponse):
        short.parse_response(SHORT, {"text": ["x" * (short.MAX_LENGTH + 1)]})


# --- matching -------------------------------------------------------------------------------

MATCHING = matching.build_spec(
    {
        "pairs": [
            {"left": "cm", "right": "ConfigMap"},
            {"left": "sts", "right": "StatefulSet"},
            {"left": "sa", "right": "ServiceAccount"},
        ],
        "distractors": ["Secret"],
    },
    uid=UID,
)


def _matching_form(assign: dict[str, str]) -> dict[str, list[str]]:
    rights = {p["right"]: p["right_key"] for p in MATCHING["pairs"]} | {
        d["text"]: d["key"] for d in MATCHING["distractors"]
    }
    lefts = {p["left"]: p["key"] for p in MATCHING["pairs"]}
    return {matching.FIELD_PREFIX + lefts[left]: [rights[right]] for left, right in assign.items()}


def test_matching_scores_each_pair():
    full = {"cm": "ConfigMap", "sts": "StatefulSet", "sa": "ServiceAccount"}
    verdict = matching.grade(spec=MATCHING, response=matching.parse_response(MATCHING, _matching_form(full)))
    assert verdict.correct and verdict.score == 1.0
    partial = {"cm": "ConfigMap", "sts": "ServiceAccount", "sa": "Secret"}
    verdict = matching.grade(
        spec=MATCHING, response=matching.parse_response(MATCHING, _matching_form(partial))
    )
    assert not verdict.correct and verdict.score == pytest.approx(1 / 3, abs=1e-4)


def test_matching_rejects_missing_rows_and_unknown_options():
    with pytest.raises(InvalidResponse):
        matching.parse_response(MATCHING, _matching_form({"cm": "ConfigMap"}))
    form = _matching_form({"cm": "ConfigMap", "sts": "StatefulSet", "sa": "Secret"})
    form[next(iter(form))] = ["forged"]
    with pytest.raises(InvalidResponse):
        matching.parse_response(MATCHING, form)


@pytest.mark.usefixtures("english")
def test_matching_pair_without_partner_is_a_spec_problem():
    with pytest.raises(SpecError) as error:
        matching.build_spec({"pairs": [{"left": "cm", "right": "ConfigMap"}, {"left": "sts"}]}, uid=UID)
    assert "partner" in error.value.problems[0][1]


# --- ordering -------------------------------------------------------------------------------

ORDERING = ordering.build_spec({"items": ["created", "running", "exited"]}, uid=UID)


def _ordering_form(order: list[str]) -> dict[str, list[str]]:
    k = keys(ORDERING, "items")
    return {ordering.FIELD_PREFIX + k[text]: [str(i)] for i, text in enumerate(order, start=1)}


def test_ordering_right_and_partial():
    verdict = ordering.grade(
        spec=ORDERING,
        response=ordering.parse_response(ORDERING, _ordering_form(["created", "running", "exited"])),
    )
    assert verdict.correct and verdict.score == 1.0
    verdict = ordering.grade(
        spec=ORDERING,
        response=ordering.parse_response(ORDERING, _ordering_form(["created", "exited", "running"])),
    )
    assert not verdict.correct and verdict.score == pytest.approx(1 / 3, abs=1e-4)


def test_ordering_rejects_repeated_or_out_of_range_positions():
    form = _ordering_form(["created", "running", "exited"])
    first, second = list(form)[:2]
    with pytest.raises(InvalidResponse) as error:
        ordering.parse_response(ORDERING, {**form, second: form[first]})
    assert str(error.value) == str(ordering.NOT_A_PERMUTATION)
    with pytest.raises(InvalidResponse):
        ordering.parse_response(ORDERING, {**form, first: ["9"]})


# --- shared -----------------------------------------------------------------------------------


ROUND_TRIP_EXAMPLES = {
    "single": {"choices": [{"text": "a", "correct": True}, {"text": "b", "feedback": "non"}]},
    "multiple": {"choices": [{"text": "a", "correct": True}, {"text": "b"}]},
    "truefalse": {"answer": True},
    "short": {"answers": ["svc", "service"]},
    "matching": {"pairs": [{"left": "a", "right": "b"}, {"left": "c", "right": "d"}], "distractors": ["e"]},
    "ordering": {"items": ["one", "two"]},
    "flashcard": {"answer": "Le dos de la carte."},
    "command": {"answers": ["kubectl get pods -n kube-system"], "any_value": ["-n"]},
    "yaml": {
        "kubernetes": True,
        "starter": "kind: Pod",
        "checks": [{"path": "kind", "equals": "Pod", "explain": "Pod."}],
    },
    "cloze": {"language": "yaml", "text": "kind: [[Pod]]\nmetadata: {}", "ignore_case": True},
}


@pytest.mark.parametrize("name", list(kinds.REGISTRY))
def test_every_kind_round_trips_its_bank_fields(name):
    assert name in ROUND_TRIP_EXAMPLES, f"add a bank-fields example for the {name} kind"
    raw = ROUND_TRIP_EXAMPLES[name]
    module = kinds.get(name)
    spec = module.build_spec(raw, uid=UID)
    assert module.to_raw(spec) == raw
    assert module.build_spec(module.to_raw(spec), uid=UID) == spec


def test_presented_order_is_stable_for_a_seed_and_varies_across_seeds():
    spec = single.build_spec({"choices": [{"text": str(i), "correct": i == 0} for i in range(6)]}, uid=UID)
    first = single.present(spec, seed="42-1")["choices"]
    assert single.present(spec, seed="42-1")["choices"] == first
    orders = {tuple(c["key"] for c in single.present(spec, seed=f"s{i}")["choices"]) for i in range(10)}
    assert len(orders) > 1
