"""The bank linter: rules a question bank must follow beyond being well formed.

`bank_read` already refuses what cannot be loaded (bad YAML, unknown fields, a missing prompt or
explanation, a duplicate uid); `lint_paths` reports those problems unchanged and adds the rules
below. Each rule is a pure function over what `bank_read` returns (plus the outline's sections)
and returns `Problem(path, line, message)`; every message starts with the rule's name
(`near-duplicate-prompt: ...`) so a reader, or a test, knows which rule spoke.

The rules and their thresholds (module constants, each justified where it is defined):

- duplicate-uid (from `bank_read`): a uid is forever, two questions cannot share one.
- duplicate-prompt / near-duplicate-prompt: see `rule_prompts`.
- explanation: missing, or shorter than `MIN_EXPLANATION_CHARS`.
- uid-prefix: a uid starts with its section slug and a dash.
- metadata: `difficulty` and a non-empty `tags` list are written (the loader would default them).
- section-size: a section has `MIN_QUESTIONS` questions (`MIN_QUESTIONS_CENTRAL` when the outline
  marks it `central: true`) in at least `MIN_KINDS` kinds.
- answer-position / longest-answer: single-choice keys that are not placed at random; see
  `rule_answer_positions` and `rule_longest_answer`.
- truefalse-balance: see `rule_truefalse_balance`.
- short-variants: see `rule_short_variants`.
- resource-kinds: every resource kind the course names has its two short-name questions.
- yaml-solution / yaml-mutation / yaml-rewrite: a yaml question's checks are tested by mutation
  of its model answer; see `rule_yaml_mutations`.
- command-mutation / command-rewrite / cloze-mutation / cloze-rewrite: the same for command and
  cloze questions, from their accepted answers; see `rule_command_cloze_mutations`.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from course.yamlio import LineDict, LineList, Problem, load_file
from quizzes.banks import BankQuestion, bank_read, default_paths, expand_paths
from quizzes.kinds import mutations, resource_names
from quizzes.kinds.short import normalise

# --- thresholds --------------------------------------------------------------------------

MIN_QUESTIONS = 8
MIN_QUESTIONS_CENTRAL = 15
MIN_KINDS = 3

# An explanation must say why the right answer is right and why a trap is wrong; a bare
# "Vrai." or "Voir le cours." (under 40 characters, about six French words) cannot.
MIN_EXPLANATION_CHARS = 40

# Near-duplicate prompts: difflib's ratio (2 * matched characters / total characters) over the
# normalised text. Measured on the banks when this rule was written: the two rephrasings of one
# question it found scored 0.92 and 0.93, while the most alike pair of genuinely different
# questions that do not swap a subject ("Associez chaque option de `docker commit` à son effet."
# against "Associez chaque notation de chaîne multiligne à son effet.") scored 0.76. 0.85 sits
# between with a margin on both sides; it is roughly "one word in seven changed".
NEAR_DUPLICATE_RATIO = 0.85

# Single-choice answer keys: the chance that a bank whose right answers were placed at random
# trips the position test (for any position, after a Bonferroni correction) or the
# longest-answer test. 5 %: a false alarm only costs reordering a few choices.
POSITION_ALPHA = 0.05
LONGEST_ALPHA = 0.05

# True/false: below six questions any split is plausible by chance (4/2 is 67 %); from six on,
# more than 70 % on one side (5/1, 8/2, 11/4, ...) lets "always true" score too well.
TRUEFALSE_MIN_QUESTIONS = 6
TRUEFALSE_MAX_SHARE = 0.70

RESOURCES_SECTION = "resources"
SHORTNAME_TAG = "shortname"

# Every resource kind the course names, in lower case as the uids and tags spell them:
# the 17 it covers, Volume (which it lists as `vol`), and the 12 it lists as not covered.
COURSE_KINDS = (
    "configmap", "cronjob", "deployment", "ingress", "job", "limitrange", "networkpolicy",
    "namespace", "pod", "persistentvolumeclaim", "persistentvolume", "replicaset",
    "serviceaccount", "storageclass", "secret", "statefulset", "service",
    "volume",
    "clusterrolebinding", "customresourcedefinition", "daemonset", "endpoints", "group",
    "horizontalpodautoscaler", "podsecuritypolicy", "resourcequota", "rolebinding", "role",
    "user", "clusterrole",
)  # fmt: skip

# --- rule names (the first word of every message) -----------------------------------------

DUPLICATE_PROMPT = "duplicate-prompt"
NEAR_DUPLICATE_PROMPT = "near-duplicate-prompt"
EXPLANATION = "explanation"
UID_PREFIX = "uid-prefix"
METADATA = "metadata"
SECTION_SIZE = "section-size"
ANSWER_POSITION = "answer-position"
LONGEST_ANSWER = "longest-answer"
TRUEFALSE_BALANCE = "truefalse-balance"
SHORT_VARIANTS = "short-variants"
RESOURCE_KINDS = "resource-kinds"
YAML_SOLUTION = "yaml-solution"
YAML_MUTATION = "yaml-mutation"
YAML_REWRITE = "yaml-rewrite"
COMMAND_MUTATION = "command-mutation"
COMMAND_REWRITE = "command-rewrite"
CLOZE_MUTATION = "cloze-mutation"
CLOZE_REWRITE = "cloze-rewrite"


def _problem(path: str, line: int, rule: str, message: str) -> Problem:
    return Problem(path, line, f"{rule}: {message}")


# --- the outline -------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionInfo:
    """A course section as the linter needs it: its minimum and where it is declared."""

    slug: str
    title: str = ""
    central: bool = False
    path: str = ""
    line: int = 0

    @property
    def minimum(self) -> int:
        return MIN_QUESTIONS_CENTRAL if self.central else MIN_QUESTIONS


def default_outline_path() -> Path:
    return Path(settings.FIXTURES_DIR) / "course" / "course.yaml"


def outline_sections(path: Path | str | None = None) -> tuple[list[SectionInfo], list[Problem]]:
    """The sections of the course outline, in teaching order, with the line of each."""
    path = Path(path) if path else default_outline_path()
    data, problems = load_file(path)
    items = data.get("sections") if isinstance(data, LineDict) else None
    if not isinstance(items, LineList):
        return [], problems or [Problem(str(path), 1, "the outline has no list of sections")]
    sections = [
        SectionInfo(
            slug=item["slug"],
            title=str(item.get("title", "")),
            central=item.get("central") is True,
            path=str(path),
            line=items.line_of(index),
        )
        for index, item in enumerate(items)
        if isinstance(item, LineDict) and isinstance(item.get("slug"), str)
    ]
    return sections, problems


# --- what the loader does not keep ---------------------------------------------------------


def written_fields(paths: Iterable[Path | str]) -> dict[tuple[str, int], frozenset[str]]:
    """The keys written for each question, by (file, line of the question): `bank_read` fills
    in defaults for `difficulty` and `tags`, so whether they were written is read here."""
    out: dict[tuple[str, int], frozenset[str]] = {}
    for path in expand_paths(paths):
        data, _ = load_file(path)
        items = data.get("questions") if isinstance(data, LineDict) else None
        if not isinstance(items, LineList):
            continue
        for item in items:
            if isinstance(item, LineDict):
                out[(str(path), item.line)] = frozenset(k for k in item if isinstance(k, str))
    return out


# --- prompts -----------------------------------------------------------------------------

_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n\s*\n")  # punctuation, or a blank line
_WORD = re.compile(r"[^\W\d_][\w-]*")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """Case-, accent- and punctuation-free words."""
    return re.sub(r"\W+", " ", _fold(text)).split()


@dataclass(frozen=True)
class _PromptShape:
    full: str  # the whole prompt, normalised, code spans kept
    prose: str  # without its code spans
    code: str  # only its code spans
    subjects: frozenset[str]  # the words inside code spans and the proper names of the prose


def _shape(prompt: str) -> _PromptShape:
    code_words = [w for match in _CODE.finditer(prompt) for w in _words(match.group())]
    prose = _CODE.sub(" ", prompt)
    names: set[str] = set()
    for sentence in _SENTENCE_BREAK.split(prose):
        # A capital after the first word of a sentence marks a name: ConfigMap, Secret, Job.
        names.update(_fold(w) for w in _WORD.findall(sentence)[1:] if any(c.isupper() for c in w))
    return _PromptShape(
        full=" ".join(_words(prompt)),
        prose=" ".join(_words(prose)),
        code=" ".join(code_words),
        subjects=frozenset(code_words) | frozenset(names),
    )


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if 2 * min(len(a), len(b)) < NEAR_DUPLICATE_RATIO * (len(a) + len(b)):
        return 0.0  # difflib's real_quick_ratio, without building a matcher
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
        return 0.0
    return matcher.ratio()


def near_duplicates(a: str, b: str) -> bool:
    """Two prompts ask the same thing in nearly the same words.

    Both their prose and their code spans are at least `NEAR_DUPLICATE_RATIO` alike, and
    neither swaps a subject for another: when each prompt has a code word or a name the other
    lacks (`kubectl get sts` / `kubectl get sa`, "de Secret" / "de ClusterRole"), they ask
    about different things however alike the wording. Adding a word (`kubectl apply` /
    `kubectl apply -f`) is not a swap.
    """
    return _alike(_shape(a), _shape(b))


def _alike(first: _PromptShape, second: _PromptShape) -> bool:
    if first.full == second.full:
        return True
    if first.subjects - second.subjects and second.subjects - first.subjects:
        return False
    return (
        _ratio(first.prose, second.prose) >= NEAR_DUPLICATE_RATIO
        and _ratio(first.code, second.code) >= NEAR_DUPLICATE_RATIO
    )


def rule_prompts(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """duplicate-prompt: two prompts equal once case, accents, punctuation and spacing are
    ignored (code spans kept). near-duplicate-prompt: see `near_duplicates`. The later
    question is reported, naming the earlier one."""
    shapes = [_shape(q.prompt) for q in questions]
    problems: list[Problem] = []
    for (i, first), (j, second) in itertools.combinations(enumerate(questions), 2):
        where = f"{first.uid} at {first.path}:{first.line}"
        if shapes[i].full == shapes[j].full:
            problems.append(_problem(second.path, second.line, DUPLICATE_PROMPT, f"same prompt as {where}"))
        elif _alike(shapes[i], shapes[j]):
            problems.append(
                _problem(
                    second.path, second.line, NEAR_DUPLICATE_PROMPT, f"nearly the same prompt as {where}"
                )
            )
    return problems


# --- per question ------------------------------------------------------------------------


def rule_explanations(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """explanation: present, and at least `MIN_EXPLANATION_CHARS` characters once trimmed."""
    problems = []
    for q in questions:
        length = len(q.explanation.strip())
        if length == 0:
            problems.append(_problem(q.path, q.line, EXPLANATION, f"{q.uid} has no explanation"))
        elif length < MIN_EXPLANATION_CHARS:
            problems.append(
                _problem(
                    q.path,
                    q.line,
                    EXPLANATION,
                    f"{q.uid}: explanation of {length} characters is too short to explain "
                    f"(at least {MIN_EXPLANATION_CHARS})",
                )
            )
    return problems


def rule_uid_prefix(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """uid-prefix: `<section>-<topic>-<n>`, so a uid says where its question lives."""
    return [
        _problem(q.path, q.line, UID_PREFIX, f"uid {q.uid!r} must start with its section {q.section + '-'!r}")
        for q in questions
        if not q.uid.startswith(q.section + "-")
    ]


def rule_metadata(
    *, questions: Sequence[BankQuestion], written: Mapping[tuple[str, int], frozenset[str]]
) -> list[Problem]:
    """metadata: `difficulty` written (the loader would silently assume 2) and at least one tag."""
    problems = []
    for q in questions:
        keys = written.get((q.path, q.line), frozenset())
        if "difficulty" not in keys:
            problems.append(_problem(q.path, q.line, METADATA, f"{q.uid} has no difficulty (1, 2 or 3)"))
        if not q.tags:
            problems.append(_problem(q.path, q.line, METADATA, f"{q.uid} has no tags"))
    return problems


# --- per section -------------------------------------------------------------------------


def rule_section_sizes(
    *, questions: Sequence[BankQuestion], sections: Sequence[SectionInfo]
) -> list[Problem]:
    """section-size: each given section has its minimum number of questions, in `MIN_KINDS`
    kinds or more. Reported in the file holding most of the section's questions, or at the
    section's line in the outline when it has none."""
    by_section: dict[str, list[BankQuestion]] = defaultdict(list)
    for q in questions:
        by_section[q.section].append(q)
    problems = []
    for section in sections:
        items = by_section.get(section.slug, [])
        if items:
            path = Counter(q.path for q in items).most_common(1)[0][0]
            line = 1
        else:
            path, line = section.path, section.line
        kinds = {q.kind for q in items}
        label = "central section" if section.central else "section"
        if len(items) < section.minimum:
            problems.append(
                _problem(
                    path,
                    line,
                    SECTION_SIZE,
                    f"{label} {section.slug!r} has {len(items)} questions, needs at least {section.minimum}",
                )
            )
        if len(kinds) < MIN_KINDS:
            problems.append(
                _problem(
                    path,
                    line,
                    SECTION_SIZE,
                    f"section {section.slug!r} uses {len(kinds)} kind(s), needs at least {MIN_KINDS}",
                )
            )
    return problems


# --- per file: how single-choice keys and true/false answers are spread ----------------------


def tail_probability(probabilities: Sequence[float], observed: int) -> float:
    """P(X >= observed) where X is a sum of independent Bernoulli(p_i) (Poisson binomial).
    Exact, by dynamic programming over the distribution of X."""
    distribution = [1.0]
    for p in probabilities:
        nxt = [0.0] * (len(distribution) + 1)
        for count, mass in enumerate(distribution):
            nxt[count] += mass * (1 - p)
            nxt[count + 1] += mass * p
        distribution = nxt
    return min(1.0, math.fsum(distribution[observed:]))


def _by_file(questions: Iterable[BankQuestion], kind: str) -> dict[str, list[BankQuestion]]:
    out: dict[str, list[BankQuestion]] = defaultdict(list)
    for q in questions:
        if q.kind == kind:
            out[q.path].append(q)
    return out


def _right_index(question: BankQuestion) -> int:
    return next(i for i, c in enumerate(question.spec["choices"]) if c["correct"])


def rule_answer_positions(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """answer-position: per file, the written position of the right choice of single-choice
    questions. Students see choices shuffled, but a bank whose keys pile up in one place is
    also read in the admin, in exports and on paper.

    For each position k, X_k counts the questions whose right choice is at k. If right
    answers were placed at random, a question with n choices puts it at k with probability
    1/n (0 when n < k), so X_k follows a Poisson binomial law. The file is reported when
    P(X_k >= observed) < POSITION_ALPHA / (number of positions): a one-sided test per position,
    Bonferroni-corrected, so a randomly keyed file is reported at most 5 % of the time.
    """
    problems = []
    for path, items in sorted(_by_file(questions, "single").items()):
        counts = Counter(_right_index(q) for q in items)
        positions = max(len(q.spec["choices"]) for q in items)
        threshold = POSITION_ALPHA / positions
        for index in range(positions):
            probabilities = [
                1 / len(q.spec["choices"]) if index < len(q.spec["choices"]) else 0.0 for q in items
            ]
            p_value = tail_probability(probabilities, counts[index])
            if p_value < threshold:
                problems.append(
                    _problem(
                        path,
                        1,
                        ANSWER_POSITION,
                        f"the right choice is written in position {index + 1} in {counts[index]} of "
                        f"{len(items)} single-choice questions (chance: {math.fsum(probabilities):.1f}; "
                        f"p = {p_value:.4f} < {threshold:.4f}); move some",
                    )
                )
    return problems


def rule_longest_answer(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """longest-answer: per file, how often the right choice of a single-choice question is
    strictly the longest text. A beginner learns to pick the longest, most careful-sounding
    choice; distractors should be as long as the key.

    If lengths said nothing about correctness, the right choice of a question with n choices
    would be strictly longest with probability at most 1/n. X (questions where it is) is then
    at most Poisson binomial with p_i = 1/n_i; the file is reported when
    P(X >= observed) < LONGEST_ALPHA, i.e. the right answer is the longest far more often than
    the 1/n expectation.
    """
    problems = []
    for path, items in sorted(_by_file(questions, "single").items()):
        longest = 0
        for q in items:
            lengths = [len(c["text"]) for c in q.spec["choices"]]
            right = lengths[_right_index(q)]
            if all(right > other for i, other in enumerate(lengths) if i != _right_index(q)):
                longest += 1
        probabilities = [1 / len(q.spec["choices"]) for q in items]
        p_value = tail_probability(probabilities, longest)
        if p_value < LONGEST_ALPHA:
            expected = math.fsum(probabilities)
            problems.append(
                _problem(
                    path,
                    1,
                    LONGEST_ANSWER,
                    f"the right choice is strictly the longest in {longest} of {len(items)} "
                    f"single-choice questions (expected at most {expected:.1f}; p = {p_value:.4f} "
                    f"< {LONGEST_ALPHA}); lengthen the distractors or shorten the keys",
                )
            )
    return problems


def rule_truefalse_balance(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """truefalse-balance: per file with at least `TRUEFALSE_MIN_QUESTIONS` true/false
    questions, neither answer may be more than `TRUEFALSE_MAX_SHARE` of them, or answering
    always the same scores too well."""
    problems = []
    for path, items in sorted(_by_file(questions, "truefalse").items()):
        if len(items) < TRUEFALSE_MIN_QUESTIONS:
            continue
        true = sum(q.spec["answer"] is True for q in items)
        share = max(true, len(items) - true) / len(items)
        if share > TRUEFALSE_MAX_SHARE:
            problems.append(
                _problem(
                    path,
                    1,
                    TRUEFALSE_BALANCE,
                    f"{true} true and {len(items) - true} false statements: more than "
                    f"{TRUEFALSE_MAX_SHARE:.0%} on one side",
                )
            )
    return problems


# --- short answers -----------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_HYPHENATED = re.compile(r"^\w+(?:-\w+)+$")
_TITLE_WORD = re.compile(r"^[A-Z][a-z0-9]*$")


# Every name kubectl accepts for a built-in kind (singular or plural), to its two forms. From the
# project's one table of resource names; PodSecurityPolicy stays, removed in 1.25 but taught.
RESOURCE_NAMES: dict[str, tuple[str, str]] = {
    form: (resource.singular, resource.plural)
    for resource in resource_names.RESOURCES
    if resource.kind and not resource.category and (resource.api or resource.removed_in)
    for form in (resource.singular, resource.plural)
}


def expected_variants(answer: str, *, all_answers: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The obvious other spellings of one accepted answer, each with the reason it is expected.

    Only answers that are a term, not a command or a sentence, call for variants:
    - one word with a capital inside (`ConfigMap`, `MicroK8s`): its spaced form
      (`config map`, `micro k8s`);
    - one word joined by hyphens (`cri-dockerd`): its spaced and unspaced forms
      (`cri dockerd`, `cridockerd`); not a flag (`--no-cache`: it starts with a dash) and not
      a word that appears inside another accepted answer, which makes it part of a command
      (`api-resources` beside `kubectl api-resources`), where only the exact spelling works;
    - words that are all capitalised (`Network Policy`), or lower-case words that joined give
      a Kubernetes resource name (`config map`): the joined form (`NetworkPolicy`, `configmap`);
    - a Kubernetes resource name (`ConfigMap`, `configmaps`, `Service`): its singular and its
      plural, which kubectl both accept (`configmap`, `configmaps`).
    Matching is case-, accent- and spacing-insensitive (as grading is), so `configmap` covers
    `ConfigMap`.
    """
    text = answer.strip()
    out: list[tuple[str, str]] = []
    if " " not in text:
        if _CAMEL.search(text):
            out.append((_CAMEL.sub(" ", text), "a capital inside a word"))
        inside_longer = any(text in other and text != other.strip() for other in all_answers)
        if _HYPHENATED.match(text) and not inside_longer:
            out.append((text.replace("-", " "), "a hyphenated word"))
            out.append((text.replace("-", ""), "a hyphenated word"))
        resource = RESOURCE_NAMES.get(normalise(text))
        if resource:
            out.extend((form, "a Kubernetes resource name") for form in resource)
    else:
        words = text.split()
        joined = "".join(words)
        if all(_TITLE_WORD.match(w) for w in words) or (
            text == text.lower() and normalise(joined) in RESOURCE_NAMES
        ):
            out.append((joined, "a term written in several words"))
    return out


def rule_short_variants(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """short-variants: every obvious spelling of an accepted answer (see `expected_variants`)
    is accepted too, so a student who knows the answer is not marked wrong for its spelling."""
    problems = []
    for q in questions:
        if q.kind != "short":
            continue
        answers = q.spec["answers"]
        accepted = {normalise(a) for a in answers}
        missing: dict[str, str] = {}
        for answer in answers:
            for variant, reason in expected_variants(answer, all_answers=answers):
                key = normalise(variant)
                if key not in accepted and key not in {normalise(v) for v in missing}:
                    missing[variant] = f"{answer!r} is {reason}"
        problems.extend(
            _problem(q.path, q.line, SHORT_VARIANTS, f"{q.uid}: also accept {variant!r} ({why})")
            for variant, why in missing.items()
        )
    return problems


# --- the resource kinds the course names ----------------------------------------------------


def rule_resource_kinds(
    *, questions: Sequence[BankQuestion], kinds: Sequence[str] = COURSE_KINDS
) -> list[Problem]:
    """resource-kinds: for every kind the course names, in both directions:
    `resources-shortname-<kind>-1` asks from the abbreviation to the kind (its prompt shows the
    abbreviation as code) and `resources-shortname-<kind>-2` from the kind to its short name
    or "none" (its prompt names the kind). Both are tagged `shortname` and `<kind>`."""
    by_uid = {q.uid: q for q in questions}
    resource_files = Counter(q.path for q in questions if q.section == RESOURCES_SECTION)
    fallback = resource_files.most_common(1)[0][0] if resource_files else "fixtures/banks/resources.yaml"
    problems = []
    for kind in kinds:
        for number, direction in ((1, "abbreviation -> kind"), (2, "kind -> abbreviation")):
            uid = f"{RESOURCES_SECTION}-shortname-{kind}-{number}"
            q = by_uid.get(uid)
            if q is None:
                problems.append(_problem(fallback, 1, RESOURCE_KINDS, f"no question {uid} ({direction})"))
                continue
            missing_tags = [t for t in (SHORTNAME_TAG, kind) if t not in q.tags]
            if missing_tags:
                problems.append(
                    _problem(
                        q.path, q.line, RESOURCE_KINDS, f"{uid} needs the tag(s) {', '.join(missing_tags)}"
                    )
                )
            if number == 1 and not _CODE.search(q.prompt):
                problems.append(
                    _problem(q.path, q.line, RESOURCE_KINDS, f"{uid} must show the abbreviation as code")
                )
            if number == 2 and kind not in _fold(q.prompt).replace(" ", ""):
                problems.append(_problem(q.path, q.line, RESOURCE_KINDS, f"{uid} must name the kind {kind}"))
    return problems


# --- yaml questions: their checks tested by mutation ------------------------------------------


def rule_yaml_mutations(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """A yaml question's checks must refuse every wrong answer and accept every right one, which
    one right answer cannot show (STYLE.md, "Verdicts are tested by mutation"). So:

    - yaml-solution: the question gives its model answer (`solution:`) and it earns every point;
    - yaml-mutation: each meaning-changing mutation of the solution (`quizzes/kinds/mutations.py`:
      a name, an image, a port, a label changed; a field left out; a reference made to name
      nothing...) loses points: one that keeps full marks shows a missing check;
    - yaml-rewrite: each meaning-preserving rewrite (layout, key order, quoting, comments, a
      defaulted field left out, `matchExpressions` for `matchLabels`, a value the prompt leaves
      free changed...) keeps full marks: one that loses points shows a check too strict.
    """
    problems = []
    for q in questions:
        if q.kind != "yaml":
            continue
        if not q.spec.get("solution"):
            problems.append(
                _problem(
                    q.path,
                    q.line,
                    YAML_SOLUTION,
                    f"{q.uid} has no solution: write its model answer so that its checks are tested",
                )
            )
            continue
        misses = mutations.solution_misses(q.spec)
        if misses:
            problems.append(
                _problem(
                    q.path,
                    q.line,
                    YAML_SOLUTION,
                    f"{q.uid}: the solution does not earn every point: {'; '.join(misses)}",
                )
            )
            continue
        problems.extend(
            _problem(
                q.path,
                q.line,
                YAML_MUTATION,
                f"{q.uid}: still full marks with {variant.description} ({variant.category}); add a check",
            )
            for variant in mutations.survivors(q.spec)
        )
        problems.extend(
            _problem(
                q.path,
                q.line,
                YAML_REWRITE,
                f"{q.uid}: points lost with {variant.description} ({variant.category}), which keeps the "
                "meaning; loosen the check, or declare the value free",
            )
            for variant in mutations.refused(q.spec)
        )
    return problems


def rule_command_cloze_mutations(*, questions: Sequence[BankQuestion]) -> list[Problem]:
    """The same test by mutation for command and cloze questions, from their accepted answers
    (`quizzes/kinds/mutations.py`):

    - command-mutation: a word of an accepted command left out or changed, a flag left out or
      given another value, another resource type or namespace: the command must lose its point;
    - command-rewrite: the command spelled otherwise as kubectl or docker reads it (flag forms
      and order, resource names, `type/name`, verb aliases...) must keep it;
    - cloze-mutation: a blank left empty, or given another name, number, flag, case or quoting
      that the tool reads otherwise, must lose its point;
    - cloze-rewrite: a blank with spaces around, quoted where the language reads the same, a
      Dockerfile instruction in another case, must keep it.
    """
    problems = []
    for q in questions:
        if q.kind == "command":
            survivors, refused = mutations.command_survivors(q.spec), mutations.command_refused(q.spec)
            rules = (COMMAND_MUTATION, COMMAND_REWRITE)
        elif q.kind == "cloze":
            survivors, refused = mutations.cloze_survivors(q.spec), mutations.cloze_refused(q.spec)
            rules = (CLOZE_MUTATION, CLOZE_REWRITE)
        else:
            continue
        problems.extend(
            _problem(
                q.path,
                q.line,
                rules[0],
                f"{q.uid}: still right with {variant.description} ({variant.category}); "
                "the grader accepts another answer",
            )
            for variant in survivors
        )
        problems.extend(
            _problem(
                q.path,
                q.line,
                rules[1],
                f"{q.uid}: wrong with {variant.description} ({variant.category}), which the tool reads "
                "the same; accept it",
            )
            for variant in refused
        )
    return problems


# --- everything together -------------------------------------------------------------------


def lint(
    *,
    questions: Sequence[BankQuestion],
    sections: Sequence[SectionInfo],
    written: Mapping[tuple[str, int], frozenset[str]],
) -> list[Problem]:
    """All the rules over questions already read. `sections` are those held to their minimum;
    the resource-kinds rule runs when the resources section is among them."""
    problems = [
        *rule_prompts(questions=questions),
        *rule_explanations(questions=questions),
        *rule_uid_prefix(questions=questions),
        *rule_metadata(questions=questions, written=written),
        *rule_section_sizes(questions=questions, sections=sections),
        *rule_answer_positions(questions=questions),
        *rule_longest_answer(questions=questions),
        *rule_truefalse_balance(questions=questions),
        *rule_short_variants(questions=questions),
        *rule_yaml_mutations(questions=questions),
        *rule_command_cloze_mutations(questions=questions),
    ]
    if any(s.slug == RESOURCES_SECTION for s in sections):
        problems.extend(rule_resource_kinds(questions=questions))
    return sorted(set(problems))


def _relative(path: Path | str) -> Path:
    """Paths under the working directory are shown relative to it: `fixtures/banks/x.yaml:12`."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


@dataclass(frozen=True)
class LintReport:
    problems: list[Problem]
    files: int
    questions: int
    sections: int


def lint_paths(
    paths: Sequence[Path | str] | None = None, *, sections: Sequence[SectionInfo] | None = None
) -> LintReport:
    """Read bank files and lint them. With no paths: every bank, every section of the outline.
    With paths: only the sections that the files' questions belong to are held to a minimum."""
    outline_problems: list[Problem] = []
    if sections is None:
        sections, outline_problems = outline_sections()
    files = [_relative(p) for p in (paths or default_paths())]
    read = bank_read(files, sections={s.slug for s in sections})
    if paths:
        present = {q.section for q in read.questions}
        checked = [s for s in sections if s.slug in present]
    else:
        checked = list(sections)
    problems = lint(questions=read.questions, sections=checked, written=written_fields(files))
    return LintReport(
        problems=sorted(set(outline_problems + read.problems + problems)),
        files=len(expand_paths(files)),
        questions=len(read.questions),
        sections=len(checked),
    )
