"""YAML: the student writes a YAML file (a manifest, a kubeconfig) and it is graded like a linter.

Grading goes in order, and each step stops there when it fails:

1. bounds: at most ``MAX_CHARS`` characters and ``MAX_LINES`` lines, no control or binary
   characters, brackets nested at most ``MAX_FLOW_DEPTH`` deep (``parse_response`` refuses such
   answers with a 422 so they are never stored; ``grade`` checks again);
2. parsing with PyYAML's safe loader only (several ``---`` documents allowed): a syntax error gives
   its line, column and a hint for the usual causes (tab, ``key:value``, indentation, a list item
   under a mapping, an unquoted ``: ``); duplicate keys are errors, as with kubectl; tags other
   than the standard ones (``!!python/object``...) are refused; anchors and aliases are allowed
   but their expanded size is bounded (no "billion laughs") and self-references are refused;
3. with ``kubernetes: true`` (or a version), each document is validated against the strict
   Kubernetes JSON schema of that version (``kubernetes-validate``'s files, offline): unknown
   fields, missing required fields, wrong types, each reported with its path and line;
4. the question's checks, path assertions written in the bank (see ``build_spec``).

Score: 0 when step 1 or 2 fails (there is nothing to check). Otherwise every check is one point
and, when the question asks for it, passing the schema is one more point:
score = points earned / points, correct = every point earned. A manifest with one misspelt field
still earns its other checks, but is never "correct".

Check language (``checks:`` in the bank, each with an ``explain:`` shown when it fails)::

    - path: kind                      # dotted keys, [n] list indexes, ["a.b/c"] for odd keys
      equals: Pod                     # or one_of: [..], matches: 'regex' (whole value),
      explain: "..."                  #    exists: true|false, length: n
      doc: 1                          # optional: document index (0-based) or a kind: Pod, Pod/web
    - path: '[0].marché.fruits'       # a document that is a list starts with an index
      length: 2
    - selector_matches: {service: Service, pod: Pod}   # or pod: Deployment, or labels: {app: web}
      explain: "..."
    - documents: 2                    # the file holds exactly 2 (non-empty) documents
      explain: "..."
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _

from course.markdown import render_code, render_inline
from quizzes.kinds import (
    EMPTY_RESPONSE,
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    UnreadableResponse,
    Verdict,
    response_field,
)

NAME = "yaml"
LABEL = _("YAML file")
TEMPLATE = "quizzes/kinds/yaml.html"
FIELDS = frozenset({"kubernetes", "checks", "starter"})

KUBERNETES_VERSION = "1.33.0"  # the schema version `kubernetes: true` means
MAX_CHARS = 20_000
MAX_LINES = 500
MAX_FLOW_DEPTH = 50  # [ and { nesting; block nesting is bounded by MAX_CHARS
MAX_EXPANDED = 100_000  # nodes + scalar characters once aliases are expanded
MAX_SCHEMA_ERRORS = 20
MAX_CHECKS = 50
PREVIEW_LENGTH = 60

TOO_MANY_CHARACTERS = _("This answer is too long: at most %(limit)s characters.")
TOO_MANY_LINES = _("This answer has too many lines: at most %(limit)s.")
CONTROL_CHARACTER = _(
    "Line %(line)s, column %(column)s holds a control or binary character: paste plain text only."
)
TOO_DEEP = _("This YAML is nested too deeply to be a manifest.")
ALIAS_BOMB = _(
    "The anchors and aliases (& and *) of this YAML expand too far or refer to themselves: "
    "write the values out in full."
)
PYTHON_TAG = _("Line %(line)s: the tag %(tag)s is refused: only plain YAML is accepted.")
UNKNOWN_TAG = _("Line %(line)s: the tag %(tag)s is not standard YAML: remove it.")
SYNTAX_ERROR = _("YAML syntax error at line %(line)s, column %(column)s.")
DUPLICATE_KEY = _(
    "Line %(line)s: the key “%(key)s” appears twice in the same mapping (first at line %(first)s); "
    "kubectl refuses such a file."
)
NO_DOCUMENT = _("There is no YAML document here, only comments or blank lines.")

HINT_TAB = _("Line %(line)s is indented with a tab character: YAML indents with spaces only.")
HINT_COLON = _("Line %(line)s: put a space after the colon (“key: value”, not “key:value”).")
HINT_LIST_ITEM = _(
    "Line %(line)s starts a list item (“- ”) inside a mapping (“key: value”): put the list under "
    "its own key, indented, or write the item as a key."
)
HINT_INDENT = _(
    "Check the indentation around line %(line)s: the keys of one mapping start in the same column, "
    "and a key's content is indented further than the key."
)
HINT_QUOTE_COLON = _("Line %(line)s: a value that contains “: ” must be put in quotes.")
HINT_UNCLOSED_QUOTE = _("The quote opened at line %(line)s is never closed.")
HINT_UNCLOSED_FLOW = _("The bracket or brace opened at line %(line)s is never closed.")
HINT_SCALAR_DOCUMENT = _(
    "Document %(n)s is a single text, not a mapping: is a space missing after a colon at line %(line)s?"
)

NOT_A_MAPPING = _("Document %(n)s is not a mapping (key: value), so it is not a Kubernetes object.")
MISSING_TYPE = _("Document %(n)s needs an apiVersion and a kind.")
UNKNOWN_KIND = _("Kubernetes %(version)s has no kind %(kind)s in apiVersion %(api)s.")
UNKNOWN_FIELD = _("unknown field")
MISSING_FIELD = _("the required field %(field)s is missing")
WRONG_TYPE = _("should be %(expected)s")
NOT_ONE_OF = _("should be one of: %(values)s")
TYPE_NAMES = {
    "string": _("a string"),
    "integer": _("an integer"),
    "number": _("a number"),
    "boolean": _("true or false"),
    "object": _("a mapping (key: value)"),
    "array": _("a list (- item)"),
}
NOT_FOUND = _("absent")
NO_SUCH_DOCUMENT = _("no such document")
NO_SELECTOR = _("no selector")
NO_LABELS = _("no labels")
DOCUMENTS_LABEL = _("number of documents")
SELECTOR_LABEL = _("selector of %(service)s → labels of %(pod)s")

# --- the check language ---------------------------------------------------------------------

PATH_OPERATORS = ("equals", "one_of", "matches", "exists", "length")
OTHER_OPERATORS = ("selector_matches", "documents")
_NAME = r"[\w$-]+"  # \w: Unicode letters too (marché, légumes)
_FIRST = re.compile(_NAME)
_SEGMENT = re.compile(rf"\.(?P<name>{_NAME})|\[(?P<index>\d+)\]|\[(?P<q>[\"'])(?P<quoted>[^\"'\]]+)(?P=q)\]")
_SIMPLE_KEY = re.compile(rf"^{_NAME}$")
_KIND_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$")


def parse_path(text: str) -> tuple[str | int, ...]:
    """``spec.containers[0].metadata.labels["app.kubernetes.io/name"]`` -> a tuple of keys and indexes.

    Raises ValueError saying what is wrong.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("a path must be non-empty text")
    parts: list[str | int] = []
    position = 0
    first = _FIRST.match(text)
    if first is not None:
        parts.append(first.group())
        position = first.end()
    elif not text.startswith("["):
        raise ValueError("a path starts with a key or an [index]")
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None:
            raise ValueError(f"unexpected {text[position : position + 10]!r} at character {position + 1}")
        if match.group("name") is not None:
            parts.append(match.group("name"))
        elif match.group("index") is not None:
            parts.append(int(match.group("index")))
        else:
            parts.append(match.group("quoted"))
        position = match.end()
    return tuple(parts)


def format_path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f'["{part}"]'
    return out


def _is_plain_data(value: Any) -> bool:
    """JSON-able values only (a spec is stored as JSON)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(_is_plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_data(v) for k, v in value.items())
    return False


def _doc_ref(value: Any) -> int | str | None:
    """A document reference: an index (0-based) or a kind, optionally with a name (Pod/web)."""
    if isinstance(value, bool):
        raise ValueError("doc must be an index or a kind")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("doc index must be 0 or more")
        return value
    if isinstance(value, str) and _KIND_REF.match(value):
        return value
    raise ValueError(f"doc {value!r} must be an index (0, 1...) or a kind (Pod, Service/web)")


def _build_check(item: Any, number: int) -> tuple[dict | None, list[str]]:
    if not isinstance(item, Mapping):
        return None, [f"check {number} must be a mapping"]
    problems: list[str] = []
    operators = [op for op in (*PATH_OPERATORS, *OTHER_OPERATORS) if op in item]
    unknown = set(item) - {*PATH_OPERATORS, *OTHER_OPERATORS, "path", "doc", "explain"}
    if unknown:
        problems.append(f"check {number}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    if len(operators) != 1:
        wanted = ", ".join((*PATH_OPERATORS, *OTHER_OPERATORS))
        return None, [*problems, f"check {number} needs exactly one of: {wanted}"]
    op = operators[0]
    value = item[op]
    explain = item.get("explain")
    if not isinstance(explain, str) or not explain.strip():
        problems.append(f"check {number} needs an explain: text shown when it fails")
        explain = ""
    check: dict[str, Any] = {"op": op, "path": "", "doc": None, "value": None, "explain": explain.strip()}
    if op in PATH_OPERATORS:
        try:
            parse_path(item.get("path"))
            check["path"] = item["path"]
        except ValueError as error:
            problems.append(f"check {number}: bad path {item.get('path')!r}: {error}")
        if "doc" in item:
            try:
                check["doc"] = _doc_ref(item["doc"])
            except ValueError as error:
                problems.append(f"check {number}: {error}")
    elif "path" in item or "doc" in item:
        problems.append(f"check {number}: {op} takes no path or doc")
    if op == "equals" and not _is_plain_data(value):
        problems.append(f"check {number}: equals needs a plain value")
    elif op == "one_of" and (not isinstance(value, list) or not value or not _is_plain_data(value)):
        problems.append(f"check {number}: one_of needs a non-empty list of values")
    elif op == "matches":
        try:
            re.compile(value)
        except (re.error, TypeError) as error:
            problems.append(f"check {number}: matches needs a regular expression ({error})")
    elif op == "exists" and not isinstance(value, bool):
        problems.append(f"check {number}: exists must be true or false")
    elif op in ("length", "documents") and (
        isinstance(value, bool) or not isinstance(value, int) or value < 0
    ):
        problems.append(f"check {number}: {op} must be a whole number")
    elif op == "selector_matches":
        value, selector_problems = _build_selector(value, number)
        problems.extend(selector_problems)
    check["value"] = value
    return (None if problems else check), problems


def _build_selector(value: Any, number: int) -> tuple[Any, list[str]]:
    if not isinstance(value, Mapping) or set(value) - {"service", "pod", "labels"} or "service" not in value:
        return value, [f"check {number}: selector_matches needs service: and pod: (or labels:)"]
    if ("pod" in value) == ("labels" in value):
        return value, [f"check {number}: selector_matches needs either pod: or labels:"]
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key in ("service", "pod"):
        if key in value:
            try:
                out[key] = _doc_ref(value[key])
            except ValueError as error:
                problems.append(f"check {number}: {key}: {error}")
    if "labels" in value:
        labels = value["labels"]
        if (
            not isinstance(labels, Mapping)
            or not labels
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
        ):
            problems.append(f"check {number}: labels must map label names to text values")
        else:
            out["labels"] = dict(labels)
    return out, problems


@functools.cache
def supported_versions() -> tuple[str, ...]:
    from kubernetes_validate import utils

    return tuple(sorted(set(utils.all_versions()), key=lambda v: tuple(int(p) for p in v.split("."))))


def _build_version(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return KUBERNETES_VERSION
    text = str(value).strip().removeprefix("v")
    for version in supported_versions():
        if text in (version, version.rsplit(".", 1)[0]):
            return version
    raise ValueError(
        f"kubernetes must be true, false or a version among {', '.join(v[:-2] for v in supported_versions())}"
    )


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    try:
        version = _build_version(raw.get("kubernetes"))
    except ValueError as error:
        problems.append(("kubernetes", str(error)))
        version = ""
    items = raw.get("checks", [])
    checks: list[dict] = []
    if not isinstance(items, list):
        problems.append(("checks", "checks must be a list"))
        items = []
    if len(items) > MAX_CHECKS:
        problems.append(("checks", f"at most {MAX_CHECKS} checks"))
    for number, item in enumerate(items, start=1):
        check, check_problems = _build_check(item, number)
        problems.extend(("checks", message) for message in check_problems)
        if check is not None:
            check["explain_html"] = render_inline(check["explain"])
            checks.append(check)
    if not items and not version and not any(key == "kubernetes" for key, _msg in problems):
        problems.append(("checks", "a yaml question needs checks, kubernetes: true, or both"))
    starter = raw.get("starter", "")
    if starter is None:
        starter = ""
    if not isinstance(starter, str):
        problems.append(("starter", "starter must be text"))
        starter = ""
    elif len(starter) > MAX_CHARS or starter.count("\n") >= MAX_LINES:
        problems.append(("starter", "starter is longer than an answer may be"))
    if problems:
        raise SpecError(problems)
    return {"kubernetes": version, "checks": checks, "starter": starter.strip("\n")}


def to_raw(spec: Mapping[str, Any]) -> dict:
    raw: dict[str, Any] = {}
    if spec["kubernetes"]:
        raw["kubernetes"] = True if spec["kubernetes"] == KUBERNETES_VERSION else spec["kubernetes"]
    if spec["checks"]:
        raw["checks"] = []
        for check in spec["checks"]:
            item: dict[str, Any] = {}
            if check["path"]:
                item["path"] = check["path"]
            item[check["op"]] = check["value"]
            if check["doc"] is not None:
                item["doc"] = check["doc"]
            item["explain"] = check["explain"]
            raw["checks"].append(item)
    if spec["starter"]:
        raw["starter"] = spec["starter"]
    return raw


# --- reading the answer -----------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Finding:
    """Something wrong at a place of the answer."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str = ""
    hint_line: int | None = None  # the line the hint blames (a missing space may be a line above)
    detail: str = ""  # the parser's own words, in English


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    label: str
    explain_html: str
    found: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Document:
    index: int  # among the non-empty documents, 0-based
    data: Any
    node: yaml.Node

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind") if isinstance(self.data, dict) else None
        return kind if isinstance(kind, str) else None


@dataclass(frozen=True)
class Analysis:
    refusal: Finding | None = None  # the answer was not read: nothing else was looked at
    documents: int = 0
    kubernetes: str = ""
    schema: tuple[Finding, ...] = ()
    hints: tuple[Finding, ...] = ()
    checks: tuple[CheckResult, ...] = field(default=())

    @property
    def points(self) -> tuple[int, int]:
        if self.refusal is not None:
            return 0, max(1, len(self.checks) + bool(self.kubernetes))
        earned = sum(c.ok for c in self.checks) + bool(self.kubernetes and not self.schema)
        return earned, len(self.checks) + bool(self.kubernetes)

    @property
    def score(self) -> float:
        earned, total = self.points
        return earned / total if total else 0.0


def _bounds(text: str) -> str | None:
    """Why this text is refused before parsing, or None."""
    if len(text) > MAX_CHARS:
        return str(TOO_MANY_CHARACTERS % {"limit": MAX_CHARS})
    if text.count("\n") >= MAX_LINES:
        return str(TOO_MANY_LINES % {"limit": MAX_LINES})
    bad = _CONTROL.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return str(CONTROL_CHARACTER % {"line": line, "column": column})
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH and _flow_depth(text) > MAX_FLOW_DEPTH:
        return str(TOO_DEEP)
    return None


def _flow_depth(text: str) -> int:
    """The deepest nesting of [ and { (an upper bound: brackets in strings count too)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    values = form.get("yaml") or []
    if len(values) > 1:
        raise InvalidResponse(TAMPERED_RESPONSE)
    text = normalise_text(values[0]) if values else ""
    if not text.strip():
        raise InvalidResponse(EMPTY_RESPONSE)
    refusal = _bounds(text)
    if refusal:
        raise InvalidResponse(refusal)
    return {"yaml": text}


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 5x faster


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader; timestamps stay text, as kubectl reads them."""


def _construct_text(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_Loader.add_constructor("tag:yaml.org,2002:value", _construct_text)

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge", "value", "binary")
)


class _Refused(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _inspect(root: yaml.Node) -> None:
    """Refuse odd tags, duplicate keys, self-referring aliases and alias bombs (before building)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:  # an alias to a node already measured: it counts again, expanded
            return sizes[key]
        if key in open_nodes:
            raise _Refused(Finding(str(ALIAS_BOMB), line=node.start_mark.line + 1))
        line = node.start_mark.line + 1
        if node.tag not in _STANDARD_TAGS:
            message = PYTHON_TAG if "python/" in node.tag else UNKNOWN_TAG
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(Finding(str(message % {"line": line, "tag": tag}), line=line))
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.ScalarNode):
            total += len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key_line = key_node.start_mark.line + 1
                    if key_node.value in seen:
                        message = DUPLICATE_KEY % {
                            "line": key_line,
                            "key": key_node.value,
                            "first": seen[key_node.value],
                        }
                        raise _Refused(
                            Finding(str(message), line=key_line, column=key_node.start_mark.column + 1)
                        )
                    seen[key_node.value] = key_line
                total += size(key_node) + size(value_node)
        open_nodes.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED:
            raise _Refused(Finding(str(ALIAS_BOMB), line=line))
        return total

    size(root)


_COLON_WITHOUT_SPACE = re.compile(r"^\s*(?:-\s+)?[\w.\-/\"']+:[^\s:/\[{]")


def _syntax_hint(lines: list[str], error: yaml.MarkedYAMLError, line: int) -> tuple[str, int | None]:
    """A hint for the usual causes of a syntax error, and the line it points at."""
    problem = f"{error.context or ''} {error.problem or ''}"
    first = error.context_mark.line + 1 if error.context_mark is not None else line
    first = min(first, line)
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    for number in range(max(1, first), min(line, len(lines)) + 1):
        text = lines[number - 1]
        if "\t" in text[: len(text) - len(text.lstrip())]:
            return str(HINT_TAB % {"line": number}), number
    if "\t" in here:
        return str(HINT_TAB % {"line": line}), line
    if "quoted scalar" in problem:
        return str(HINT_UNCLOSED_QUOTE % {"line": first}), first
    if "flow" in problem:
        return str(HINT_UNCLOSED_FLOW % {"line": first}), first
    if here.lstrip().startswith("- ") or here.strip() == "-" or "'-'" in problem:
        return str(HINT_LIST_ITEM % {"line": line}), line
    for number in range(min(line, len(lines)), max(1, first - 2) - 1, -1):
        if _COLON_WITHOUT_SPACE.match(lines[number - 1]):
            return str(HINT_COLON % {"line": number}), number
    if "mapping values are not allowed" in problem and here.count(": ") + here.rstrip().endswith(":") >= 2:
        return str(HINT_QUOTE_COLON % {"line": line}), line
    if "block" in problem or "mapping values" in problem or "expected key" in problem:
        return str(HINT_INDENT % {"line": line}), line
    return "", None


def load_documents(text: str) -> tuple[list[Document], Finding | None]:
    """Parse every document with the safe loader; empty documents are dropped."""
    refusal = _bounds(text)
    if refusal:
        return [], Finding(refusal)
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        for node in nodes:
            _inspect(node)
        for node in nodes:
            data = loader.construct_document(node)
            if data is not None:
                documents.append(Document(index=len(documents), data=data, node=node))
    except _Refused as refused:
        return [], refused.finding
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        hint, hint_line = _syntax_hint(text.split("\n"), error, line)
        detail = "; ".join(part for part in (error.context, error.problem) if part)
        return [], Finding(
            str(SYNTAX_ERROR % {"line": line, "column": column}),
            line=line,
            column=column,
            hint=hint,
            hint_line=hint_line,
            detail=detail,
        )
    except yaml.YAMLError as error:
        return [], Finding(str(SYNTAX_ERROR % {"line": 1, "column": 1}), line=1, column=1, detail=str(error))
    except RecursionError:
        return [], Finding(str(TOO_DEEP))
    finally:
        loader.dispose()
    if not documents:
        return [], Finding(str(NO_DOCUMENT))
    return documents, None


def _node_at(node: yaml.Node, parts: Sequence[str | int]) -> tuple[yaml.Node, yaml.Node | None]:
    """The deepest node on the path (and the key node of the last mapping step taken)."""
    key_node = None
    for part in parts:
        if isinstance(node, yaml.MappingNode) and not isinstance(part, int):
            found = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None
            )
            if found is None:
                return node, None
            key_node, node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            key_node, node = None, node.value[part]
        else:
            return node, None
    return node, key_node


def _line_of(document: Document, parts: Sequence[str | int]) -> int:
    """The line where the path is written: its key's line (a list item's own line), else its parent's."""
    node, key_node = _node_at(document.node, parts)
    return (key_node or node).start_mark.line + 1


# --- Kubernetes schema --------------------------------------------------------------------------

_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,62}$")
_API_VERSION = re.compile(r"^(?:[a-z0-9][a-z0-9.-]{0,252}/)?v[0-9]+[a-z0-9]*$")


@functools.cache
def _definitions(version: str) -> Any:
    """The shared definitions (1.4 MB of JSON) of one version: read once per process."""
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    contents = utils.schema_contents(
        f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version
    )
    return Resource.from_contents(contents) @ Registry()


@functools.lru_cache(maxsize=256)
def schema_validator(version: str, kind: str, api_version: str) -> Any | None:
    """A strict validator for one kind, built once per process; None when there is no such kind.

    Mirrors ``kubernetes_validate.utils.validate`` (same files, same registry) without re-reading
    the files for every document, and collects every error instead of the first.
    """
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Resource

    if not _KIND.match(kind) or not _API_VERSION.match(api_version):
        return None  # never build a file name out of odd input
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(
            f"kubernetes-json-schema/v{version}-local-strict/{kind.lower()}-{group}.json", version
        )
    except (FileNotFoundError, utils.VersionNotSupportedError):
        return None
    registry = Resource.from_contents(schema) @ _definitions(version)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _schema_findings(document: Document, version: str) -> list[Finding]:
    n = document.index + 1
    data = document.data
    if not isinstance(data, dict):
        return [Finding(str(NOT_A_MAPPING % {"n": n}), line=document.line)]
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str) or not kind or not api_version:
        return [Finding(str(MISSING_TYPE % {"n": n}), line=document.line)]
    validator = schema_validator(version, kind, api_version)
    if validator is None:
        message = UNKNOWN_KIND % {"version": version.rsplit(".", 1)[0], "kind": kind, "api": api_version}
        return [Finding(str(message), line=_line_of(document, ("kind",)), path="kind")]
    findings: list[Finding] = []
    try:
        errors = list(validator.iter_errors(data))
    except RecursionError:
        return [Finding(str(TOO_DEEP), line=document.line)]
    for error in errors:
        parts = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for extra in (k for k in error.instance if k not in known):
                where = (*parts, extra)
                findings.append(
                    Finding(str(UNKNOWN_FIELD), line=_line_of(document, where), path=format_path(where))
                )
            continue
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            message = MISSING_FIELD % {"field": ", ".join(missing)}
        elif error.validator == "type":
            wanted = (
                error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            )
            names = [str(TYPE_NAMES.get(t, t)) for t in wanted if t != "null"]
            message = WRONG_TYPE % {"expected": " / ".join(names)}
        elif error.validator == "enum":
            message = NOT_ONE_OF % {
                "values": ", ".join(str(v) for v in error.validator_value if v is not None)
            }
        else:
            message = error.message
        findings.append(Finding(str(message), line=_line_of(document, parts), path=format_path(parts)))
    return findings


# --- checks -----------------------------------------------------------------------------------------


def _find_document(documents: Sequence[Document], ref: int | str | None) -> Document | None:
    if ref is None:
        ref = 0
    if isinstance(ref, int):
        return documents[ref] if ref < len(documents) else None
    kind, _slash, name = ref.partition("/")
    for document in documents:
        if document.kind == kind and (
            not name
            or (
                isinstance(document.data.get("metadata"), dict)
                and document.data["metadata"].get("name") == name
            )
        ):
            return document
    return None


def _resolve(data: Any, parts: Sequence[str | int]) -> tuple[bool, Any]:
    for part in parts:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return False, None
        elif not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def _same(given: Any, expected: Any) -> bool:
    if isinstance(given, bool) or isinstance(expected, bool):
        return isinstance(given, bool) and isinstance(expected, bool) and given == expected
    if isinstance(given, list) and isinstance(expected, list):
        return len(given) == len(expected) and all(_same(a, b) for a, b in zip(given, expected, strict=True))
    if isinstance(given, dict) and isinstance(expected, dict):
        return given.keys() == expected.keys() and all(_same(given[k], expected[k]) for k in given)
    return type(given) in (int, float, str, type(None)) and given == expected


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def preview(value: Any, limit: int = PREVIEW_LENGTH) -> str:
    """A short, bounded view of a value (never expands a large aliased structure)."""
    out: list[str] = []
    budget = [limit + 1]

    def put(text: str) -> None:
        if budget[0] > 0:
            out.append(text[: budget[0]])
            budget[0] -= len(text)

    def walk(item: Any) -> None:
        if budget[0] <= 0:
            return
        if isinstance(item, dict):
            put("{")
            for number, (key, val) in enumerate(item.items()):
                if budget[0] <= 0:
                    break
                put((", " if number else "") + f"{key}: ")
                walk(val)
            put("}")
        elif isinstance(item, list):
            put("[")
            for number, val in enumerate(item):
                if budget[0] <= 0:
                    break
                put(", " if number else "")
                walk(val)
            put("]")
        elif item is None:
            put("null")
        else:
            put(_scalar_text(item) if _scalar_text(item) is not None else repr(item))

    walk(value)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _selector_of(document: Document) -> Any:
    spec = document.data.get("spec") if isinstance(document.data, dict) else None
    if not isinstance(spec, dict):
        return None
    selector = spec.get("selector")
    if document.kind != "Service" and isinstance(selector, dict) and "matchLabels" in selector:
        selector = selector["matchLabels"]
    return selector


def _labels_of(document: Document) -> Any:
    data = document.data if isinstance(document.data, dict) else {}
    template = data.get("spec", {}).get("template") if isinstance(data.get("spec"), dict) else None
    source = template if isinstance(template, dict) else data
    metadata = source.get("metadata")
    return metadata.get("labels") if isinstance(metadata, dict) else None


def _ref_label(ref: int | str | None) -> str:
    return f"[{ref}]" if isinstance(ref, int) else str(ref)


def _run_check(check: Mapping[str, Any], documents: Sequence[Document]) -> CheckResult:
    op, value, explain_html = check["op"], check["value"], check["explain_html"]
    if op == "documents":
        return CheckResult(
            ok=len(documents) == value,
            label=str(DOCUMENTS_LABEL),
            explain_html=explain_html,
            found=str(len(documents)),
        )
    if op == "selector_matches":
        label = str(
            SELECTOR_LABEL % {"service": _ref_label(value["service"]), "pod": _ref_label(value.get("pod"))}
        )
        if "labels" in value:
            label = str(
                SELECTOR_LABEL % {"service": _ref_label(value["service"]), "pod": preview(value["labels"])}
            )
        service = _find_document(documents, value["service"])
        if service is None:
            return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
        selector = _selector_of(service)
        if not isinstance(selector, dict) or not selector:
            return CheckResult(
                ok=False, label=label, explain_html=explain_html, found=str(NO_SELECTOR), line=service.line
            )
        if "labels" in value:
            labels = value["labels"]
        else:
            pod = _find_document(documents, value["pod"])
            if pod is None:
                return CheckResult(
                    ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT)
                )
            labels = _labels_of(pod)
            if not isinstance(labels, dict) or not labels:
                return CheckResult(
                    ok=False, label=label, explain_html=explain_html, found=str(NO_LABELS), line=pod.line
                )
        ok = all(key in labels and _same(labels[key], wanted) for key, wanted in selector.items())
        return CheckResult(ok=ok, label=label, explain_html=explain_html, found=preview(selector))
    parts = parse_path(check["path"])
    label = check["path"] if check["doc"] is None else f"{_ref_label(check['doc'])} {check['path']}"
    document = _find_document(documents, check["doc"])
    if document is None:
        return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
    exists, found = _resolve(document.data, parts)
    line = _line_of(document, parts) if exists else None
    shown = preview(found) if exists else str(NOT_FOUND)
    if op == "exists":
        ok = exists == value
    elif not exists:
        ok = False
    elif op == "equals":
        ok = _same(found, value)
    elif op == "one_of":
        ok = any(_same(found, option) for option in value)
    elif op == "matches":
        text = _scalar_text(found)
        ok = text is not None and re.fullmatch(value, text) is not None
    else:  # length
        ok = isinstance(found, (list, dict, str)) and len(found) == value
    return CheckResult(ok=ok, label=label, explain_html=explain_html, found=shown, line=line)


def _scalar_document_hints(documents: Sequence[Document]) -> list[Finding]:
    hints = []
    for document in documents:
        if isinstance(document.data, str) and ":" in document.data:
            hints.append(
                Finding(
                    str(HINT_SCALAR_DOCUMENT % {"n": document.index + 1, "line": document.line}),
                    line=document.line,
                )
            )
    return hints


def analyse(*, spec: Mapping[str, Any], text: str) -> Analysis:
    """Everything grading and feedback need, from the answer's text. Pure and bounded."""
    text = normalise_text(text)
    documents, refusal = load_documents(text)
    if refusal is not None:
        return Analysis(
            refusal=refusal,
            kubernetes=spec["kubernetes"],
            checks=tuple(
                CheckResult(ok=False, label=c["path"] or c["op"], explain_html=c["explain_html"])
                for c in spec["checks"]
            ),
        )
    schema: list[Finding] = []
    if spec["kubernetes"]:
        for document in documents:
            schema.extend(
                sorted(_schema_findings(document, spec["kubernetes"]), key=lambda f: (f.line or 0, f.path))
            )
    return Analysis(
        documents=len(documents),
        kubernetes=spec["kubernetes"],
        schema=tuple(schema[:MAX_SCHEMA_ERRORS]),
        hints=tuple(_scalar_document_hints(documents)),
        checks=tuple(_run_check(check, documents) for check in spec["checks"]),
    )


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    """The findings themselves are shown by the kind's template (``reveal`` recomputes them)."""
    analysis = analyse(spec=spec, text=str(response.get("yaml", "")))
    earned, total = analysis.points
    return Verdict(correct=analysis.refusal is None and earned == total, score=analysis.score)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {
        "starter": spec["starter"],
        "kubernetes": spec["kubernetes"].rsplit(".", 1)[0] if spec["kubernetes"] else "",
        "rows": min(30, max(16, spec["starter"].count("\n") + 4)),
        "max_length": MAX_CHARS,
    }


def listing(text: str, *, marks: Mapping[int, int | None]) -> list[dict]:
    """Numbered lines for the feedback; ``marks`` maps line numbers to a column (or None)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    width = len(str(len(lines)))
    out = []
    for number, line in enumerate(lines, start=1):
        column = marks.get(number)
        out.append(
            {
                "number": number,
                "gutter": str(number).rjust(width),
                "text": line.replace("\t", "→"),  # a tab shows where it is
                "marked": number in marks,
                "caret": " " * (width + 3 + column - 1) + "^" if column else "",
            }
        )
    return out


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    text = normalise_text(str(response.get("yaml", "")))
    analysis = analyse(spec=spec, text=text)
    marks: dict[int, int | None] = {}
    if analysis.refusal is not None and analysis.refusal.line:
        marks[analysis.refusal.line] = analysis.refusal.column
        if analysis.refusal.hint_line:
            marks.setdefault(analysis.refusal.hint_line, None)
    for finding in (*analysis.schema, *analysis.hints):
        if finding.line:
            marks.setdefault(finding.line, None)
    for check in analysis.checks:
        if not check.ok and check.line:
            marks.setdefault(check.line, None)
    earned, total = analysis.points
    readable = analysis.refusal is None or analysis.refusal.line is not None
    return {
        "refusal": asdict(analysis.refusal) if analysis.refusal else None,
        "listing": listing(text, marks=marks) if readable and _bounds(text) is None else [],
        "kubernetes": analysis.kubernetes.rsplit(".", 1)[0] if analysis.kubernetes else "",
        "schema_checked": bool(analysis.kubernetes) and analysis.refusal is None,
        "schema": [asdict(f) for f in analysis.schema],
        "hints": [asdict(f) for f in analysis.hints],
        "checks": [asdict(c) for c in analysis.checks] if analysis.refusal is None else [],
        "earned": earned,
        "total": total,
    }


def _given_yaml(response: Any) -> str:
    text = normalise_text(response_field(response, "yaml", str))
    if not text.strip() or _bounds(text) is not None:  # refused when posted: this one was not
        raise UnreadableResponse("yaml")
    return text.rstrip("\n")


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The YAML, highlighted (``{"html", "lines"}``)."""
    text = _given_yaml(response)
    return {"html": render_code(text, language="yaml"), "lines": text.count("\n") + 1}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return _given_yaml(response)
