"""The bank linter: each rule on a small bad bank (and its good twin), then the real banks."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from course.yamlio import Problem
from quizzes import lint
from quizzes.banks import BankQuestion, bank_read
from quizzes.lint import SectionInfo, lint_paths
from quizzes.management.commands import bank_report

ALPHA = SectionInfo(slug="alpha", title="Alpha", path="course.yaml", line=3)
RESOURCES = SectionInfo(slug="resources", title="Ressources", central=True, path="course.yaml", line=9)
EXPLAINED = "Parce que c'est écrit ainsi dans la documentation officielle, et pas autrement."


def question(uid: str, **fields: object) -> dict:
    """A valid true/false question with every field written; `fields` override or add."""
    base: dict[str, object] = {
        "uid": uid,
        "kind": "truefalse",
        "difficulty": 1,
        "tags": ["test"],
        "prompt": f"Que fait la commande `{uid}` ?",
        "answer": True,
        "explanation": EXPLAINED,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def single(
    uid: str, *, right: int, texts: Sequence[str] = ("Choix A", "Choix B", "Choix C", "Choix D")
) -> dict:
    choices = [{"text": text, **({"correct": True} if i == right else {})} for i, text in enumerate(texts)]
    return question(uid, kind="single", answer=None, choices=choices)


def short(uid: str, answers: list[str]) -> dict:
    return question(uid, kind="short", answer=None, answers=answers)


def write_bank(
    tmp_path: Path, questions: list[dict], *, section: str = "alpha", name: str | None = None
) -> Path:
    path = tmp_path / (name or f"{section}.yaml")
    path.write_text(
        yaml.safe_dump({"section": section, "questions": questions}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def run(paths: Path | list[Path], sections: Sequence[SectionInfo] = (ALPHA,)) -> list[Problem]:
    return lint_paths(paths if isinstance(paths, list) else [paths], sections=sections).problems


def of_rule(problems: list[Problem], rule: str) -> list[Problem]:
    return [p for p in problems if p.message.startswith(rule + ":")]


# --- uids and prompts ----------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_duplicate_uid_across_files_is_listed(tmp_path):
    first = write_bank(tmp_path, [question("alpha-a-1")], name="one.yaml")
    second = write_bank(tmp_path, [question("alpha-a-1", prompt="Autre chose : `x` ?")], name="two.yaml")
    problems = run([first, second])
    assert [p.message for p in problems if "duplicate uid" in p.message] == [
        f"duplicate uid 'alpha-a-1' (first at {first}:3)"
    ]


def test_prompts_equal_but_for_case_accents_punctuation_and_spaces_are_duplicates(tmp_path):
    path = write_bank(
        tmp_path,
        [
            question("alpha-a-1", prompt="Quel est le rôle d'etcd ?"),
            question("alpha-a-2", prompt="quel  est le ROLE d etcd"),
        ],
    )
    problems = of_rule(run(path), lint.DUPLICATE_PROMPT)
    assert len(problems) == 1
    assert "alpha-a-1" in problems[0].message
    assert problems[0].line == bank_read([path], sections={"alpha"}).questions[1].line


def test_a_rephrased_prompt_is_a_near_duplicate(tmp_path):
    path = write_bank(
        tmp_path,
        [
            question("alpha-a-1", prompt="Que décrit un manifeste Kubernetes envoyé avec `kubectl apply` ?"),
            question(
                "alpha-a-2",
                prompt="Que décrit un manifeste Kubernetes qu'on envoie avec `kubectl apply -f` ?",
            ),
        ],
    )
    assert len(of_rule(run(path), lint.NEAR_DUPLICATE_PROMPT)) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Quelle ressource désigne `kubectl get sts` ?", "Quelle ressource désigne `kubectl get sa` ?"),
        ("Quel est le nom court de Secret ?", "Quel est le nom court de ClusterRole ?"),
        (
            "Associez chaque option de `docker commit` à son effet.",
            "Associez chaque notation de chaîne à son effet.",
        ),
    ],
)
def test_prompts_about_different_subjects_are_not_near_duplicates(tmp_path, first, second):
    assert not lint.near_duplicates(first, second)
    path = write_bank(tmp_path, [question("alpha-a-1", prompt=first), question("alpha-a-2", prompt=second)])
    problems = run(path)
    assert not of_rule(problems, lint.NEAR_DUPLICATE_PROMPT)
    assert not of_rule(problems, lint.DUPLICATE_PROMPT)


# --- per question --------------------------------------------------------------------------


def test_an_explanation_too_short_to_explain_is_reported(tmp_path):
    path = write_bank(tmp_path, [question("alpha-a-1", explanation="Vrai."), question("alpha-a-2")])
    problems = of_rule(run(path), lint.EXPLANATION)
    assert len(problems) == 1
    assert "alpha-a-1" in problems[0].message


def test_a_missing_explanation_is_reported():
    # bank_read refuses a file without one; the rule also guards questions built otherwise.
    path = "alpha.yaml"
    good = BankQuestion(
        uid="alpha-a-1", kind="truefalse", section="alpha", prompt="p", explanation=" ", difficulty=1,
        tags=["t"], erratum={}, spec={"answer": True}, path=path, line=4, position=1,
    )  # fmt: skip
    assert lint.rule_explanations(questions=[good]) == [
        Problem(path, 4, f"{lint.EXPLANATION}: alpha-a-1 has no explanation")
    ]
    assert lint.rule_explanations(questions=[dataclasses.replace(good, explanation=EXPLAINED)]) == []


def test_a_uid_not_starting_with_its_section_is_reported(tmp_path):
    path = write_bank(tmp_path, [question("beta-a-1"), question("alpha-a-2"), question("alphabet-a-3")])
    problems = of_rule(run(path), lint.UID_PREFIX)
    assert ["beta-a-1" in p.message for p in problems] == [True, False]
    assert "alphabet-a-3" in problems[1].message


def test_missing_difficulty_or_tags_are_reported(tmp_path):
    path = write_bank(
        tmp_path,
        [question("alpha-a-1", difficulty=None), question("alpha-a-2", tags=None), question("alpha-a-3")],
    )
    problems = of_rule(run(path), lint.METADATA)
    assert sorted(p.message for p in problems) == [
        f"{lint.METADATA}: alpha-a-1 has no difficulty (1, 2 or 3)",
        f"{lint.METADATA}: alpha-a-2 has no tags",
    ]


# --- per section ---------------------------------------------------------------------------


def test_a_section_below_its_minimum_count_or_kinds_is_reported(tmp_path):
    path = write_bank(tmp_path, [question(f"alpha-a-{n}") for n in range(1, 8)])
    problems = of_rule(run(path), lint.SECTION_SIZE)
    assert [p.message for p in problems] == [
        f"{lint.SECTION_SIZE}: section 'alpha' has 7 questions, needs at least 8",
        f"{lint.SECTION_SIZE}: section 'alpha' uses 1 kind(s), needs at least 3",
    ]
    assert {p.path for p in problems} == {str(path)}


def test_a_central_section_needs_fifteen_questions(tmp_path):
    mixed = [question(f"alpha-a-{n}") for n in range(1, 9)]
    mixed += [single("alpha-b-1", right=0), short("alpha-c-1", ["etcd"])]
    path = write_bank(tmp_path, mixed)
    assert not of_rule(run(path), lint.SECTION_SIZE)
    central = dataclasses.replace(ALPHA, central=True)
    assert [p.message for p in of_rule(run(path, [central]), lint.SECTION_SIZE)] == [
        f"{lint.SECTION_SIZE}: central section 'alpha' has 10 questions, needs at least 15"
    ]


def test_a_section_with_no_questions_is_reported_at_its_outline_line():
    beta = SectionInfo(slug="beta", path="course.yaml", line=7)
    problems = lint.rule_section_sizes(questions=[], sections=[beta])
    assert [(p.path, p.line) for p in problems] == [("course.yaml", 7), ("course.yaml", 7)]


# --- per file: answer keys -------------------------------------------------------------------


def test_tail_probability_is_the_poisson_binomial_tail():
    assert lint.tail_probability([0.5, 0.5], 1) == pytest.approx(0.75)
    assert lint.tail_probability([0.25] * 4, 4) == pytest.approx(1 / 256)
    assert lint.tail_probability([0.25, 0.5], 0) == 1.0


def test_right_answers_piled_in_one_position_are_reported(tmp_path):
    piled = write_bank(tmp_path, [single(f"alpha-s-{n}", right=0) for n in range(6)], name="piled.yaml")
    problems = of_rule(run(piled), lint.ANSWER_POSITION)
    assert len(problems) == 1
    assert "position 1 in 6 of 6" in problems[0].message
    spread = write_bank(tmp_path, [single(f"alpha-s-{n}", right=n % 4) for n in range(6)], name="spread.yaml")
    assert not of_rule(run(spread), lint.ANSWER_POSITION)


def test_right_answers_systematically_longest_are_reported(tmp_path):
    texts = ("Court", "Bref", "Net", "Concis")
    longest = []
    for n in range(6):
        right = n % 4
        options = list(texts)
        options[right] = "La réponse juste, longue et pleine de précautions"
        longest.append(single(f"alpha-s-{n}", right=right, texts=options))
    path = write_bank(tmp_path, longest, name="longest.yaml")
    problems = of_rule(run(path), lint.LONGEST_ANSWER)
    assert len(problems) == 1
    assert "strictly the longest in 6 of 6" in problems[0].message
    fair = write_bank(tmp_path, [single(f"alpha-s-{n}", right=n % 4) for n in range(6)], name="fair.yaml")
    assert not of_rule(run(fair), lint.LONGEST_ANSWER)


@pytest.mark.parametrize(
    ("answers", "reported"),
    [
        ([True] * 5 + [False], True),  # 83 % true
        ([False] * 8 + [True] * 2, True),  # 80 % false
        ([True] * 4 + [False] * 2, False),  # 67 %
        ([True] * 7 + [False] * 3, False),  # 70 %: not more than the limit
        ([True] * 5, False),  # too few to judge
    ],
)
def test_unbalanced_true_false_files_are_reported(tmp_path, answers, reported):
    path = write_bank(tmp_path, [question(f"alpha-t-{n}", answer=a) for n, a in enumerate(answers)])
    assert bool(of_rule(run(path), lint.TRUEFALSE_BALANCE)) is reported


# --- short answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("ConfigMap", ["Config Map", "configmap", "configmaps"]),
        ("MicroK8s", ["Micro K8s"]),
        ("cri-dockerd", ["cri dockerd", "cridockerd"]),
        ("Network Policy", ["NetworkPolicy"]),
        ("config map", ["configmap"]),
        ("services", ["service", "services"]),
        ("etcd", []),
        ("--no-cache", []),
        ("-A", []),
        ("docker network connect backend api", []),
        ("deux membres", []),
        ("Canonical MicroK8s", []),
    ],
)
def test_expected_variants_of_one_answer(answer, expected):
    assert [variant for variant, _ in lint.expected_variants(answer)] == expected


def test_a_hyphenated_word_inside_a_command_keeps_its_exact_spelling():
    answers = ["kubectl api-resources", "api-resources"]
    assert lint.expected_variants("api-resources", all_answers=answers) == []


def test_short_answers_missing_obvious_variants_are_reported(tmp_path):
    path = write_bank(
        tmp_path,
        [
            short("alpha-k-1", ["ConfigMap"]),
            short("alpha-k-2", ["ConfigMap", "configmaps", "config map"]),
            short("alpha-k-3", ["kube-node-lease"]),
            short("alpha-k-4", ["kubectl api-resources", "api-resources"]),
        ],
    )
    problems = of_rule(run(path), lint.SHORT_VARIANTS)
    assert [p.message.split(" (")[0] for p in problems] == [
        f"{lint.SHORT_VARIANTS}: alpha-k-1: also accept 'Config Map'",
        f"{lint.SHORT_VARIANTS}: alpha-k-1: also accept 'configmaps'",
        f"{lint.SHORT_VARIANTS}: alpha-k-3: also accept 'kube node lease'",
        f"{lint.SHORT_VARIANTS}: alpha-k-3: also accept 'kubenodelease'",
    ]


# --- resource kinds ------------------------------------------------------------------------


def test_every_course_kind_needs_a_question_in_each_direction(tmp_path):
    questions = [
        question("resources-shortname-configmap-1", tags=["shortname", "configmap"],
                 prompt="Quelle ressource désigne `kubectl get cm` ?"),
        question("resources-shortname-configmap-2", tags=["shortname"],
                 prompt="Quel est le nom court de la ressource ConfigMap ?"),
        question("resources-shortname-secret-1", tags=["shortname", "secret"],
                 prompt="Quelle ressource désigne la commande kubectl get secret ?"),
        question("resources-shortname-secret-2", tags=["shortname", "secret"],
                 prompt="Quel est le nom court de cette ressource-là ?"),
    ]  # fmt: skip
    path = write_bank(tmp_path, questions, section="resources")
    problems = {p.message for p in of_rule(run(path, [RESOURCES]), lint.RESOURCE_KINDS)}
    assert f"{lint.RESOURCE_KINDS}: resources-shortname-configmap-2 needs the tag(s) configmap" in problems
    assert (
        f"{lint.RESOURCE_KINDS}: resources-shortname-secret-1 must show the abbreviation as code" in problems
    )
    assert f"{lint.RESOURCE_KINDS}: resources-shortname-secret-2 must name the kind secret" in problems
    assert (
        f"{lint.RESOURCE_KINDS}: no question resources-shortname-clusterrole-1 (abbreviation -> kind)"
        in problems
    )
    assert not [m for m in problems if "configmap-1" in m]
    # 28 kinds with neither question, plus the three faults above.
    assert len(problems) == 2 * (len(lint.COURSE_KINDS) - 2) + 3


def test_the_course_names_thirty_resource_kinds():
    assert len(set(lint.COURSE_KINDS)) == 30
    assert {"volume", "endpoints", "clusterrole", "podsecuritypolicy"} <= set(lint.COURSE_KINDS)


# --- yaml questions: checks tested by mutation -------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
"""


def yaml_question(uid: str, checks: list[dict], **fields: object) -> dict:
    checks = [{"explain": "Parce que.", **c} for c in checks]
    return question(uid, kind="yaml", answer=None, kubernetes=True, checks=checks, solution=POD, **fields)


def test_a_yaml_question_whose_checks_miss_a_mutation_is_reported_at_its_line(tmp_path):
    path = write_bank(tmp_path, [yaml_question("alpha-y-1", [{"path": "kind", "equals": "Pod"}])])
    problems = of_rule(run(path), lint.YAML_MUTATION)
    assert {(p.path, p.line) for p in problems} == {(str(path), 3)}
    messages = [p.message for p in problems]
    survivor = 'metadata.name: "web" → "web-x", while 1 other place(s) keep "web" (reference)'
    assert f"{lint.YAML_MUTATION}: alpha-y-1: still full marks with {survivor}; add a check" in messages
    assert f'{lint.YAML_MUTATION}: alpha-y-1: still full marks with spec.containers[0].image: "nginx" → ' in (
        "".join(messages)
    )


def test_a_yaml_question_whose_checks_refuse_a_rewrite_is_reported(tmp_path):
    checks = [
        {"path": "metadata.name", "equals": "web"},
        {"path": "spec.containers[0].name", "equals": "web"},
        {"path": "spec.containers[0].image", "equals": "nginx"},
        {"path": "spec.containers", "length": 1},
    ]
    path = write_bank(tmp_path, [yaml_question("alpha-y-1", checks)])
    problems = run(path)
    assert of_rule(problems, lint.YAML_MUTATION) == []
    lost = f"{lint.YAML_REWRITE}: alpha-y-1: points lost with spec.containers[0].image: "
    kept = "which keeps the meaning; loosen the check, or declare the value free"
    assert [p.message for p in of_rule(problems, lint.YAML_REWRITE)] == [
        f'{lost}"nginx" → "docker.io/library/nginx" (with the registry and namespace written out) (image), '
        + kept,
        f'{lost}"nginx" → "nginx:latest" (the implied tag written out) (image), {kept}',
    ]


def test_a_yaml_question_needs_a_solution_that_earns_every_point(tmp_path):
    path = write_bank(
        tmp_path,
        [
            question(
                "alpha-y-1",
                kind="yaml",
                answer=None,
                checks=[{"path": "kind", "equals": "Pod", "explain": "."}],
            ),
            yaml_question("alpha-y-2", [{"path": "metadata.name", "equals": "api"}]),
        ],
    )
    assert [p.message for p in of_rule(run(path), lint.YAML_SOLUTION)] == [
        f"{lint.YAML_SOLUTION}: alpha-y-1 has no solution: write its model answer so that its checks are "
        "tested",
        f"{lint.YAML_SOLUTION}: alpha-y-2: the solution does not earn every point: metadata.name",
    ]


# --- the outline, the commands and the real banks --------------------------------------------


def test_the_outline_gives_sections_and_their_minimum():
    sections, problems = lint.outline_sections()
    assert problems == []
    assert len(sections) == 16
    central = {s.slug for s in sections if s.central}
    assert {"images-layers", "resources", "namespaces"} <= central
    assert "lifecycle" not in central
    assert {s.minimum for s in sections if s.central} == {lint.MIN_QUESTIONS_CENTRAL}
    assert {s.minimum for s in sections if not s.central} == {lint.MIN_QUESTIONS}


def test_lint_banks_passes_on_the_real_banks(capsys):
    call_command("lint_banks")
    assert capsys.readouterr().out.startswith("Banks clean: ")


def test_lint_banks_prints_file_line_problem_and_fails(tmp_path, capsys):
    path = write_bank(tmp_path, [question("images-layers-a-1", explanation="Oui.")], section="images-layers")
    with pytest.raises(CommandError):
        call_command("lint_banks", str(path))
    out = capsys.readouterr().out
    assert f"{path}:3: {lint.EXPLANATION}: images-layers-a-1" in out
    assert "central section 'images-layers' has 1 questions, needs at least 15" in out


def test_the_readme_coverage_section_is_current():
    call_command("bank_report", "--check")


def test_bank_report_writes_the_section_and_check_sees_staleness(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Banks\n\nHand-written.\n\n{bank_report.START}\nold table\n{bank_report.END}\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("bank_report", "--check", "--readme", str(readme))
    call_command("bank_report", "--readme", str(readme))
    text = readme.read_text()
    assert text.startswith("# Banks\n\nHand-written.\n\n")
    assert "old table" not in text
    assert "| `resources` (central) |" in text
    call_command("bank_report", "--check", "--readme", str(readme))
    shutil.copy(Path(settings.FIXTURES_DIR) / "banks" / "README.md", readme)
    call_command("bank_report", "--check", "--readme", str(readme))


def test_bank_report_needs_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Banks\n")
    with pytest.raises(CommandError, match="markers"):
        call_command("bank_report", "--readme", str(readme))


def test_coverage_markdown_counts_kinds_and_groups_errata(tmp_path):
    erratum = {"claim": "Le cours dit X.", "fact": "C'est Y.", "source": "https://example.org/y"}
    path = write_bank(
        tmp_path,
        [
            question("alpha-a-1", erratum=erratum),
            question("alpha-a-2", erratum=erratum),
            single("alpha-b-1", right=1),
        ],
    )
    read = bank_read([path], sections={"alpha", "beta"})
    beta = SectionInfo(slug="beta", title="Bêta", central=True)
    text = bank_report.coverage_markdown(questions=read.questions, sections=[ALPHA, beta])
    assert "| section | single | truefalse | total | kinds | minimum | met |" in text
    assert "| `alpha` | 1 | 2 | 3 | 2 | 8 | **no** |" in text
    assert "| `beta` (central) | 0 | 0 | 0 | 0 | 15 | **no** |" in text
    assert "#### Alpha (`alpha`)" in text
    assert "- **Course:** Le cours dit X.\n  **Fact:** C'est Y.\n  **Source:** https://example.org/y" in text
    assert "**Questions:** `alpha-a-1`, `alpha-a-2`" in text
    assert "Bêta (`beta`)" not in text


# --- command and cloze questions: graders tested by mutation --------------------------------------


def test_command_and_cloze_questions_of_the_banks_pass_their_mutations(tmp_path):
    commands = [
        question(f"alpha-c-{n}", kind="command", answer=None, answers=[a])
        for n, a in enumerate(
            [
                "kubectl get pods -n prod -o yaml",
                "docker run -it --rm nginx:1.27",
                "kubectl describe deploy/web",
            ]
        )
    ]
    cloze = question(
        "alpha-z-1", kind="cloze", answer=None, language="yaml", text="kind: [[Pod]]\nport: [[80]]"
    )
    path = write_bank(tmp_path, [*commands, cloze])
    problems = run(path)
    for rule in (lint.COMMAND_MUTATION, lint.COMMAND_REWRITE, lint.CLOZE_MUTATION, lint.CLOZE_REWRITE):
        assert of_rule(problems, rule) == []


def test_commands_with_a_variable_or_a_docker_global_flag_first_pass_their_mutations(tmp_path):
    answers = ["KUBECONFIG=k.yaml kubectl get pods", "docker --context prod ps", "docker -H tcp://h:2375 ps"]
    commands = [
        question(f"alpha-c-{n}", kind="command", answer=None, answers=[a]) for n, a in enumerate(answers)
    ]
    problems = run(write_bank(tmp_path, commands))
    for rule in (lint.COMMAND_MUTATION, lint.COMMAND_REWRITE):
        assert of_rule(problems, rule) == []


def test_a_command_grader_that_accepts_anything_is_reported_at_the_line(tmp_path, monkeypatch):
    from quizzes.kinds import Verdict, command

    monkeypatch.setattr(command, "grade", lambda *, spec, response: Verdict(correct=True, score=1.0))
    path = write_bank(
        tmp_path, [question("alpha-c-1", kind="command", answer=None, answers=["kubectl get pods -A"])]
    )
    problems = of_rule(run(path), lint.COMMAND_MUTATION)
    assert {(p.path, p.line) for p in problems} == {(str(path), 3)}
    assert (
        f"{lint.COMMAND_MUTATION}: alpha-c-1: still right with kubectl get pods -A: -A → -n default "
        "(namespace); the grader accepts another answer"
    ) in [p.message for p in problems]


def test_a_command_grader_that_refuses_everything_else_is_reported(tmp_path, monkeypatch):
    from quizzes.kinds import Verdict, command

    def exact(*, spec, response):
        right = response["command"] in spec["answers"]
        return Verdict(correct=right, score=float(right))

    monkeypatch.setattr(command, "grade", exact)
    path = write_bank(
        tmp_path, [question("alpha-c-1", kind="command", answer=None, answers=["kubectl get pods -A"])]
    )
    messages = [p.message for p in of_rule(run(path), lint.COMMAND_REWRITE)]
    assert (
        f"{lint.COMMAND_REWRITE}: alpha-c-1: wrong with kubectl get pods -A: -A written "
        "--all-namespaces (flag), which the tool reads the same; accept it"
    ) in messages


def test_a_cloze_blank_too_loose_or_too_strict_is_reported(tmp_path, monkeypatch):
    from quizzes.kinds import cloze

    loose = question(
        "alpha-z-1", kind="cloze", answer=None, language="yaml", ignore_case=True, text="kind: [[Pod]]"
    )
    path = write_bank(tmp_path, [loose])
    assert [p.message for p in of_rule(run(path), lint.CLOZE_MUTATION)] == [
        f"{lint.CLOZE_MUTATION}: alpha-z-1: still right with blank 1: 'Pod' → 'pod' (case); "
        "the grader accepts another answer"
    ]
    monkeypatch.setattr(cloze, "same_for_the_tool", lambda spec, index, value: False)
    messages = [p.message for p in of_rule(run(path), lint.CLOZE_REWRITE)]
    assert (
        f"{lint.CLOZE_REWRITE}: alpha-z-1: wrong with blank 1: 'Pod' written '\"Pod\"' (quoted) (quoting), "
        "which the tool reads the same; accept it"
    ) in messages
