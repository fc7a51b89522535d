"""Moodle GIFT <-> Rappel bank questions: a pure converter (text in, raw bank dicts out, and back).

`gift_read` turns a GIFT file into the raw question dicts of a YAML bank (the same fields that
`quizzes.banks.bank_read` validates) plus line-precise problems; the caller refuses the whole
file when there is any problem. `gift_dump` writes raw bank dicts as GIFT and says which
questions it had to leave out. Nothing here touches the database.

The subset of GIFT we read (Moodle's own rules, stricter where Moodle guesses):

- questions are separated by blank lines; lines starting with ``//`` are comments;
  ``$CATEGORY: $course$/top/<section-slug>`` sets the section of the questions that follow
  (the last part of the path, slugified);
- ``::title::`` names a question; ``// [id:<uid>]`` and ``// [tag:<tag>]`` comments (Moodle's
  own idnumber and tags) give its uid and tags; ``// rappel: {"difficulty": 1, "erratum": {…}}``
  keeps what GIFT cannot say. Without ``[id:]`` the uid is ``<section>-<slug of the title>``
  (or of the first words of the text), with ``-2``, ``-3``… when two questions collide;
- ``[markdown]`` and ``[moodle]`` (or no tag) texts are kept as they are; ``[plain]`` texts get
  their Markdown characters escaped; ``[html]`` is converted to Markdown for a few tags (p, div,
  br, b, strong, i, em, code, pre, ul, ol, li, a, span) and refused for any other tag;
- ``{=right ~wrong}`` is a single choice; ``{~%50%a ~%50%b ~%-100%c}`` a multiple choice (right
  answers are the positive weights, which must be equal and add up to 100); ``{T}``/``{FALSE}``
  true or false; ``{=a =b}`` a short answer; ``{=left -> right = -> distractor}`` matching;
  ``{#42}`` or ``{#42:0.5}`` a numerical answer, imported as the short answer ``42`` (with a
  note when a tolerance is dropped; ranges ``{#1..5}`` are refused); text after the braces makes
  a missing-word question whose prompt keeps ``______`` where the braces were;
- ``#feedback`` after a choice becomes that choice's feedback; ``####text`` is the general
  feedback, which Rappel requires (it is the explanation);
- escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` (a newline), both ways.

Refused, each with a problem at the line where the question starts: essays ``{}``, descriptions
(no braces), partial credit, per-answer feedback on short, true/false and numerical answers,
``*`` wildcards in short answers, ranges, unknown ``[format]`` tags, unconvertible HTML.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.utils.translation import gettext_lazy as _

from course.markdown import MAX_NESTING, MarkdownRefused
from course.yamlio import Problem
from quizzes import kinds
from quizzes.banks import MAX_UID_LENGTH, UID_PATTERN, UploadFormat

SUPPORTED_KINDS = ("single", "multiple", "truefalse", "short", "matching")
BLANK = "______"
CATEGORY_ROOT = "$course$/top/"
METADATA_PREFIX = "rappel:"
DEFAULT_DIFFICULTY = 2
FORMATS = ("markdown", "moodle", "plain", "html")

# --- messages (problems refuse the file; notes are printed and the import goes on) ---------

UNCLOSED_BRACE = _("unclosed brace: this '{' has no '}' (write a literal brace as \\{)")
STRAY_CLOSING_BRACE = _("'}' without an opening '{' (write a literal brace as \\})")
NESTED_BRACE = _("a second '{' before the answer block is closed (write a literal brace as \\{)")
SECOND_BLOCK = _(
    "a second answer block {…}: separate questions with a blank line, or write literal braces as \\{ \\}"
)
NO_ANSWER_BLOCK = _("no answer block {…}: a description is not a question Rappel can ask")
UNCLOSED_TITLE = _("the ::title:: is not closed by '::'")
ESSAY = _("essay questions ({} with no answer) are not supported: Rappel grades every answer itself")
NO_EXPLANATION = _("no general feedback (####…): Rappel shows an explanation after every question, add one")
NO_PROMPT = _("no question text")
UNKNOWN_FORMAT = _("unknown text format [%(name)s] (expected [markdown], [moodle], [plain] or [html])")
HTML_UNSUPPORTED = _("[html] text uses <%(tags)s>, which cannot be converted to Markdown: rewrite it")
TEXT_BEFORE_ANSWERS = _("text before the first answer marker (= or ~): %(text)s")
NO_MARKER = _(
    "an answer must start with = (right) or ~ (wrong); true or false is written T, TRUE, F or FALSE: %(text)s"
)
EMPTY_ANSWER = _("an answer marker (= or ~) with no answer text")
TOO_FEW_CHOICES = _("a choice question needs at least 2 answers")
NO_RIGHT_CHOICE = _(
    "no right answer: mark one with =, or give the right answers equal positive weights (~%%50%%…)"
)
SEVERAL_RIGHT = _(
    "%(count)s answers are marked = but Moodle lets the student pick only one; for a question with "
    "several right answers give each an equal weight (~%%50%%…)"
)
PARTIAL_SINGLE = _(
    "partial credit (%(weight)s%%) in a single-choice question is not supported: a choice is right or wrong"
)
WEIGHTS_UNEQUAL = _(
    "the weights of the right answers (%(weights)s) must be equal and add up to 100%%: "
    "Rappel gives every right answer the same share"
)
WEIGHT_RANGE = _("weight %(weight)s%% is outside -100..100")
ARROW_IN_CHOICE = _(
    "'->' pairs items only in a matching question (every answer written =left -> right): %(text)s"
)
MATCH_NO_ARROW = _("matching item without '->': %(text)s")
MATCH_NO_RIGHT = _("matching item with nothing after '->': %(text)s")
MATCH_FEEDBACK = _("feedback (#) is not supported on matching items (write a literal # as \\#)")
TOO_FEW_PAIRS = _("a matching question needs at least 2 pairs")
PARTIAL_ANSWER = _(
    "partial credit (%(weight)s%%) on a typed answer is not supported: every accepted answer is fully right"
)
ANSWER_FEEDBACK = _("feedback on a typed answer is not supported: put it in the general feedback (####…)")
SHORT_WILDCARD = _(
    "'*' is a wildcard in Moodle short answers but Rappel compares whole answers: list each accepted "
    "spelling (write a literal * as \\*)"
)
TF_FEEDBACK = _("true/false feedback (#…) is not supported: put it in the general feedback (####…)")
NUMERIC_RANGE = _("the numerical range %(text)s has no exact answer: give the number, e.g. {#42}")
NUMERIC_NOT_NUMBER = _("the numerical answer %(text)s is not a number")
NUMERIC_EMPTY = _("a numerical question ({#…}) without a number")
CATEGORY_EMPTY = _("$CATEGORY names no category")
CATEGORY_NOT_ALONE = _("put a blank line after the $CATEGORY line")
NO_SECTION = _("no section: put a $CATEGORY line before this question or choose a section")
BAD_ID = _("[id:%(uid)s] must be a Rappel uid: lower-case words joined by '-'")
NO_UID = _("cannot make a uid for this question: add a ::title:: or a // [id:…] comment")
DUPLICATE_UID = _("duplicate uid %(uid)s (first at line %(line)s)")
BAD_METADATA = _("the // rappel: comment is not valid: %(reason)s")
PRIVATE_CHARACTERS = _("private-use characters (U+E000 to U+E0FF) cannot be read")
TOLERANCE_DROPPED = _(
    "numerical answer %(value)s±%(tolerance)s imported as the short answer %(value)s: "
    "the tolerance was dropped"
)
HTML_CONVERTED = _("text converted from [html] to Markdown: check the result")
SKIP_KIND = _("GIFT has no %(kind)s question")
SKIP_ARROW = _(
    "'->' in a choice, a short answer or a left matching item cannot be written in GIFT "
    "(Moodle would read a matching question)"
)
SKIP_INVALID = _("invalid question: %(reason)s")
SKIP_PRIVATE = _("the question contains private-use characters (U+E000 to U+E0FF)")
# Deeper lists or quotes are refused at Markdown's own bound (course.markdown.MAX_NESTING): each
# level indents every line below it (a file of 10,000 nested lists grew to gigabytes of Markdown).
TOO_DEEP = _("the text nests lists or quotes more than %(limit)s levels deep: flatten it")


def _msg(message: Any, **params: Any) -> str:
    return str(message) % params


@dataclass
class GiftRead:
    """What a GIFT file holds: raw bank dicts, the line each starts on, problems, notes."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


# --- escapes -------------------------------------------------------------------------------

_ESCAPABLE = "\\~=#{}:"
# While parsing, an escaped character becomes a private-use placeholder so that it can never be
# read as syntax; `\*` gets its own placeholder (a literal star in a short answer).
_MASK = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_STAR = chr(0xE000 + len(_ESCAPABLE))
_BLANK_MARK = chr(0xE0FF)
_UNMASK = str.maketrans({**{mark: char for char, mark in _MASK.items()}, _STAR: "\\*"})
_UNMASK_ANSWER = str.maketrans({**{mark: char for char, mark in _MASK.items()}, _STAR: "*"})
_PRIVATE = re.compile("[\ue000-\ue0ff]")


def _mask(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if char == "\\" and following in _MASK:
            out.append(_MASK[following])
            index += 2
        elif char == "\\" and following == "n":
            out.append("\n")
            index += 2
        elif char == "\\" and following == "*":
            out.append(_STAR)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _unmask(text: str) -> str:
    return text.translate(_UNMASK)


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters and newlines, so the text reads back unchanged."""
    return "".join("\\" + char if char in _ESCAPABLE else "\\n" if char == "\n" else char for char in text)


# --- text formats --------------------------------------------------------------------------

_FORMAT_TAG = re.compile(r"^\[([A-Za-z]+)\](?!\()")
_LINE_START_MARK = re.compile(r"^([#>+\-]|\d+\.)(?=\s|$)", re.MULTILINE)


def _escape_markdown(text: str) -> str:
    """Make literal text safe to read as Markdown (it shows as written)."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    return _LINE_START_MARK.sub(lambda m: "\\" + m.group(1), text)


def _inline_code(text: str) -> str:
    text = " ".join(text.split("\n"))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class _HtmlToMarkdown(HTMLParser):
    """The few HTML tags Moodle's editor writes for simple questions, as Markdown."""

    INLINE = {"b": "**", "strong": "**", "i": "*", "em": "*"}
    BLOCKS = {"p", "div"}
    KNOWN = BLOCKS | set(INLINE) | {"br", "span", "code", "pre", "ul", "ol", "li", "a"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.unsupported: list[str] = []
        self.lists: list[list[Any]] = []
        self.links: list[str | None] = []
        self.code: list[str] | None = None
        self.pre: list[str] | None = None
        self.line_start = True

    def _emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.line_start = text.endswith("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.KNOWN:
            if tag not in self.unsupported:
                self.unsupported.append(tag)
            return
        if self.pre is not None:
            return
        if tag in self.BLOCKS:
            self._emit("\n\n")
        elif tag == "br":
            self._emit("  \n")
        elif tag in self.INLINE:
            self._emit(self.INLINE[tag])
        elif tag == "code":
            self.code = []
        elif tag == "pre":
            self.pre = []
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._emit("\n\n")
            self.lists.append([tag, 1])
        elif tag == "li" and self.lists:
            kind = self.lists[-1]
            marker = "- " if kind[0] == "ul" else f"{kind[1]}. "
            kind[1] += 1
            # Indented one level past the limit at most (convert refuses it): the text stays linear.
            self._emit("\n" + "    " * min(len(self.lists) - 1, MAX_NESTING + 1) + marker)
        elif tag == "a":
            href = dict(attrs).get("href")
            self.links.append(href)
            if href:
                self._emit("[")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.KNOWN:
            return
        if tag == "pre" and self.pre is not None:
            body = "".join(self.pre).strip("\n")
            longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=2)
            fence = "`" * (longest + 1)
            self.pre = None
            self._emit(f"\n\n{fence}\n{body}\n{fence}\n\n")
            return
        if self.pre is not None:
            return
        if tag == "code" and self.code is not None:
            code, self.code = "".join(self.code), None
            self._emit(_inline_code(code))
        elif tag in self.BLOCKS:
            self._emit("\n\n")
        elif tag in self.INLINE:
            self._emit(self.INLINE[tag])
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self._emit("\n\n")
        elif tag == "a":
            href = self.links.pop() if self.links else None
            if href:
                self._emit(f"]({href})")

    def handle_data(self, data: str) -> None:
        if self.pre is not None:
            self.pre.append(data)
            return
        if self.code is not None:
            self.code.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        if self.line_start:
            text = text.lstrip()
        self._emit(_escape_markdown(text))

    def markdown(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.parts)).strip()


def nesting_depth(markdown: str) -> int:
    """How deep the lists (4 spaces a level) and quotes (>) of a Markdown text nest, fenced code
    left out (a manifest in a code block indents as it likes)."""
    deepest, fence = 0, None
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped[:3] in ("```", "~~~"):
            fence = stripped[:3]
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        indent = len(line.expandtabs(4)) - len(stripped.expandtabs(4))
        quotes = len(re.match(r"[>\s]*", stripped).group().replace(" ", "").replace("\t", ""))
        deepest = max(deepest, indent // 4 + quotes)
    return deepest


def html_to_markdown(text: str) -> tuple[str, list[str]]:
    """Convert simple HTML to Markdown; also return the tags that could not be converted."""
    parser = _HtmlToMarkdown()
    parser.feed(text)
    parser.close()
    return parser.markdown(), parser.unsupported


# --- reading -------------------------------------------------------------------------------

_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_ID = re.compile(r"\[id:((?:\\\]|[^\]])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class _Block:
    line: int
    comments: list[tuple[int, str]]
    text: str
    text_lines: int


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    comments: list[tuple[int, str]] = []
    body: list[tuple[int, str]] = []

    def close() -> None:
        if body:
            text = "\n".join(line for _number, line in body).strip()
            blocks.append(_Block(line=body[0][0], comments=list(comments), text=text, text_lines=len(body)))
        comments.clear()
        body.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            close()
        elif stripped.startswith("//"):
            comments.append((number, stripped[2:].strip()))
        else:
            body.append((number, line))
    close()
    return blocks


def slugify(text: str, *, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


class _Question:
    """One question being read: collects its problems and notes at its first line."""

    def __init__(self, block: _Block, *, path: str, section: str | None) -> None:
        self.block = block
        self.path = path
        self.section = section
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.converted = False
        self.explicit_uid: str | None = None
        self.base_uid = ""
        self.raw: dict[str, Any] = {}

    def problem(self, message: Any, *, line: int | None = None, **params: Any) -> None:
        self.problems.append(Problem(self.path, line or self.block.line, _msg(message, **params)))

    def note(self, message: Any, **params: Any) -> None:
        self.notes.append(Problem(self.path, self.block.line, _msg(message, **params)))

    # texts

    def split_format(self, masked: str, default: str) -> tuple[str, str]:
        stripped = masked.lstrip()
        match = _FORMAT_TAG.match(stripped)
        if not match:
            return default, masked
        name = match.group(1).lower()
        if name not in FORMATS:
            self.problem(UNKNOWN_FORMAT, name=match.group(1))
            return default, stripped[match.end() :]
        return name, stripped[match.end() :]

    def convert(self, masked: str, fmt: str) -> str:
        text = _unmask(masked)
        if fmt == "plain":
            return _escape_markdown(text.strip())
        if fmt == "html":
            markdown, unsupported = html_to_markdown(text)
            if unsupported:
                self.problem(HTML_UNSUPPORTED, tags=">, <".join(unsupported))
            self.converted = True
        else:
            markdown = text.strip()
        if nesting_depth(markdown) > MAX_NESTING:
            self.problem(TOO_DEEP, limit=MAX_NESTING)
        return markdown

    def text(self, masked: str, default: str) -> str:
        fmt, rest = self.split_format(masked, default)
        return self.convert(rest, fmt)

    def answer_text(self, masked: str, default: str) -> str:
        """A typed answer: literal (no Markdown), `\\*` is a star and a bare `*` a wildcard."""
        _, rest = self.split_format(masked, default)
        if "*" in rest:
            self.problem(SHORT_WILDCARD)
        return rest.translate(_UNMASK_ANSWER).strip()


def _split_items(masked: str, markers: str) -> tuple[str, list[tuple[str, str]]]:
    pieces = re.split(f"([{re.escape(markers)}])", masked)
    return pieces[0], list(zip(pieces[1::2], pieces[2::2], strict=True))


def _weight_text(weight: float) -> str:
    return f"{weight:.5f}".rstrip("0").rstrip(".")


def _read_metadata(question: _Question) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    tags: list[str] = []
    for line, comment in question.block.comments:
        if comment.startswith(METADATA_PREFIX):
            try:
                data = json.loads(comment[len(METADATA_PREFIX) :])
            except ValueError as error:
                question.problem(BAD_METADATA, line=line, reason=str(error))
                continue
            if not isinstance(data, dict):
                question.problem(BAD_METADATA, line=line, reason="expected a JSON object")
                continue
            unknown = set(data) - {"difficulty", "erratum"}
            difficulty = data.get("difficulty", DEFAULT_DIFFICULTY)
            if unknown:
                reason = f"unknown key(s) {', '.join(sorted(unknown))}"
                question.problem(BAD_METADATA, line=line, reason=reason)
            elif not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 3:
                question.problem(BAD_METADATA, line=line, reason="difficulty must be 1, 2 or 3")
            elif "erratum" in data and not isinstance(data["erratum"], dict):
                question.problem(BAD_METADATA, line=line, reason="erratum must be an object")
            else:
                meta.update(data)
            continue
        found = _ID.search(comment)
        if found and question.explicit_uid is None:
            uid = found.group(1).replace("\\]", "]").strip()
            if not UID_PATTERN.match(uid) or len(uid) > MAX_UID_LENGTH:
                question.problem(BAD_ID, line=line, uid=uid)
            question.explicit_uid = uid
        tags.extend(tag.replace("\\]", "]").strip() for tag in _TAG.findall(comment))
    meta["tags"] = [tag for tag in tags if tag]
    return meta


def _read_choices(question: _Question, answer: str, fmt: str) -> tuple[str, dict[str, Any]]:
    before, items = _split_items(answer, "~=")
    if before.strip():
        question.problem(TEXT_BEFORE_ANSWERS, text=_unmask(before).strip())
    parsed: list[tuple[str, float | None, str, str]] = []
    for marker, body in items:
        body = body.strip()
        weight = None
        match = _WEIGHT.match(body)
        if match:
            weight = float(match.group(1))
            body = body[match.end() :]
            if not -100 <= weight <= 100:
                question.problem(WEIGHT_RANGE, weight=match.group(1))
        text_part, _hash, feedback_part = body.partition("#")
        if not _unmask(text_part).strip():
            question.problem(EMPTY_ANSWER)
            continue
        if "->" in text_part:
            question.problem(ARROW_IN_CHOICE, text=_unmask(text_part).strip())
        text = question.text(text_part, fmt)
        feedback = question.text(feedback_part, fmt) if feedback_part.strip() else ""
        parsed.append((marker, weight, text, feedback))
    if len(parsed) < 2:
        question.problem(TOO_FEW_CHOICES)
    if any(marker == "=" for marker, *_rest in parsed):
        kind = "single"
        rights: list[bool] = []
        for marker, weight, _text, _feedback in parsed:
            right = marker == "=" if weight is None else weight >= 100
            if weight is not None and 0 < weight < 100:
                question.problem(PARTIAL_SINGLE, weight=_weight_text(weight))
            rights.append(right)
        if sum(rights) > 1:
            question.problem(SEVERAL_RIGHT, count=sum(rights))
    else:
        kind = "multiple"
        positive = [weight for _marker, weight, *_rest in parsed if weight is not None and weight > 0]
        rights = [weight is not None and weight > 0 for _marker, weight, *_rest in parsed]
        if not positive:
            question.problem(NO_RIGHT_CHOICE)
        elif any(abs(weight - 100 / len(positive)) > 0.05 for weight in positive):
            question.problem(WEIGHTS_UNEQUAL, weights=" + ".join(_weight_text(w) for w in positive))
    choices = []
    for (_marker, _weight, text, feedback), right in zip(parsed, rights, strict=True):
        choice: dict[str, Any] = {"text": text}
        if right:
            choice["correct"] = True
        if feedback:
            choice["feedback"] = feedback
        choices.append(choice)
    return kind, {"choices": choices}


def _read_matching(question: _Question, answer: str, fmt: str) -> tuple[str, dict[str, Any]]:
    before, items = _split_items(answer, "=")
    if before.strip():
        question.problem(TEXT_BEFORE_ANSWERS, text=_unmask(before).strip())
    pairs: list[dict[str, str]] = []
    distractors: list[str] = []
    for _marker, body in items:
        if "#" in body:
            question.problem(MATCH_FEEDBACK)
        if "->" not in body:
            question.problem(MATCH_NO_ARROW, text=_unmask(body).strip())
            continue
        left, right = body.split("->", 1)
        left_text = question.text(left, fmt)
        right_text = _unmask(right).strip()
        if not right_text:
            question.problem(MATCH_NO_RIGHT, text=_unmask(body).strip())
        elif left_text:
            pairs.append({"left": left_text, "right": right_text})
        else:
            distractors.append(right_text)
    if len(pairs) < 2:
        question.problem(TOO_FEW_PAIRS)
    fields: dict[str, Any] = {"pairs": pairs}
    if distractors:
        fields["distractors"] = distractors
    return "matching", fields


def _typed_answer(question: _Question, body: str) -> tuple[str, str] | None:
    """(weightless answer, masked) of one `=` item of a short or numerical answer."""
    body = body.strip()
    match = _WEIGHT.match(body)
    if match:
        body = body[match.end() :]
        if float(match.group(1)) != 100:
            question.problem(PARTIAL_ANSWER, weight=match.group(1))
    text_part, _hash, feedback = body.partition("#")
    if _unmask(feedback).strip():
        question.problem(ANSWER_FEEDBACK)
    if not _unmask(text_part).strip():
        question.problem(EMPTY_ANSWER)
        return None
    return text_part, body


def _read_short(question: _Question, answer: str, fmt: str) -> tuple[str, dict[str, Any]]:
    before, items = _split_items(answer, "=")
    if before.strip():
        question.problem(NO_MARKER, text=_unmask(before).strip())
    answers: list[str] = []
    for _marker, body in items:
        typed = _typed_answer(question, body)
        if typed is not None:
            answers.append(question.answer_text(typed[0], fmt))
    return "short", {"answers": answers}


def _read_numerical(question: _Question, answer: str) -> tuple[str, dict[str, Any]]:
    body = answer[1:]
    if "~" in body:
        question.problem(ANSWER_FEEDBACK)
        body = body.split("~", 1)[0]
    first, items = _split_items(body, "=")
    bodies = ([first] if first.strip() else []) + [item for _marker, item in items]
    if not bodies:
        question.problem(NUMERIC_EMPTY)
    answers: list[str] = []
    for item in bodies:
        typed = _typed_answer(question, item)
        if typed is None:
            continue
        value = _unmask(typed[0]).strip()
        if ".." in value:
            question.problem(NUMERIC_RANGE, text=value)
            continue
        number, _colon, tolerance = (part.strip() for part in value.partition(":"))
        try:
            float(number)
            drop = bool(tolerance) and float(tolerance) != 0
        except ValueError:
            question.problem(NUMERIC_NOT_NUMBER, text=value)
            continue
        if drop:
            question.note(TOLERANCE_DROPPED, value=number, tolerance=tolerance)
        if number not in answers:
            answers.append(number)
    return "short", {"answers": answers}


def _read_question(question: _Question) -> None:
    masked = _mask(question.block.text)
    title = ""
    if masked.startswith("::"):
        end = masked.find("::", 2)
        if end == -1:
            question.problem(UNCLOSED_TITLE)
            return
        title = _unmask(masked[2:end]).strip()
        masked = masked[end + 2 :].strip()
    meta = _read_metadata(question)

    opening, closing = masked.find("{"), masked.find("}")
    if opening == -1 and closing == -1:
        question.problem(NO_ANSWER_BLOCK)
        return
    if opening == -1 or (closing != -1 and closing < opening):
        question.problem(STRAY_CLOSING_BRACE)
        return
    if closing == -1:
        question.problem(UNCLOSED_BRACE)
        return
    if masked.find("{", opening + 1, closing) != -1:
        question.problem(NESTED_BRACE)
        return
    if masked.find("{", closing + 1) != -1:
        question.problem(SECOND_BLOCK)
        return
    if masked.find("}", closing + 1) != -1:
        question.problem(STRAY_CLOSING_BRACE)
        return
    before, answer, after = masked[:opening], masked[opening + 1 : closing], masked[closing + 1 :]

    fmt, before = question.split_format(before, "moodle")
    prompt_source = before + (_BLANK_MARK if after.strip() else "") + after
    prompt = question.convert(prompt_source, fmt).replace(_BLANK_MARK, BLANK).strip()
    if not prompt or prompt == BLANK:
        question.problem(NO_PROMPT)

    explanation = ""
    separator = answer.rfind("####")
    if separator != -1:
        explanation = question.text(answer[separator + 4 :], fmt)
        answer = answer[:separator]
    answer = answer.strip()

    head = answer.split("#", 1)[0].strip()
    if not answer:
        question.problem(ESSAY)
        return
    if answer.startswith("#"):
        kind, fields = _read_numerical(question, answer)
    elif "~" in answer:
        kind, fields = _read_choices(question, answer, fmt)
    elif "=" in answer and "->" in answer:
        kind, fields = _read_matching(question, answer, fmt)
    elif head in _TRUE_FALSE:
        kind, fields = "truefalse", {"answer": _TRUE_FALSE[head]}
        if any(_unmask(part).strip() for part in answer.split("#")[1:]):
            question.problem(TF_FEEDBACK)
    else:
        kind, fields = _read_short(question, answer, fmt)
    if not explanation:
        question.problem(NO_EXPLANATION)
    if question.converted:
        question.note(HTML_CONVERTED)

    if question.section is None:
        question.problem(NO_SECTION)
    base = slugify(title or " ".join(_unmask(prompt).split()[:8]))
    prefixed = base == question.section or base.startswith(f"{question.section}-")
    if base and question.section and not prefixed:
        base = f"{question.section}-{base}"
    question.base_uid = base[: MAX_UID_LENGTH - 4].rstrip("-")
    raw: dict[str, Any] = {"uid": "", "kind": kind}
    if question.section:
        raw["section"] = question.section
    raw.update(
        {
            "difficulty": meta.get("difficulty", DEFAULT_DIFFICULTY),
            "tags": meta["tags"],
            "prompt": prompt,
            "explanation": explanation,
        }
    )
    if meta.get("erratum"):
        raw["erratum"] = meta["erratum"]
    raw.update(fields)
    question.raw = raw


def _read_category(block: _Block, *, path: str) -> tuple[str | None, list[Problem]]:
    if block.text_lines > 1:
        return None, [Problem(path, block.line, str(CATEGORY_NOT_ALONE))]
    name = block.text[len("$CATEGORY:") :].strip()
    last = [part for part in name.split("/") if part.strip()]
    slug = slugify(last[-1]) if last else ""
    if not slug:
        return None, [Problem(path, block.line, str(CATEGORY_EMPTY))]
    return (None if slug == "top" else slug), []


_YAML_BANK_START = re.compile(r"^(?:section|questions|quizzes)\s*:(?:\s|$)|^---(?:\s|$)|^-\s")
_GIFT_START = re.compile(r"^(?://|\$CATEGORY:|::)")
_ANSWER_BLOCK = re.compile(r"(?<!\\)\{[^{}]*(?<!\\)\}")


def looks_like_gift(text: str) -> bool:
    """Whether an uploaded text is GIFT rather than a YAML bank, by its content: its first line
    that is not blank nor a YAML comment starts a GIFT comment, category or title, or, when it is
    no YAML bank key, the text holds an answer block `{…}`."""
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _GIFT_START.match(stripped):
            return True
        if _YAML_BANK_START.match(stripped):
            return False
        return bool(_ANSWER_BLOCK.search(text))
    return False


def needs_section(problems: Iterable[Problem]) -> bool:
    """Whether a read without a section (`upload_read`) found a question in none of the course's
    sections: it comes before any $CATEGORY, or under a category that names no section (Moodle's
    "Default for …")."""
    return any(problem.message == str(NO_SECTION) for problem in problems)


def upload_read(
    text: str, name: str, section: str | None, sections: Collection[str]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """A GIFT file uploaded in the admin, as bank questions and problems; `section` places the
    questions that no $CATEGORY naming one of `sections` places (`quizzes.banks.UPLOAD_FORMATS`)."""
    read = gift_read(text, path=name, default_section=section, known_sections=sections)
    return read.questions, read.problems


UPLOAD_FORMAT = UploadFormat(detect=looks_like_gift, read=upload_read, needs_section=needs_section)


def gift_read(
    text: str,
    *,
    path: str,
    section: str | None = None,
    default_section: str | None = None,
    known_sections: Collection[str] | None = None,
) -> GiftRead:
    """Read a GIFT file. `section`, when given, places every question there (categories ignored);
    otherwise each $CATEGORY places the questions after it, and `default_section` those before
    the first one, under `top`, or (when `known_sections` is given) under a category that names
    none of them."""
    out = GiftRead()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        if _PRIVATE.search(line):
            out.problems.append(Problem(path, number, str(PRIVATE_CHARACTERS)))
    if out.problems:
        return out
    current = section if section is not None else default_section
    questions: list[_Question] = []
    for block in _blocks(text):
        if block.text.startswith("$CATEGORY:"):
            slug, problems = _read_category(block, path=path)
            out.problems.extend(problems)
            if section is None and not problems:
                known = slug is not None and (known_sections is None or slug in known_sections)
                current = slug if known else default_section
            continue
        question = _Question(block, path=path, section=current)
        _read_question(question)
        questions.append(question)

    taken: dict[str, int] = {}
    for question in questions:
        uid = question.explicit_uid
        if uid is not None and question.raw:
            if uid in taken:
                question.problems.append(
                    Problem(path, question.block.line, _msg(DUPLICATE_UID, uid=uid, line=taken[uid]))
                )
            else:
                taken[uid] = question.block.line
    for question in questions:
        if question.raw and question.explicit_uid is None:
            if not question.base_uid:
                question.problem(NO_UID)
            else:
                uid, suffix = question.base_uid, 2
                while uid in taken:
                    uid, suffix = f"{question.base_uid}-{suffix}", suffix + 1
                taken[uid] = question.block.line
                question.explicit_uid = uid
        if question.raw and question.explicit_uid:
            question.raw["uid"] = question.explicit_uid
            if not question.problems:
                try:
                    kinds.get(question.raw["kind"]).build_spec(question.raw, uid=question.explicit_uid)
                except kinds.SpecError as error:
                    for key, message in error.problems:
                        question.problem(f"{key}: {message}".replace("%", "%%"))
                except MarkdownRefused as error:
                    question.problem(error.message.replace("%", "%%"))
        out.problems.extend(question.problems)
        out.notes.extend(question.notes)
        if question.raw and not question.problems:
            out.questions.append(question.raw)
            out.lines.append(question.block.line)
    out.problems.sort()
    return out


def gift_parse(text: str, *, path: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Raw bank question dicts and the problems found (refuse the file if there is any)."""
    read = gift_read(text, path=path)
    return read.questions, read.problems


# --- writing -------------------------------------------------------------------------------

HEADER = (
    "// Rappel question bank in Moodle GIFT format.\n"
    "// Each question keeps its Rappel uid in ::title:: and // [id:...], its tags in [tag:...],\n"
    "// and its difficulty and erratum in a // rappel: {...} comment that Moodle ignores."
)
_BLANK_RUN = re.compile(r"(?<!_)" + BLANK + r"(?!_)")


def _guard(text: str) -> str:
    """Escape a text, protecting a leading `[` (format tag) or `%` (weight) behind [markdown]."""
    escaped = gift_escape(text)
    return "[markdown]" + escaped if text.startswith(("[", "%")) else escaped


def _typed(text: str) -> str:
    return _guard(text).replace("*", "\\*")


def _unexportable(raw: Mapping[str, Any], fields: Mapping[str, Any]) -> str | None:
    kind = raw["kind"]
    if kind in ("single", "multiple") and any("->" in c["text"] for c in fields["choices"]):
        return str(SKIP_ARROW)
    if kind == "short" and any("->" in a for a in fields["answers"]):
        return str(SKIP_ARROW)
    if kind == "matching" and any("->" in p["left"] for p in fields["pairs"]):
        return str(SKIP_ARROW)
    texts = [raw.get("prompt"), raw.get("explanation"), raw.get("tags"), raw.get("erratum"), fields]
    if _PRIVATE.search(json.dumps(texts, ensure_ascii=False)):
        return str(SKIP_PRIVATE)
    return None


def _answer_lines(kind: str, fields: Mapping[str, Any]) -> list[str]:
    if kind == "truefalse":
        return ["TRUE" if fields["answer"] else "FALSE"]
    if kind == "short":
        return ["=" + _typed(answer) for answer in fields["answers"]]
    if kind == "matching":
        lines = [f"={_guard(p['left'])} -> {gift_escape(p['right'])}" for p in fields["pairs"]]
        return lines + [f"= -> {gift_escape(text)}" for text in fields.get("distractors", [])]
    choices = fields["choices"]
    if kind == "single":
        marks = ["=" if c.get("correct") else "~" for c in choices]
    else:
        share = _weight_text(100 / sum(1 for c in choices if c.get("correct")))
        marks = [f"~%{share}%" if c.get("correct") else f"~%-{share}%" for c in choices]
    return [
        mark + _guard(c["text"]) + ("#" + _guard(c["feedback"]) if c.get("feedback") else "")
        for mark, c in zip(marks, choices, strict=True)
    ]


def _question_text(raw: Mapping[str, Any], fields: Mapping[str, Any]) -> str:
    uid = raw["uid"]
    tags = "".join(f" [tag:{tag.replace(']', chr(92) + ']')}]" for tag in raw.get("tags") or [])
    metadata: dict[str, Any] = {"difficulty": raw.get("difficulty", DEFAULT_DIFFICULTY)}
    if raw.get("erratum"):
        metadata["erratum"] = raw["erratum"]
    prompt = str(raw["prompt"]).strip()
    before, after = prompt, ""
    blanks = list(_BLANK_RUN.finditer(prompt))
    if len(blanks) == 1 and prompt[blanks[0].end() :].strip():
        before, after = prompt[: blanks[0].start()], prompt[blanks[0].end() :]
    lines = [
        f"// [id:{uid}]{tags}",
        f"// {METADATA_PREFIX} {json.dumps(metadata, ensure_ascii=False, sort_keys=True)}",
        f"::{uid}::[markdown]{gift_escape(before)}{{",
        *("\t" + line for line in _answer_lines(raw["kind"], fields)),
        "\t####" + _guard(str(raw.get("explanation") or "").strip()),
        "}" + gift_escape(after),
    ]
    return "\n".join(lines)


def gift_dump(raw_questions: Iterable[Mapping[str, Any]]) -> tuple[str, list[tuple[str, str]]]:
    """Write raw bank dicts as GIFT. Returns the text and the (uid, reason) of questions left out.

    A question's `section` (when present) becomes a `$CATEGORY` line whenever it changes.
    """
    parts = [HEADER]
    skipped: list[tuple[str, str]] = []
    current: str | None = None
    for raw in raw_questions:
        uid, kind = str(raw.get("uid")), str(raw.get("kind"))
        reason: str | None
        fields: dict[str, Any] = {}
        if kind not in SUPPORTED_KINDS:
            reason = _msg(SKIP_KIND, kind=kind)
        else:
            module = kinds.get(kind)
            try:
                fields = module.to_raw(module.build_spec(raw, uid=uid))
            except (kinds.SpecError, MarkdownRefused) as error:
                reason = _msg(SKIP_INVALID, reason=str(error))
            else:
                reason = _unexportable(raw, fields)
        if reason:
            skipped.append((uid, reason))
            parts.append(f"// skipped {uid} ({kind}): {reason}")
            continue
        section = raw.get("section")
        if section and section != current:
            parts.append(f"$CATEGORY: {CATEGORY_ROOT}{section}")
            current = section
        parts.append(_question_text(raw, fields))
    return "\n\n".join(parts) + "\n", skipped
