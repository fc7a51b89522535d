"""The YAML question banks: read and validate with file:line problems, load, export.

`bank_read` is pure (files in, questions and problems out). `bank_load` applies what was read
as one atomic upsert keyed by `uid`: a question whose content changed gets a new revision,
one that vanished from the banks is deactivated (never deleted: answers point at it).
`bank_dump` writes the database back to files that `bank_read` reads to the same content.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from course.markdown import MarkdownRefused
from course.markdown import refusal as markdown_refusal
from course.models import Section
from course.yamlio import LineDict, LineList, Problem, load_file, plain
from quizzes import kinds, revisions
from quizzes.models import Answer, Question, Quiz, QuizItem
from quizzes.revisions import revision_apply

COMMON_FIELDS = frozenset(
    {"uid", "kind", "section", "prompt", "explanation", "difficulty", "tags", "erratum"}
)
ERRATUM_FIELDS = frozenset({"claim", "fact", "source"})
UID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUIZ_FIELDS = frozenset({"slug", "title", "questions"})
MAX_UID_LENGTH = 120
# A bank file is one course section. The largest (resources.yaml) holds 97 questions in 80 KB.
# Reading costs about 1.5 ms a question here (2 shared cores; 500 single-choice questions, 114 KB,
# 0.7 s in bank_read; a 12,000-question file once kept a web worker busy 47 s), and parsing about
# 4 s a megabyte of tiny items. So a file holds at most 500 questions (5x the largest section) in
# at most 500 KB (6x): an upload answers within about 2 s. Both are refused with the limit in the
# message: the size before parsing, the count before any question is read.
MAX_BANK_BYTES = 500_000
MAX_BANK_QUESTIONS = 500


@dataclass(frozen=True)
class UploadFormat:
    """Another format an editor may upload in the admin, told apart from YAML by its content (a
    Moodle GIFT export is often named `.txt`). `detect(text)` says whether the text is in this
    format; `read(text, name, section, sections)` returns the questions as a YAML bank holds them
    and the problems found, `section` (a slug or None) placing the questions that the file puts in
    none of `sections` (the course's slugs); `needs_section(problems)` says whether the problems
    of a read without `section` tell of any such question."""

    detect: Callable[[str], bool]
    read: Callable[[str, str, str | None, Collection[str]], tuple[list[dict[str, Any]], list[Problem]]]
    needs_section: Callable[[Sequence[Problem]], bool]


#: The other upload formats. Apps above quizzes register theirs when they are ready (interop:
#: Moodle GIFT), so that the bank importer imports none of them.
UPLOAD_FORMATS: list[UploadFormat] = []


def upload_format(text: str) -> UploadFormat | None:
    """The registered format this text is in, or None for a YAML bank."""
    return next((fmt for fmt in UPLOAD_FORMATS if fmt.detect(text)), None)


class BankError(Exception):
    """Raised with every problem found; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class BankQuestion:
    uid: str
    kind: str
    section: str
    prompt: str
    explanation: str
    difficulty: int
    tags: list[str]
    erratum: dict[str, str]
    spec: dict[str, Any]
    path: str
    line: int
    position: int

    def content_hash(self) -> str:
        return revisions.content_hash(
            kind=self.kind, prompt=self.prompt, explanation=self.explanation, spec=self.spec
        )


@dataclass
class BankQuiz:
    slug: str
    title: str
    uids: list[str]
    path: str
    line: int


@dataclass
class BankRead:
    questions: list[BankQuestion] = field(default_factory=list)
    quizzes: list[BankQuiz] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    quizzes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.revised or self.updated or self.deactivated)

    def __str__(self) -> str:
        """The counts in the reader's language, each with its plural form."""
        # Each row's plural form is chosen by the "n" it is formatted with.
        rows = [
            (ngettext_lazy("%(n)d created", "%(n)d created", "n"), self.created),
            (ngettext_lazy("%(n)d revised", "%(n)d revised", "n"), self.revised),
            (ngettext_lazy("%(n)d updated", "%(n)d updated", "n"), self.updated),
            (ngettext_lazy("%(n)d unchanged", "%(n)d unchanged", "n"), self.unchanged),
            (ngettext_lazy("%(n)d deactivated", "%(n)d deactivated", "n"), self.deactivated),
        ]
        counts = ", ".join(text % {"n": len(items)} for text, items in rows)
        quizzes = ngettext("%(n)d quiz", "%(n)d quizzes", len(self.quizzes)) % {"n": len(self.quizzes)}
        return _("%(counts)s; %(quizzes)s") % {"counts": counts, "quizzes": quizzes}


def default_paths() -> list[Path]:
    fixtures = Path(settings.FIXTURES_DIR)
    paths = sorted((fixtures / "banks").glob("*.yaml"))
    quizzes_file = fixtures / "quizzes.yaml"
    if quizzes_file.exists():
        paths.append(quizzes_file)
    return paths


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    out: list[Path] = []
    for path in map(Path, paths):
        out.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return out


# --- reading -----------------------------------------------------------------------------


def _text_field(data: LineDict, key: str, path: str, problems: list[Problem]) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem(path, data.line_of(key), _("missing %(field)s") % {"field": key}))
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.append(Problem(path, data.line_of(key), _("%(field)s must be text") % {"field": key}))
        return ""
    text = str(value).strip()
    refused = markdown_refusal(text)
    if refused:
        problems.append(Problem(path, data.line_of(key), f"{key}: {refused}"))
        return ""
    return text


def _read_question(
    data: Any, *, path: str, line: int, file_section: str | None, sections: set[str], position: int
) -> tuple[BankQuestion | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, LineDict):
        return None, [Problem(path, line, _("each question must be a mapping of fields"))]
    uid = data.get("uid")
    if not isinstance(uid, str) or not UID_PATTERN.match(uid) or len(uid) > MAX_UID_LENGTH:
        problems.append(
            Problem(
                path,
                data.line_of("uid"),
                _("uid %(uid)s must be lower-case words joined by '-'") % {"uid": repr(uid)},
            )
        )
        uid = None
    kind_name = data.get("kind")
    module = kinds.REGISTRY.get(kind_name) if isinstance(kind_name, str) else None
    if module is None:
        problems.append(
            Problem(
                path,
                data.line_of("kind"),
                _("unknown kind %(kind)s (expected one of: %(kinds)s)")
                % {"kind": repr(kind_name), "kinds": ", ".join(kinds.REGISTRY)},
            )
        )
    allowed = COMMON_FIELDS | (module.FIELDS if module else set())
    for key in data:
        if key not in allowed:
            problems.append(
                Problem(path, data.line_of(key), _("unknown field %(field)s") % {"field": repr(key)})
            )
    section = data.get("section", file_section)
    if not isinstance(section, str) or not section:
        problems.append(Problem(path, data.line, _("no section: set it at the top of the file or here")))
    elif section not in sections:
        problems.append(
            Problem(
                path, data.line_of("section"), _("unknown section %(section)s") % {"section": repr(section)}
            )
        )
    prompt = _text_field(data, "prompt", path, problems)
    explanation = _text_field(data, "explanation", path, problems)
    difficulty = data.get("difficulty", 2)
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 3:
        problems.append(Problem(path, data.line_of("difficulty"), _("difficulty must be 1, 2 or 3")))
        difficulty = 2
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        problems.append(Problem(path, data.line_of("tags"), _("tags must be a list of words")))
        tags = []
    erratum = data.get("erratum") or {}
    if erratum:
        if not isinstance(erratum, dict):
            problems.append(Problem(path, data.line_of("erratum"), _("erratum must be a mapping")))
            erratum = {}
        else:
            missing = ERRATUM_FIELDS - {k for k, v in erratum.items() if isinstance(v, str) and v.strip()}
            unknown = set(erratum) - ERRATUM_FIELDS
            if missing or unknown:
                problems.append(
                    Problem(
                        path,
                        data.line_of("erratum"),
                        _("erratum needs text for claim, fact and source (unknown: %(fields)s)")
                        % {"fields": ", ".join(sorted(map(str, unknown)))}
                        if unknown
                        else _("erratum needs text for claim, fact and source"),
                    )
                )
            erratum = {k: str(erratum.get(k, "")).strip() for k in sorted(ERRATUM_FIELDS)}
    spec: dict[str, Any] = {}
    if module is not None and uid is not None:
        try:
            spec = module.build_spec(plain(data), uid=uid)
        except kinds.SpecError as error:
            problems.extend(Problem(path, data.line_of(key), message) for key, message in error.problems)
        except MarkdownRefused as error:
            problems.append(Problem(path, data.line, error.message))
    if problems:
        return None, problems
    return (
        BankQuestion(
            uid=uid,
            kind=kind_name,
            section=section,
            prompt=prompt,
            explanation=explanation,
            difficulty=difficulty,
            tags=[t.strip() for t in tags],
            erratum=erratum,
            spec=spec,
            path=path,
            line=data.line,
            position=position,
        ),
        [],
    )


def _read_quizzes(data: LineDict, *, path: str, out: BankRead) -> None:
    items = data.get("quizzes")
    if not isinstance(items, LineList):
        out.problems.append(Problem(path, data.line_of("quizzes"), _("quizzes must be a list")))
        return
    for index, item in enumerate(items):
        line = items.line_of(index)
        if not isinstance(item, LineDict):
            out.problems.append(Problem(path, line, _("each quiz must be a mapping")))
            continue
        for key in item:
            if key not in QUIZ_FIELDS:
                out.problems.append(
                    Problem(path, item.line_of(key), _("unknown field %(field)s") % {"field": repr(key)})
                )
        slug = item.get("slug")
        if not isinstance(slug, str) or not UID_PATTERN.match(slug):
            out.problems.append(
                Problem(path, item.line_of("slug"), _("invalid quiz slug %(slug)s") % {"slug": repr(slug)})
            )
            continue
        title = _text_field(item, "title", path, out.problems)
        uids = item.get("questions")
        if not isinstance(uids, list) or not uids or not all(isinstance(u, str) for u in uids):
            out.problems.append(
                Problem(path, item.line_of("questions"), _("questions must be a list of question uids"))
            )
            continue
        out.quizzes.append(BankQuiz(slug=slug, title=title, uids=list(uids), path=path, line=line))


def _grouped(number: int) -> str:
    """A number with the active language's thousands separator (500,000; 500 000 in French)."""
    return number_format(number, force_grouping=True)


def bank_read(paths: Iterable[Path | str], *, sections: set[str]) -> BankRead:
    """Read and validate bank files. Pure: touches no database."""
    out = BankRead()
    seen: dict[str, BankQuestion] = {}
    for path in expand_paths(paths):
        name = str(path)
        try:
            too_large = Path(path).stat().st_size > MAX_BANK_BYTES
        except OSError:
            too_large = False  # load_file names the problem
        if too_large:
            out.problems.append(
                Problem(
                    name,
                    1,
                    _("the file is larger than %(limit)s bytes: split it by section")
                    % {"limit": _grouped(MAX_BANK_BYTES)},
                )
            )
            continue
        data, problems = load_file(path)
        out.problems.extend(problems)
        if data is None:
            continue
        if not isinstance(data, LineDict):
            out.problems.append(Problem(name, 1, _("a bank file must be a mapping (section, questions)")))
            continue
        if "quizzes" in data:
            _read_quizzes(data, path=name, out=out)
            continue
        for key in data:
            if key not in {"section", "questions"}:
                out.problems.append(
                    Problem(
                        name, data.line_of(key), _("unknown top-level field %(field)s") % {"field": repr(key)}
                    )
                )
        file_section = data.get("section")
        if file_section is not None and file_section not in sections:
            out.problems.append(
                Problem(
                    name,
                    data.line_of("section"),
                    _("unknown section %(section)s") % {"section": repr(file_section)},
                )
            )
            file_section = None
        items = data.get("questions")
        if not isinstance(items, LineList):
            out.problems.append(Problem(name, data.line_of("questions"), _("questions must be a list")))
            continue
        if len(items) > MAX_BANK_QUESTIONS:
            out.problems.append(
                Problem(
                    name,
                    data.line_of("questions"),
                    _("%(count)s questions: a bank file holds at most %(limit)s, split it")
                    % {"count": _grouped(len(items)), "limit": _grouped(MAX_BANK_QUESTIONS)},
                )
            )
            continue
        for index, item in enumerate(items):
            question, problems = _read_question(
                item,
                path=name,
                line=items.line_of(index),
                file_section=file_section,
                sections=sections,
                position=index + 1,
            )
            out.problems.extend(problems)
            if question is None:
                continue
            first = seen.get(question.uid)
            if first is not None:
                out.problems.append(
                    Problem(
                        name,
                        question.line,
                        _("duplicate uid %(uid)s (first at %(place)s)")
                        % {"uid": repr(question.uid), "place": f"{first.path}:{first.line}"},
                    )
                )
                continue
            seen[question.uid] = question
            out.questions.append(question)
    return out


# --- loading -----------------------------------------------------------------------------


def _check_against_database(read: BankRead, existing: dict[str, Question], *, full: bool) -> list[Problem]:
    problems: list[Problem] = []
    answered = set(
        Answer.objects.filter(question__uid__in=[q.uid for q in read.questions])
        .values_list("question__uid", flat=True)
        .distinct()
    )
    for question in read.questions:
        current = existing.get(question.uid)
        if current and current.kind != question.kind and question.uid in answered:
            problems.append(
                Problem(
                    question.path,
                    question.line,
                    _(
                        "%(uid)s has answers: its kind cannot change from %(old)s to %(new)s; "
                        "give the new question a new uid"
                    )
                    % {"uid": question.uid, "old": current.kind, "new": question.kind},
                )
            )
    known = {q.uid for q in read.questions}
    if not full:
        known |= set(Question.objects.filter(active=True).values_list("uid", flat=True))
    section_slugs = set(Section.objects.values_list("slug", flat=True))
    for quiz in read.quizzes:
        if quiz.slug in section_slugs:
            problems.append(
                Problem(
                    quiz.path,
                    quiz.line,
                    _("quiz slug %(slug)s is taken by a section quiz") % {"slug": repr(quiz.slug)},
                )
            )
        for uid in quiz.uids:
            if uid not in known:
                problems.append(
                    Problem(
                        quiz.path,
                        quiz.line,
                        _("quiz %(slug)s names unknown question %(uid)s")
                        % {"slug": repr(quiz.slug), "uid": repr(uid)},
                    )
                )
        if len(set(quiz.uids)) != len(quiz.uids):
            problems.append(
                Problem(
                    quiz.path,
                    quiz.line,
                    _("quiz %(slug)s lists a question twice") % {"slug": repr(quiz.slug)},
                )
            )
    return problems


def _sync_items(quiz: Quiz, question_ids: list[int]) -> None:
    current = list(quiz.items.order_by("position").values_list("question_id", flat=True))
    if current != question_ids:
        quiz.items.all().delete()
        QuizItem.objects.bulk_create(
            QuizItem(quiz=quiz, question_id=qid, position=i) for i, qid in enumerate(question_ids, 1)
        )


def questions_changed() -> None:
    """What follows any change to which questions are active, and in which section: each
    section's quiz is synced."""
    sync_section_quizzes()


def sync_section_quizzes() -> None:
    """Each section's quiz holds its active graded questions, in bank order."""
    for section in Section.objects.order_by("position"):
        ids = list(
            Question.objects.filter(section=section, active=True)
            .exclude(kind__in=kinds.UNGRADED_KINDS)
            .order_by("position", "uid")
            .values_list("pk", flat=True)
        )
        if not ids:
            # Keep the quiz (past attempts point at it) but empty it; lists hide empty quizzes.
            for quiz in Quiz.objects.filter(section=section):
                _sync_items(quiz, [])
            continue
        quiz, _created = Quiz.objects.update_or_create(
            section=section,
            defaults={
                "slug": section.slug,
                "title": section.title,
                "kind": Quiz.Kind.SECTION,
                "position": section.position,
            },
        )
        _sync_items(quiz, ids)


def bank_load(paths: Iterable[Path | str] | None = None, *, dry_run: bool = False) -> LoadSummary:
    """Validate every file, then upsert everything in one transaction (or nothing)."""
    full = paths is None
    read = bank_read(
        default_paths() if full else paths, sections=set(Section.objects.values_list("slug", flat=True))
    )
    if read.problems:
        raise BankError(read.problems)
    summary = LoadSummary()
    with transaction.atomic():
        existing = {q.uid: q for q in Question.objects.select_related("current_revision", "section")}
        problems = _check_against_database(read, existing, full=full)
        if problems:
            raise BankError(problems)
        sections = {s.slug: s for s in Section.objects.all()}
        for bank in read.questions:
            question = existing.get(bank.uid)
            fields = {
                "section": sections[bank.section],
                "kind": bank.kind,
                "difficulty": bank.difficulty,
                "tags": bank.tags,
                "erratum": bank.erratum,
                "position": bank.position,
                "active": True,
            }
            if question is None:
                question = Question.objects.create(uid=bank.uid, **fields)
                revision_apply(
                    question=question, prompt=bank.prompt, explanation=bank.explanation, spec=bank.spec
                )
                summary.created.append(bank.uid)
                continue
            meta_changed = any(getattr(question, key) != value for key, value in fields.items())
            for key, value in fields.items():
                setattr(question, key, value)  # the kind first: the content hash includes it
            if revision_apply(
                question=question, prompt=bank.prompt, explanation=bank.explanation, spec=bank.spec
            ):
                summary.revised.append(bank.uid)
            elif meta_changed:
                summary.updated.append(bank.uid)
            else:
                summary.unchanged.append(bank.uid)
                continue
            question.save()
        if full:
            gone = Question.objects.filter(active=True).exclude(uid__in=[q.uid for q in read.questions])
            summary.deactivated = sorted(gone.values_list("uid", flat=True))
            gone.update(active=False)
        questions_changed()
        by_uid = dict(Question.objects.values_list("uid", "pk"))
        for position, bank_quiz in enumerate(read.quizzes, start=1):
            quiz, _created = Quiz.objects.update_or_create(
                slug=bank_quiz.slug,
                defaults={
                    "title": bank_quiz.title,
                    "kind": Quiz.Kind.ASSESSMENT,
                    "section": None,
                    "position": 1000 + position,
                },
            )
            _sync_items(quiz, [by_uid[uid] for uid in bank_quiz.uids])
        summary.quizzes = list(Quiz.objects.order_by("position").values_list("slug", flat=True))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def bank_plan(paths: Iterable[Path | str], *, display_name: str | None = None) -> dict[str, Any]:
    """What loading these files would do, for a dry run: new, changed (with a diff of the
    content or the metadata), unchanged and invalid questions. Writes nothing."""
    read = bank_read(paths, sections=set(Section.objects.values_list("slug", flat=True)))
    problems = list(read.problems)
    existing = {
        q.uid: q
        for q in Question.objects.filter(uid__in=[b.uid for b in read.questions]).select_related(
            "current_revision", "section"
        )
    }
    if not problems:
        problems = _check_against_database(read, existing, full=False)
    if display_name:  # show the uploaded file's name, not the temporary path
        problems = [Problem(display_name, p.line, p.message) for p in problems]
    new, changed, unchanged = [], [], []
    for bank in read.questions:
        question = existing.get(bank.uid)
        if question is None:
            new.append(bank)
            continue
        before = {
            "section": question.section.slug,
            "difficulty": question.difficulty,
            "tags": question.tags,
            **revisions.revision_fields(question.current_revision, question.kind),
        }
        after = {
            "section": bank.section,
            "difficulty": bank.difficulty,
            "tags": bank.tags,
            "prompt": bank.prompt,
            "explanation": bank.explanation,
            **kinds.get(bank.kind).to_raw(bank.spec),
        }
        if before == after and question.kind == bank.kind and question.erratum == bank.erratum:
            unchanged.append(bank)
            continue
        diff = "\n".join(
            difflib.unified_diff(
                dump_yaml(before).splitlines(),
                dump_yaml(after).splitlines(),
                "current",
                "file",
                lineterm="",
                n=2,
            )
        )
        changed.append({"question": bank, "diff": diff or "(erratum)"})
    return {"new": new, "changed": changed, "unchanged": unchanged, "problems": sorted(problems)}


# --- exporting ---------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def question_to_raw(question: Question) -> dict[str, Any]:
    revision = question.current_revision
    raw: dict[str, Any] = {
        "uid": question.uid,
        "kind": question.kind,
        "difficulty": question.difficulty,
        "tags": list(question.tags),
        "prompt": revision.prompt,
        "explanation": revision.explanation,
    }
    if question.erratum:
        raw["erratum"] = dict(question.erratum)
    raw.update(kinds.get(question.kind).to_raw(revision.spec))
    return raw


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def bank_dump(directory: Path | str, *, questions: Iterable[Question] | None = None) -> list[Path]:
    """Write one file per section (and quizzes.yaml for assessments). Returns the files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if questions is None:
        questions = Question.objects.filter(active=True)
    questions = list(
        Question.objects.filter(pk__in=[q.pk for q in questions])
        .select_related("section", "current_revision")
        .order_by("section__position", "position", "uid")
    )
    by_section: dict[str, list[Question]] = {}
    for question in questions:
        by_section.setdefault(question.section.slug, []).append(question)
    written: list[Path] = []
    for slug, items in by_section.items():
        target = directory / f"{slug}.yaml"
        target.write_text(
            dump_yaml({"section": slug, "questions": [question_to_raw(q) for q in items]}), encoding="utf-8"
        )
        written.append(target)
    exported = {q.uid for q in questions}
    assessments = [
        {"slug": quiz.slug, "title": quiz.title, "questions": uids}
        for quiz in Quiz.objects.filter(kind=Quiz.Kind.ASSESSMENT).prefetch_related("items__question")
        if (uids := [item.question.uid for item in quiz.items.all()]) and set(uids) <= exported
    ]
    if assessments:
        target = directory / "quizzes.yaml"
        target.write_text(dump_yaml({"quizzes": assessments}), encoding="utf-8")
        written.append(target)
    return written
