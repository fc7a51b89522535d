"""The cloze kind: blanks inside a code block."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from quizzes import kinds
from quizzes.kinds import EMPTY_RESPONSE, TAMPERED_RESPONSE, InvalidResponse, SpecError, cloze

UID = "test-cloze-1"

POD = """\
apiVersion: [[v1]]
kind: [[Pod]]
metadata:
  name: web
spec:
  containers:
    - name: web
      image: [[nginx:latest|nginx]]
"""

SPEC = cloze.build_spec({"language": "yaml", "text": POD}, uid=UID)


def answer(*values: str) -> dict:
    return cloze.parse_response(SPEC, {cloze.field_name(n): [v] for n, v in enumerate(values, start=1)})


def test_the_kind_is_registered():
    assert kinds.get("cloze") is cloze


def test_build_spec_splits_the_text_into_parts_and_blanks():
    assert SPEC["parts"] == [
        "apiVersion: ",
        "\nkind: ",
        "\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: ",
        "",
    ]
    assert [b["answers"] for b in SPEC["blanks"]] == [["v1"], ["Pod"], ["nginx:latest", "nginx"]]
    assert SPEC["ignore_case"] is False


def test_build_spec_round_trips_through_to_raw():
    spec = cloze.build_spec(
        {"language": "bash", "text": "kubectl [[get]] pods -n [[kube-system]]", "ignore_case": True}, uid=UID
    )
    assert cloze.build_spec(cloze.to_raw(spec), uid=UID) == spec
    assert cloze.build_spec(cloze.to_raw(SPEC), uid=UID) == SPEC


def test_escapes_write_literal_brackets_and_pipes():
    spec = cloze.build_spec(
        {"language": "bash", "text": "if \\[[ -f x ]]; then [[cat]] x \\| wc; fi\necho [[a\\|b|c]]"}, uid=UID
    )
    assert spec["parts"][0] == "if [[ -f x ]]; then "
    assert [b["answers"] for b in spec["blanks"]] == [["cat"], ["a|b", "c"]]


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ({"language": "yaml", "text": "kind: Pod"}, "text", "no blank"),
        ({"language": "yaml", "text": "kind: [[ | ]]"}, "text", "no accepted answer"),
        ({"language": "yaml", "text": "kind: [[Pod\n]]"}, "text", "spans several lines"),
        ({"language": "yaml"}, "text", "text must be the code"),
        ({"language": "cobol", "text": "kind: [[Pod]]"}, "language", "language must be one of"),
        ({"text": "kind: [[Pod]]"}, "language", "language must be one of"),
        ({"language": "yaml", "text": "kind: [[Pod]]", "ignore_case": "yes"}, "ignore_case", "true or false"),
        ({"language": "yaml", "text": " ".join(["[[a]]"] * 31)}, "text", "at most 30 blanks"),
    ],
)
@pytest.mark.usefixtures("english")
def test_build_spec_refuses_malformed_fields(raw, field, fragment):
    with pytest.raises(SpecError) as error:
        cloze.build_spec(raw, uid=UID)
    assert any(key == field and fragment in message for key, message in error.value.problems), (
        error.value.problems
    )


@pytest.mark.parametrize(
    ("values", "score"),
    [
        (("v1", "Pod", "nginx:latest"), 1.0),
        (("v1", "Pod", "nginx"), 1.0),
        (("  v1 ", "Pod", "nginx"), 1.0),
        (("v1", "pod", "nginx"), 2 / 3),  # case-sensitive: kind is Pod
        (("apps/v1", "Pod", "httpd"), 1 / 3),
        (("", "", "nginx"), 1 / 3),
    ],
)
def test_score_is_the_share_of_blanks_right(values, score):
    verdict = cloze.grade(spec=SPEC, response=answer(*values))
    assert verdict.score == pytest.approx(score)
    assert verdict.correct is (score == 1.0)


def test_ignore_case_accepts_any_case():
    spec = cloze.build_spec(
        {"language": "dockerfile", "text": "[[FROM]] python:3.12", "ignore_case": True}, uid=UID
    )
    assert cloze.grade(spec=spec, response=cloze.parse_response(spec, {"blank-1": ["from"]})).correct


def test_inner_spaces_are_collapsed():
    spec = cloze.build_spec({"language": "dockerfile", "text": "[[COPY requirements.txt .]]"}, uid=UID)
    assert cloze.grade(
        spec=spec, response=cloze.parse_response(spec, {"blank-1": ["COPY  requirements.txt   ."]})
    ).correct


DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY [[requirements.txt]] .
RUN [[./install.sh]]
COPY [[. .|. /app|. /app/]]
[[COPY]] site/ /srv/
[[COPY ./static /srv/static]]
"""
DOCKERFILE_SPEC = cloze.build_spec({"language": "dockerfile", "text": DOCKERFILE}, uid=UID)
DOCKERFILE_RIGHT = ["requirements.txt", "./install.sh", ". .", "COPY", "COPY ./static /srv/static"]


def dockerfile_marks(blank: int, value: str) -> bool:
    values = list(DOCKERFILE_RIGHT)
    values[blank - 1] = value
    revealed = cloze.reveal(DOCKERFILE_SPEC, {"blanks": values})
    return [s["ok"] for s in revealed["segments"] if "blank" in s][blank - 1]


@pytest.mark.parametrize(
    ("blank", "value"),
    [
        (1, "./requirements.txt"),  # COPY reads sources from the build context, with or without ./
        (1, "././requirements.txt"),
        (3, "./ ."),
        (3, ". ./"),  # the destination . is WORKDIR, as ./ is
        (3, "./ /app/"),
        (5, "COPY static /srv/static"),  # a blank holding the whole line
        (5, "COPY ././static /srv/static"),
    ],
)
def test_a_copy_path_with_or_without_dot_slash_is_one_path(blank, value):
    assert dockerfile_marks(blank, value)


@pytest.mark.parametrize(
    ("blank", "value"),
    [
        (2, "install.sh"),  # a RUN is a shell command: ./x runs the file here, x searches the PATH
        (3, ". app"),  # app is relative to WORKDIR: /app/app
        (3, ". /srv"),
        (1, "requirements"),
        (4, "ADD"),
    ],
)
def test_other_paths_and_instructions_are_still_compared_as_written(blank, value):
    assert not dockerfile_marks(blank, value)


def test_dot_slash_is_only_read_as_a_path_in_a_dockerfile():
    spec = cloze.build_spec({"language": "bash", "text": "COPY [[./deploy.sh]]"}, uid=UID)
    assert not cloze.grade(spec=spec, response={"blanks": ["deploy.sh"]}).correct


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, EMPTY_RESPONSE),
        ({"blank-1": ["  "], "blank-2": [""]}, EMPTY_RESPONSE),
        ({"blank-1": ["v1", "v2"]}, TAMPERED_RESPONSE),
        ({"blank-1": ["x" * 201]}, cloze.TOO_LONG),
    ],
)
def test_parse_response_refuses_malformed_forms(form, message):
    with pytest.raises(InvalidResponse) as error:
        cloze.parse_response(SPEC, form)
    assert str(error.value) == str(message)


def test_missing_blanks_are_empty_and_extra_fields_ignored():
    assert cloze.parse_response(SPEC, {"blank-2": ["Pod"], "blank-9": ["x"]}) == {"blanks": ["", "Pod", ""]}


def test_a_stored_response_of_the_wrong_shape_grades_zero():
    assert cloze.grade(spec=SPEC, response={"blanks": "v1"}).score == 0.0
    assert cloze.grade(spec=SPEC, response={}).score == 0.0


def test_present_gives_inputs_named_after_their_blank():
    present = cloze.present(SPEC, seed=1)
    names = [s["name"] for s in present["segments"] if "name" in s]
    assert names == ["blank-1", "blank-2", "blank-3"]
    assert [s["size"] for s in present["segments"] if "name" in s] == [4, 5, 14]


def test_reveal_marks_each_blank_with_the_accepted_answers():
    solution = cloze.reveal(SPEC, answer("v1", "pod", ""))
    blanks = [s for s in solution["segments"] if "blank" in s]
    assert [(b["given"], b["ok"], b["answers"][0]) for b in blanks] == [
        ("v1", True, "v1"),
        ("pod", False, "Pod"),
        ("", False, "nginx:latest"),
    ]
    assert (solution["right"], solution["total"]) == (1, 3)


def test_templates_render_inputs_and_feedback_escaped():
    ask = render_to_string(
        "quizzes/kinds/cloze.html", {"mode": "ask", "present": cloze.present(SPEC, seed=1)}
    )
    assert ask.count('<input type="text" name="blank-') == 3
    assert "apiVersion: <input" in ask
    feedback = render_to_string(
        "quizzes/kinds/cloze.html",
        {"mode": "feedback", "solution": cloze.reveal(SPEC, answer("<b>", "Pod", "nginx"))},
    )
    assert "&lt;b&gt;" in feedback and "<b>" not in feedback
    assert "2 of 3 blanks right." in feedback or "2 trous justes sur 3" in feedback


BANK = """\
section: alpha
questions:
  - uid: alpha-cloze-pod-1
    kind: cloze
    prompt: "Complétez le Pod."
    explanation: "Un Pod."
    language: yaml
    text: |
      apiVersion: [[v1]]
      kind: [[Pod]]
"""


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["plain-posts", "htmx"])
def test_a_student_fills_the_blanks_in_the_browser(student_client, quiz_from_bank, htmx):
    from django.urls import reverse

    from quizzes.models import Question

    attempt = quiz_from_bank(BANK)
    url = reverse("quizzes:attempt-question", args=[attempt.pk, 1])
    page = student_client.get(url).content.decode()
    assert page.count('name="blank-') == 2
    revision = Question.objects.get(uid="alpha-cloze-pod-1").current_revision
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = student_client.post(url, {"revision": revision.pk, "blank-1": "v1", "blank-2": "pod"}, **extra)
    html = response.content.decode() if htmx else student_client.get(response.url).content.decode()
    assert "✓ v1" in html and "✗ pod" in html
    assert attempt.answers.get().score == 0.5
