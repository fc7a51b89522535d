"""YAML: the student writes a YAML file (a manifest, a kubeconfig) and it is graded like a linter.

Grading goes in order, and each step stops there when it fails:

1. bounds: at most ``MAX_CHARS`` characters and ``MAX_LINES`` lines, no control or binary
   characters, brackets nested at most ``MAX_FLOW_DEPTH`` deep (``parse_response`` refuses such
   answers with a 422 so they are never stored; ``grade`` checks again);
2. parsing with PyYAML's safe loader only (several ``---`` documents allowed): a syntax error gives
   its line, column and a hint for the usual causes (tab, ``key:value``, indentation, a list item
   under a mapping, an unquoted ``: ``); duplicate keys are errors, as with kubectl; tags other
   than the standard ones (``!!python/object``...) are refused; anchors and aliases are allowed
   but their expanded size is bounded (no "billion laughs", ``course.yamlio.check_node``, the
   bound of every YAML text Rappel reads) and self-references are refused;
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
    - path: spec.containers[name=web].image   # [key=value]: the one item whose key has that value
      image: nginx:latest             # the same image: nginx = nginx:latest = docker.io/library/nginx
      explain: "..."
    - selector_matches: {service: Service, pod: Pod}   # or pod: Deployment, or labels: {app: web}
      explain: "..."                  # matchLabels and matchExpressions, as the API reads them
    - refers: {from: "contexts[*].context.cluster", to: "clusters[*].name"}
      explain: "..."                  # each value at from (one at least) names one item at to
    - documents: 2                    # the file holds exactly 2 (non-empty) documents
      explain: "..."

In ``[key=value]`` the value is read as YAML: ``[port=80]`` is the number, ``[name="80"]`` the
text; when no item or several items match, the path finds nothing (kubectl refuses a kubeconfig
with two contexts of one name, the API a pod with two containers of one name). ``[*]`` (every
item) is allowed in ``refers`` only.

Fields that Kubernetes fills in when they are left out (``DEFAULTS``: a Service's ``type`` and
each port's ``protocol`` and ``targetPort``, a workload's ``replicas``, a container port's
``protocol``) read as their default for ``equals``, ``one_of``, ``matches`` and ``image``;
``exists`` and ``length`` look at what is written.

A question may give its model answer (``solution:``, YAML text) and the values its prompt leaves
free (``free:``, a list of ``{path, doc, reason}`` in the solution); the bank linter then checks
that the solution earns every point, that each meaning-changing mutation of it loses points and
that each meaning-preserving rewrite keeps them all (``quizzes/kinds/mutations.py``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from course import yamlio
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
FIELDS = frozenset({"kubernetes", "checks", "starter", "solution", "free"})

KUBERNETES_VERSION = "1.33.0"  # the schema version `kubernetes: true` means
MAX_CHARS = 20_000
MAX_LINES = 500
MAX_FLOW_DEPTH = 50  # [ and { nesting; block nesting is bounded by MAX_CHARS
MAX_SCHEMA_ERRORS = 20
MAX_CHECKS = 50
PREVIEW_LENGTH = 60

TOO_MANY_CHARACTERS = _("This answer is too long: at most %(limit)s characters.")
TOO_MANY_LINES = _("This answer has too many lines: at most %(limit)s.")
CONTROL_CHARACTER = _(
    "Line %(line)s, column %(column)s holds a control or binary character: paste plain text only."
)
TOO_DEEP = _("This YAML is nested too deeply to be a manifest.")
NUMBER_TOO_LONG = _("A number in this YAML has too many digits to be a value of a manifest.")
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
DEFAULT_VALUE = _("%(value)s (default)")
NO_SUCH_NAME = _("no such name: %(names)s")
NAMED_TWICE = _("name given twice: %(names)s")

# --- the check language ---------------------------------------------------------------------

PATH_OPERATORS = ("equals", "one_of", "matches", "exists", "length", "image")
OTHER_OPERATORS = ("selector_matches", "refers", "documents")
DEFAULTED_OPERATORS = frozenset({"equals", "one_of", "matches", "image"})  # read DEFAULTS
_NAME = r"[\w$-]+"  # \w: Unicode letters too (marché, légumes)
_FIRST = re.compile(_NAME)
_SEGMENT = re.compile(
    rf"\.(?P<name>{_NAME})|\[(?P<index>\d+)\]|\[(?P<q>[\"'])(?P<quoted>[^\"'\]]+)(?P=q)\]"
    rf"|\[(?P<where>{_NAME})=(?P<value>\"[^\"\]]*\"|'[^'\]]*'|[^\]\"']+)\]|\[(?P<every>\*)\]"
)
_SIMPLE_KEY = re.compile(rf"^{_NAME}$")
_PLAIN_VALUE = re.compile(r"^[\w.:/@-]+$")
_KIND_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$")


@dataclass(frozen=True)
class Where:
    """A path step ``[name=web]``: the one item of a list whose ``key`` has this value."""

    key: str
    value: str | int | float | bool

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, str) and not (_PLAIN_VALUE.match(value) and isinstance(read_plain(value), str)):
            value = json.dumps(value, ensure_ascii=False)
        elif not isinstance(value, str):
            value = _scalar_text(value)
        return f"[{self.key}={value}]"


class _Every:
    """A path step ``[*]``: every item of a list (in ``refers`` only)."""

    def __repr__(self) -> str:
        return "EVERY"

    def __str__(self) -> str:
        return "[*]"


EVERY = _Every()

type Part = str | int | Where | _Every


def parse_path(text: str, *, every: bool = False) -> tuple[Part, ...]:
    """``spec.containers[name=web].ports[0]["app.kubernetes.io/name"]`` -> a tuple of steps: keys,
    indexes, ``Where`` items and (when ``every``) ``EVERY``.

    Raises ValueError saying what is wrong.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(gettext("a path must be non-empty text"))
    parts: list[Part] = []
    position = 0
    first = _FIRST.match(text)
    if first is not None:
        parts.append(first.group())
        position = first.end()
    elif not text.startswith("["):
        raise ValueError(gettext("a path starts with a key or an [index]"))
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None:
            raise ValueError(
                gettext("unexpected %(text)s at character %(position)s")
                % {"text": repr(text[position : position + 10]), "position": position + 1}
            )
        if match.group("name") is not None:
            parts.append(match.group("name"))
        elif match.group("index") is not None:
            parts.append(int(match.group("index")))
        elif match.group("quoted") is not None:
            parts.append(match.group("quoted"))
        elif match.group("where") is not None:
            value = read_plain(match.group("value"))
            if isinstance(value, (dict, list)) or value is None:
                raise ValueError(
                    gettext("[%(key)s=...] needs a plain value at character %(position)s")
                    % {"key": match.group("where"), "position": position + 1}
                )
            parts.append(Where(match.group("where"), value))
        elif not every:
            raise ValueError(
                gettext("[*] (every item) is only allowed in refers, at character %(position)s")
                % {"position": position + 1}
            )
        else:
            parts.append(EVERY)
        position = match.end()
    return tuple(parts)


def format_path(parts: Sequence[Part]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, (Where, _Every)):
            out += str(part)
        elif isinstance(part, int):
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
        raise ValueError(gettext("doc must be an index or a kind"))
    if isinstance(value, int):
        if value < 0:
            raise ValueError(gettext("doc index must be 0 or more"))
        return value
    if isinstance(value, str) and _KIND_REF.match(value):
        return value
    raise ValueError(
        gettext("doc %(value)s must be an index (0, 1...) or a kind (Pod, Service/web)")
        % {"value": repr(value)}
    )


_IMAGE_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_IMAGE_TAG = re.compile(r"^\w[\w.-]{0,127}$")
_IMAGE_DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_REGISTRY = re.compile(r"^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9.-]+)(?::\d+)?$")


def image_reference(text: Any) -> tuple[str, str, str, str] | None:
    """An image as the container runtime reads it: (registry, repository, tag, digest), or None.

    As Docker's reference parser normalises it: a first component with a dot or a colon, or
    ``localhost``, is a registry, else the image is on ``docker.io`` (``index.docker.io`` too),
    where a one-component name is under ``library/``; no tag and no digest means ``latest``.
    So ``nginx``, ``nginx:latest`` and ``docker.io/library/nginx:latest`` are one image.
    """
    if not isinstance(text, str):
        return None
    name, at, digest = text.partition("@")
    if at and not _IMAGE_DIGEST.match(digest):
        return None
    registry, slash, rest = name.partition("/")
    if not slash or not ("." in registry or ":" in registry or registry == "localhost"):
        registry, rest = "docker.io", name
    elif not _REGISTRY.match(registry):
        return None
    path, colon, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    if colon and not _IMAGE_TAG.match(tag):
        return None
    if not all(_IMAGE_COMPONENT.match(component) for component in path.split("/")):
        return None
    if registry == "index.docker.io":
        registry = "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return registry, path, tag or ("" if digest else "latest"), digest


def _build_check(item: Any, number: int) -> tuple[dict | None, list[str]]:
    if not isinstance(item, Mapping):
        return None, [gettext("check %(number)s must be a mapping") % {"number": number}]
    problems: list[str] = []
    operators = [op for op in (*PATH_OPERATORS, *OTHER_OPERATORS) if op in item]
    unknown = set(item) - {*PATH_OPERATORS, *OTHER_OPERATORS, "path", "doc", "explain"}
    if unknown:
        problems.append(
            gettext("check %(number)s: unknown field(s) %(fields)s")
            % {"number": number, "fields": ", ".join(sorted(map(str, unknown)))}
        )
    if len(operators) != 1:
        wanted = ", ".join((*PATH_OPERATORS, *OTHER_OPERATORS))
        return None, [
            *problems,
            gettext("check %(number)s needs exactly one of: %(operators)s")
            % {"number": number, "operators": wanted},
        ]
    op = operators[0]
    value = item[op]
    explain = item.get("explain")
    if not isinstance(explain, str) or not explain.strip():
        problems.append(
            gettext("check %(number)s needs an explain: text shown when it fails") % {"number": number}
        )
        explain = ""
    check: dict[str, Any] = {"op": op, "path": "", "doc": None, "value": None, "explain": explain.strip()}
    if op in PATH_OPERATORS:
        try:
            parse_path(item.get("path"))
            check["path"] = item["path"]
        except ValueError as error:
            problems.append(
                gettext("check %(number)s: bad path %(path)s: %(error)s")
                % {"number": number, "path": repr(item.get("path")), "error": error}
            )
    elif "path" in item or ("doc" in item and op != "refers"):
        problems.append(
            (
                gettext("check %(number)s: %(operator)s takes no path")
                if op == "refers"
                else gettext("check %(number)s: %(operator)s takes no path or doc")
            )
            % {"number": number, "operator": op}
        )
    if "doc" in item and op in (*PATH_OPERATORS, "refers"):
        try:
            check["doc"] = _doc_ref(item["doc"])
        except ValueError as error:
            problems.append(gettext("check %(number)s: %(error)s") % {"number": number, "error": error})
    if op == "equals" and not _is_plain_data(value):
        problems.append(gettext("check %(number)s: equals needs a plain value") % {"number": number})
    elif op == "one_of" and (not isinstance(value, list) or not value or not _is_plain_data(value)):
        problems.append(
            gettext("check %(number)s: one_of needs a non-empty list of values") % {"number": number}
        )
    elif op == "matches":
        try:
            re.compile(value)
        except (re.error, TypeError) as error:
            problems.append(
                gettext("check %(number)s: matches needs a regular expression (%(error)s)")
                % {"number": number, "error": error}
            )
    elif op == "exists" and not isinstance(value, bool):
        problems.append(gettext("check %(number)s: exists must be true or false") % {"number": number})
    elif op in ("length", "documents") and (
        isinstance(value, bool) or not isinstance(value, int) or value < 0
    ):
        problems.append(
            gettext("check %(number)s: %(operator)s must be a whole number")
            % {"number": number, "operator": op}
        )
    elif op == "selector_matches":
        value, selector_problems = _build_selector(value, number)
        problems.extend(selector_problems)
    elif op == "image" and image_reference(value) is None:
        problems.append(
            gettext("check %(number)s: image needs an image reference (nginx, nginx:1.27, ghcr.io/o/a:1)")
            % {"number": number}
        )
    elif op == "refers":
        value, refers_problems = _build_refers(value, number)
        problems.extend(refers_problems)
    check["value"] = value
    return (None if problems else check), problems


def _build_refers(value: Any, number: int) -> tuple[Any, list[str]]:
    if not isinstance(value, Mapping) or set(value) != {"from", "to"}:
        return value, [
            gettext("check %(number)s: refers needs from: (the paths that name) and to: (the names)")
            % {"number": number}
        ]
    problems = []
    for key in ("from", "to"):
        try:
            parse_path(value[key], every=True)
        except ValueError as error:
            problems.append(
                gettext("check %(number)s: refers: bad %(field)s path %(path)s: %(error)s")
                % {"number": number, "field": key, "path": repr(value[key]), "error": error}
            )
    return {"from": value["from"], "to": value["to"]}, problems


def _build_selector(value: Any, number: int) -> tuple[Any, list[str]]:
    if not isinstance(value, Mapping) or set(value) - {"service", "pod", "labels"} or "service" not in value:
        return value, [
            gettext("check %(number)s: selector_matches needs service: and pod: (or labels:)")
            % {"number": number}
        ]
    if ("pod" in value) == ("labels" in value):
        return value, [
            gettext("check %(number)s: selector_matches needs either pod: or labels:") % {"number": number}
        ]
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key in ("service", "pod"):
        if key in value:
            try:
                out[key] = _doc_ref(value[key])
            except ValueError as error:
                problems.append(
                    gettext("check %(number)s: %(field)s: %(error)s")
                    % {"number": number, "field": key, "error": error}
                )
    if "labels" in value:
        labels = value["labels"]
        if (
            not isinstance(labels, Mapping)
            or not labels
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
        ):
            problems.append(
                gettext("check %(number)s: labels must map label names to text values") % {"number": number}
            )
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
        gettext("kubernetes must be true, false or a version among %(versions)s")
        % {"versions": ", ".join(v[:-2] for v in supported_versions())}
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
        problems.append(("checks", gettext("checks must be a list")))
        items = []
    if len(items) > MAX_CHECKS:
        problems.append(("checks", gettext("at most %(count)s checks") % {"count": MAX_CHECKS}))
    for number, item in enumerate(items, start=1):
        check, check_problems = _build_check(item, number)
        problems.extend(("checks", message) for message in check_problems)
        if check is not None:
            check["explain_html"] = render_inline(check["explain"])
            checks.append(check)
    if not items and not version and not any(key == "kubernetes" for key, _msg in problems):
        problems.append(("checks", gettext("a yaml question needs checks, kubernetes: true, or both")))
    starter = raw.get("starter", "")
    if starter is None:
        starter = ""
    if not isinstance(starter, str):
        problems.append(("starter", gettext("starter must be text")))
        starter = ""
    elif len(starter) > MAX_CHARS or starter.count("\n") >= MAX_LINES:
        problems.append(("starter", gettext("starter is longer than an answer may be")))
    solution, documents = _build_solution(raw.get("solution"), problems)
    free = _build_free(raw.get("free"), documents, problems)
    if problems:
        raise SpecError(problems)
    spec: dict[str, Any] = {"kubernetes": version, "checks": checks, "starter": starter.strip("\n")}
    if solution:  # only when given: the spec (and the content hash) of other questions is unchanged
        spec["solution"] = solution
    if free:
        spec["free"] = free
    return spec


def _build_solution(value: Any, problems: list[tuple[str, str]]) -> tuple[str, list[Document] | None]:
    """The model answer, as text that reads; and its documents (None when there is none)."""
    if value is None:
        return "", None
    if not isinstance(value, str) or not value.strip():
        problems.append(("solution", gettext("solution must be the model answer, as YAML text")))
        return "", None
    text = normalise_text(value).strip("\n")
    documents, refusal = load_documents(text)
    if refusal is not None:
        detail = f" ({refusal.detail})" if refusal.detail else ""
        problems.append(
            (
                "solution",
                gettext("the solution does not read: %(reason)s%(detail)s")
                % {"reason": refusal.message, "detail": detail},
            )
        )
        return "", None
    return text, documents


def _build_free(
    items: Any, documents: list[Document] | None, problems: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The values of the solution that the prompt leaves free: ``{path, doc, reason}`` each."""
    if items is None or items == []:
        return []
    if not isinstance(items, list):
        problems.append(("free", gettext("free must be a list of {path, doc, reason}")))
        return []
    if documents is None:
        problems.append(("free", gettext("free names places of the solution: write a solution")))
        return []
    out = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or set(item) - {"path", "doc", "reason"}:
            problems.append(
                (
                    "free",
                    gettext("free %(number)s must be a mapping of path, doc (optional) and reason")
                    % {"number": number},
                )
            )
            continue
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(
                (
                    "free",
                    gettext("free %(number)s needs a reason: why the prompt leaves it free")
                    % {"number": number},
                )
            )
            continue
        try:
            parse_path(item.get("path"))
            doc = _doc_ref(item["doc"]) if "doc" in item else None
        except ValueError as error:
            problems.append(
                ("free", gettext("free %(number)s: %(error)s") % {"number": number, "error": error})
            )
            continue
        if locate(documents, doc=doc, path=item["path"]) is None:
            problems.append(
                (
                    "free",
                    gettext("free %(number)s: the solution has nothing at %(path)s")
                    % {"number": number, "path": item["path"]},
                )
            )
            continue
        out.append({"path": item["path"], "doc": doc, "reason": reason.strip()})
    return out


def locate(documents: Sequence[Document], *, doc: int | str | None, path: str) -> tuple[int, tuple] | None:
    """Where a path of the check language is written: (document index, concrete path), or None."""
    document = _find_document(documents, doc)
    if document is None:
        return None
    exists, _value, concrete = _resolve(document.data, parse_path(path))
    return (document.index, concrete) if exists else None


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
    if spec.get("solution"):
        raw["solution"] = spec["solution"]
    if spec.get("free"):
        raw["free"] = [
            {
                "path": item["path"],
                **({"doc": item["doc"]} if item["doc"] is not None else {}),
                "reason": item["reason"],
            }
            for item in spec["free"]
        ]
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


class _Loader(yamlio.SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader under the bounds of every YAML text Rappel reads (``course.yamlio``: it
    runs ``check_node`` on each document it composes); timestamps stay text, as kubectl reads
    them."""


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
    """Refuse odd tags and duplicate keys (before building). The loader has already bounded the
    depth and the aliases (`course.yamlio.check_node`), so this walk is short and never loops."""
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node) -> None:
        if id(node) in seen_nodes:  # an alias to a node already walked
            return
        seen_nodes.add(id(node))
        line = node.start_mark.line + 1
        if node.tag not in _STANDARD_TAGS:
            message = PYTHON_TAG if "python/" in node.tag else UNKNOWN_TAG
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(Finding(str(message % {"line": line, "tag": tag}), line=line))
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
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
                walk(key_node)
                walk(value_node)

    walk(root)


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
    except yamlio.YamlLimitError as error:
        return [], Finding(error.message, line=error.line, column=error.column)
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
    except ValueError:  # int() refuses more than 4,300 digits (and 1_0_0... gets past _bounds)
        return [], Finding(str(NUMBER_TOO_LONG))
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


def _step(data: Any, part: Part) -> tuple[bool, Any, str | int]:
    """One step of a path: whether it leads somewhere, the value there, and the key or index taken."""
    if isinstance(part, Where):
        if not isinstance(data, list):
            return False, None, -1
        found = [
            index
            for index, item in enumerate(data)
            if isinstance(item, dict) and part.key in item and _same(item[part.key], part.value)
        ]
        return (True, data[found[0]], found[0]) if len(found) == 1 else (False, None, -1)
    if isinstance(part, _Every):
        return False, None, -1
    if isinstance(part, int):
        if not isinstance(data, list) or part >= len(data):
            return False, None, part
    elif not isinstance(data, dict) or part not in data:
        return False, None, part
    return True, data[part], part


def _resolve(data: Any, parts: Sequence[Part]) -> tuple[bool, Any, tuple[str | int, ...]]:
    """The value at a path, and the path written with indexes only (as far as it went)."""
    concrete: list[str | int] = []
    for part in parts:
        ok, data, key = _step(data, part)
        if not ok:
            return False, None, tuple(concrete)
        concrete.append(key)
    return True, data, tuple(concrete)


def _resolve_all(data: Any, parts: Sequence[Part]) -> list[tuple[bool, Any, tuple[str | int, ...]]]:
    """Every value a path with ``[*]`` steps leads to; one that is missing (or an empty list
    under ``[*]``) is ``(False, None, where it stopped)``."""
    results: list[tuple[bool, Any, tuple[str | int, ...]]] = [(True, data, ())]
    for part in parts:
        following = []
        for ok, value, concrete in results:
            if not ok:
                following.append((ok, value, concrete))
            elif isinstance(part, _Every):
                if isinstance(value, list) and value:
                    following.extend((True, item, (*concrete, index)) for index, item in enumerate(value))
                else:
                    following.append((False, None, concrete))
            else:
                found, item, key = _step(value, part)
                following.append((found, item, (*concrete, key) if found else concrete))
        results = following
    return results


@dataclass(frozen=True)
class Default:
    """A field the API server fills in when a manifest leaves it out."""

    kinds: frozenset[str]
    path: tuple[str | None, ...]  # None: any item of a list
    value: Any = None
    same_as: str = ""  # the default is the value of this sibling field (a Service's targetPort: port)


_WORKLOADS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})
_POD_TEMPLATES = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
_PORT_PROTOCOL = ("containers", None, "ports", None, "protocol")

# From the API reference (ServiceSpec, ServicePort, DeploymentSpec, ContainerPort), all versions
# since 1.0: the API server writes these values into the object when the manifest omits them.
DEFAULTS = (
    Default(frozenset({"Service"}), ("spec", "type"), "ClusterIP"),
    Default(frozenset({"Service"}), ("spec", "ports", None, "protocol"), "TCP"),
    Default(frozenset({"Service"}), ("spec", "ports", None, "targetPort"), same_as="port"),
    Default(_WORKLOADS, ("spec", "replicas"), 1),
    Default(frozenset({"Pod"}), ("spec", *_PORT_PROTOCOL), "TCP"),
    Default(_POD_TEMPLATES, ("spec", "template", "spec", *_PORT_PROTOCOL), "TCP"),
)


def kubernetes_default(kind: str | None, path: Sequence[str | int], parent: Any) -> tuple[bool, Any]:
    """What the API server puts at ``path`` (keys and indexes) of an object of this kind when the
    field is left out of ``parent``, the mapping that would hold it: (True, value) or (False, None)."""
    if not isinstance(parent, dict):
        return False, None
    for default in DEFAULTS:
        if (
            kind in default.kinds
            and len(path) == len(default.path)
            and all(
                (isinstance(step, int) and not isinstance(step, bool)) if pattern is None else step == pattern
                for step, pattern in zip(path, default.path, strict=True)
            )
        ):
            if not default.same_as:
                return True, default.value
            if default.same_as in parent:
                return True, parent[default.same_as]
    return False, None


def _value_at(document: Document, parts: Sequence[Part]) -> tuple[bool, Any, tuple[str | int, ...], bool]:
    """``_resolve``, with a field that Kubernetes defaults read as its default when it is left out
    (the last item says so)."""
    exists, value, concrete = _resolve(document.data, parts)
    if exists or not parts or not isinstance(parts[-1], str):
        return exists, value, concrete, False
    found, parent, where = _resolve(document.data, parts[:-1])
    if found:
        known, default = kubernetes_default(document.kind, (*where, parts[-1]), parent)
        if known:
            return True, default, (*where, parts[-1]), True
    return False, None, concrete, False


def _same(given: Any, expected: Any) -> bool:
    if isinstance(given, bool) or isinstance(expected, bool):
        return isinstance(given, bool) and isinstance(expected, bool) and given == expected
    if isinstance(given, list) and isinstance(expected, list):
        return len(given) == len(expected) and all(_same(a, b) for a, b in zip(given, expected, strict=True))
    if isinstance(given, dict) and isinstance(expected, dict):
        return given.keys() == expected.keys() and all(_same(given[k], expected[k]) for k in given)
    return type(given) in (int, float, str, type(None)) and given == expected


def same_value(given: Any, expected: Any) -> bool:
    """Equal values of equal types, as the checks compare them (``"80"`` is not ``80``, nor
    ``true`` ``1``)."""
    return _same(given, expected)


def read_plain(text: str) -> Any:
    """What a text reads as, written unquoted: ``80`` a number, ``yes`` true (YAML 1.1, as
    kubectl reads it), ``web`` a text; None when it is not one plain value."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return loader.construct_document(node)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


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


type Requirement = tuple[str, str, list[Any]]  # key, operator, values


def _selector_of(document: Document) -> tuple[Any, list[Requirement]]:
    """A selector as the feedback shows it, and what it requires of labels, as the API reads it:
    a Service's plain mapping, or a label selector's ``matchLabels`` (each an ``In`` with one
    value) and ``matchExpressions``. No requirement at all: no selector."""
    spec = document.data.get("spec") if isinstance(document.data, dict) else None
    selector = spec.get("selector") if isinstance(spec, dict) else None
    if not isinstance(selector, dict) or not selector:
        return selector, []
    if document.kind == "Service" or not {"matchLabels", "matchExpressions"} & selector.keys():
        return selector, [(str(key), "In", [value]) for key, value in selector.items()]
    unreadable: Requirement = ("", "", [])  # never met
    requirements: list[Requirement] = (
        [unreadable] if set(selector) - {"matchLabels", "matchExpressions"} else []
    )
    labels = selector.get("matchLabels") or {}
    if isinstance(labels, dict):
        requirements.extend((str(key), "In", [value]) for key, value in labels.items())
    else:
        requirements.append(unreadable)
    expressions = selector.get("matchExpressions") or []
    for expression in expressions if isinstance(expressions, list) else [None]:
        if (
            isinstance(expression, dict)
            and isinstance(expression.get("key"), str)
            and isinstance(expression.get("operator"), str)
            and isinstance(expression.get("values", []), list)
        ):
            requirements.append((expression["key"], expression["operator"], expression.get("values") or []))
        else:
            requirements.append(unreadable)
    return (labels if set(selector) == {"matchLabels"} else selector), requirements


def _selects(requirements: Sequence[Requirement], labels: Mapping[str, Any]) -> bool:
    """Whether labels meet every requirement (In and NotIn need values, Exists and DoesNotExist none)."""
    for key, operator, values in requirements:
        present = key in labels
        among = present and any(_same(labels[key], value) for value in values)
        if operator == "In":
            met = bool(values) and among
        elif operator == "NotIn":
            met = bool(values) and not among
        elif operator == "Exists":
            met = not values and present
        elif operator == "DoesNotExist":
            met = not values and not present
        else:
            met = False
        if not met:
            return False
    return True


def _labels_of(document: Document) -> Any:
    data = document.data if isinstance(document.data, dict) else {}
    template = data.get("spec", {}).get("template") if isinstance(data.get("spec"), dict) else None
    source = template if isinstance(template, dict) else data
    metadata = source.get("metadata")
    return metadata.get("labels") if isinstance(metadata, dict) else None


def _ref_label(ref: int | str | None) -> str:
    return f"[{ref}]" if isinstance(ref, int) else str(ref)


def _run_selector(value: Mapping[str, Any], explain_html: str, documents: Sequence[Document]) -> CheckResult:
    target = preview(value["labels"]) if "labels" in value else _ref_label(value.get("pod"))
    label = str(SELECTOR_LABEL % {"service": _ref_label(value["service"]), "pod": target})
    service = _find_document(documents, value["service"])
    if service is None:
        return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
    shown, requirements = _selector_of(service)
    if not requirements:
        return CheckResult(
            ok=False, label=label, explain_html=explain_html, found=str(NO_SELECTOR), line=service.line
        )
    if "labels" in value:
        labels = value["labels"]
    else:
        pod = _find_document(documents, value["pod"])
        if pod is None:
            return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
        labels = _labels_of(pod)
        if not isinstance(labels, dict) or not labels:
            return CheckResult(
                ok=False, label=label, explain_html=explain_html, found=str(NO_LABELS), line=pod.line
            )
    return CheckResult(
        ok=_selects(requirements, labels), label=label, explain_html=explain_html, found=preview(shown)
    )


def _run_refers(check: Mapping[str, Any], documents: Sequence[Document]) -> CheckResult:
    value, explain_html = check["value"], check["explain_html"]
    label = f"{value['from']} → {value['to']}"
    if check["doc"] is not None:
        label = f"{_ref_label(check['doc'])} {label}"
    document = _find_document(documents, check["doc"])
    if document is None:
        return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
    sources = _resolve_all(document.data, parse_path(value["from"], every=True))
    names = [name for ok, name, _ in _resolve_all(document.data, parse_path(value["to"], every=True)) if ok]
    dangling: list[str] = []
    twice: list[str] = []
    line = None
    for ok, source, where in sources:
        matching = sum(_same(source, name) for name in names) if ok else 0
        if matching == 1:
            continue
        (twice if matching else dangling).append(preview(source) if ok else str(NOT_FOUND))
        line = line or _line_of(document, where)
    if dangling:
        found = str(NO_SUCH_NAME % {"names": ", ".join(dict.fromkeys(dangling))})
    elif twice:
        found = str(NAMED_TWICE % {"names": ", ".join(dict.fromkeys(twice))})
    else:
        found = ", ".join(dict.fromkeys(preview(source) for _ok, source, _where in sources))
    return CheckResult(
        ok=not dangling and not twice, label=label, explain_html=explain_html, found=found, line=line
    )


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
        return _run_selector(value, explain_html, documents)
    if op == "refers":
        return _run_refers(check, documents)
    parts = parse_path(check["path"])
    label = check["path"] if check["doc"] is None else f"{_ref_label(check['doc'])} {check['path']}"
    document = _find_document(documents, check["doc"])
    if document is None:
        return CheckResult(ok=False, label=label, explain_html=explain_html, found=str(NO_SUCH_DOCUMENT))
    if op in DEFAULTED_OPERATORS:
        exists, found, concrete, defaulted = _value_at(document, parts)
    else:
        (exists, found, concrete), defaulted = _resolve(document.data, parts), False
    line = _line_of(document, concrete) if exists else None
    shown = preview(found) if exists else str(NOT_FOUND)
    if defaulted:
        shown = str(DEFAULT_VALUE % {"value": shown})
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
    elif op == "image":
        reference = image_reference(found)
        ok = reference is not None and reference == image_reference(value)
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
