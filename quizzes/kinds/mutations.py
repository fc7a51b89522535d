"""Mutations and rewrites of a yaml question's model answer, to test its checks in both directions.

A grader that accepts the right answer proves little: it must also refuse each meaningful change
of it (STYLE.md, "Verdicts are tested by mutation"). From the ``solution`` of a yaml question
(``yamldoc.build_spec``) this module derives two lists of answers:

- **mutations**, which change what the answer means, so each must lose points:

  - ``value``: each scalar changed (names, images, ports, namespaces, label values, counts, the
    texts of a ConfigMap...); ``image``: each image's repository, then its tag, changed;
  - ``type``: each number written as text (``replicas: "3"``), each quoted text that YAML would
    read as something else unquoted (``"yes"`` -> ``yes``, a boolean);
  - ``drop``: each mapping key and each list item left out; ``document``: each document of a
    file that holds several;
  - ``reference``: one of the places that share a value changed alone, so that what names it
    (a context's cluster, a Service's selector, ``current-context``) names nothing;
  - ``rename``: a shared value renamed everywhere it is written, then under each key that holds
    it (both contexts' ``cluster: labo`` but not the cluster's name);
  - ``label-key``: each label key renamed, in one place and everywhere.

- **rewrites**, which keep the meaning, so each must keep full marks:

  - ``layout``: PyYAML's block layout, indented by 4, flow style, JSON; ``order``: keys sorted and
    reversed; ``quoting``: every text in double, then single quotes; ``comments``; ``markers``:
    ``---`` and ``...`` around documents (these only change the text: they read as the same data);
  - ``items``: the items of named lists (contexts, containers...) in reverse order;
  - ``default``: each field that Kubernetes defaults (``yamldoc.DEFAULTS``) left out when it holds
    its default, and written out when it is absent (``targetPort`` = ``port``, ``protocol: TCP``);
  - ``selector``: ``matchLabels`` written as ``matchExpressions`` (operator ``In``, one value);
    ``anchors``: ``matchLabels`` written as an alias of the pod template's labels;
  - ``image``: other spellings of one image (``nginx`` = ``nginx:latest`` =
    ``docker.io/library/nginx:latest``);
  - ``free``: each change of a value that the prompt leaves free (``free:`` in the spec).

Dropping a free value, or writing it with another type, is neither and is skipped. Pure: the
texts are built from the solution and graded by the caller with ``yamldoc.grade`` (``survivors``
and ``refused`` do both). ``command_mutations`` mutates the answers of a ``command`` question
word by word.
"""

from __future__ import annotations

import functools
import json
import shlex
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from quizzes.kinds import command, yamldoc

type Path = tuple[str | int, ...]

# Lists whose items are named and whose order means nothing: a kubeconfig's clusters, contexts and
# users; a pod's containers, volumes and ports. Not initContainers (they run in order) nor env (a
# variable may use the ones before it).
NAMED_LISTS = frozenset({"clusters", "contexts", "users", "containers", "volumes", "volumeMounts", "ports"})
SUFFIX = "-x"  # what a changed text ends with: `web` becomes `web-x`, still a valid name


@dataclass(frozen=True)
class Variant:
    """One answer derived from the solution: its category, what was done, and its text."""

    category: str
    description: str
    text: str


@dataclass(frozen=True)
class _Place:
    doc: int
    path: Path


@dataclass(frozen=True)
class _Change:
    category: str
    description: str
    documents: list[Any]
    places: tuple[_Place, ...]
    drop: bool = False


# --- the solution ---------------------------------------------------------------------------------


def _solution(spec: Mapping[str, Any]) -> list[yamldoc.Document]:
    text = spec.get("solution") or ""
    if not text:
        return []
    documents, refusal = yamldoc.load_documents(text)
    if refusal is not None:
        raise ValueError(f"the solution does not read: {refusal.message}")
    return documents


def _free(spec: Mapping[str, Any], documents: Sequence[yamldoc.Document]) -> list[tuple[_Place, str]]:
    out = []
    for item in spec.get("free", []):
        where = yamldoc.locate(documents, doc=item["doc"], path=item["path"])
        if where is not None:
            out.append((_Place(*where), item["reason"]))
    return out


def _free_reason(places: Sequence[_Place], free: Sequence[tuple[_Place, str]]) -> str | None:
    """Why every place is free, or None when one of them is not."""
    if not places:
        return None
    reasons = []
    for place in places:
        reason = next(
            (
                why
                for spot, why in free
                if spot.doc == place.doc and place.path[: len(spot.path)] == spot.path
            ),
            None,
        )
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(dict.fromkeys(reasons))


# --- trees ------------------------------------------------------------------------------------------


def _copy(data: Any) -> Any:
    """A deep copy that shares nothing (aliases of the solution become separate values)."""
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    return data


def _nodes(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _nodes(value, (*path, index))


def _at(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data


_DROP = object()


def _with(documents: Sequence[Any], places: Sequence[_Place], value: Any = _DROP) -> list[Any]:
    """The documents with each place set to ``value`` (or left out)."""
    out = [_copy(document) for document in documents]
    for place in sorted(places, key=lambda p: (p.doc, p.path), reverse=True):  # last items first
        parent = _at(out[place.doc], place.path[:-1])
        if value is _DROP:
            del parent[place.path[-1]]
        else:
            parent[place.path[-1]] = value
    return out


def _with_key(documents: Sequence[Any], maps: Sequence[_Place], key: str, new: str) -> list[Any]:
    """The documents with ``key`` renamed ``new`` in each mapping at ``maps`` (order kept)."""
    out = [_copy(document) for document in documents]
    for place in maps:
        mapping = _at(out[place.doc], place.path)
        renamed = {(new if k == key else k): v for k, v in mapping.items()}
        mapping.clear()
        mapping.update(renamed)
    return out


def _key_of(path: Path) -> str:
    """The name of the field a value belongs to (a list item: the list's)."""
    return next((str(step) for step in reversed(path) if isinstance(step, str)), "")


def _is_label_map(kind: str | None, path: Path) -> bool:
    return (
        path[-2:] == ("metadata", "labels")
        or path[-1:] == ("matchLabels",)
        or (kind == "Service" and path == ("spec", "selector"))
    )


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else yamldoc.preview(value)


def _split_image(text: str) -> tuple[str, str]:
    """``registry/name:tag`` -> (``registry/name``, ``tag``); no tag: ''."""
    name, colon, tag = text.rpartition(":")
    return (name, tag) if colon and "/" not in tag else (text, "")


# --- writing YAML -------------------------------------------------------------------------------


@functools.cache
def _dumper(style: str | None) -> type[yaml.SafeDumper]:
    class Dumper(yaml.SafeDumper):
        pass

    if style:
        Dumper.add_representer(
            str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)
        )
    return Dumper


def _dump(documents: Sequence[Any], *, style: str | None = None, **options: Any) -> str:
    options = {"allow_unicode": True, "sort_keys": False, "width": 10_000, **options}
    return yaml.dump_all(documents, Dumper=_dumper(style), **options)


def _reads_as(text: str, documents: Sequence[Any]) -> bool:
    read, refusal = yamldoc.load_documents(text)
    return (
        refusal is None
        and len(read) == len(documents)
        and all(yamldoc.same_value(d.data, e) for d, e in zip(read, documents, strict=True))
    )


# --- mutations ----------------------------------------------------------------------------------------


def _other_values(path: Path, value: Any) -> list[tuple[str, Any]]:
    """Other values for one scalar: (category, value)."""
    if isinstance(value, bool):
        return [("value", not value)]
    if isinstance(value, (int, float)):
        return [("value", value + 1), ("type", str(value))]
    if not isinstance(value, str):
        return []
    if _key_of(path) == "image" and yamldoc.image_reference(value) and "@" not in value:
        name, tag = _split_image(value)
        prefix, slash, last = name.rpartition("/")
        other = "nginx" if last == "httpd" else "httpd"
        return [
            ("image", f"{prefix}{slash}{other}" + (f":{tag}" if tag else "")),
            ("image", f"{name}:{'alpine' if (tag or 'latest') == 'latest' else 'latest'}"),
        ]
    out: list[tuple[str, Any]] = [("value", f"{value}{SUFFIX}")]
    unquoted = yamldoc.read_plain(value)
    if unquoted is not None and not isinstance(unquoted, (str, dict, list)):
        out.append(("type", unquoted))
    return out


def _changes(documents: Sequence[yamldoc.Document]) -> Iterator[_Change]:
    """Every change of the solution that the generator knows, meaning-changing unless it drops a
    field to its default or touches a free value (the callers sort them)."""
    data = [document.data for document in documents]
    kinds = [document.kind for document in documents]

    def where(place: _Place) -> str:
        text = yamldoc.format_path(place.path)
        if len(data) == 1:
            return text
        return f"{kinds[place.doc] or f'document {place.doc + 1}'}: {text}"

    shared: dict[str, list[_Place]] = defaultdict(list)  # a scalar (as JSON) -> where it is written
    label_keys: dict[str, list[_Place]] = defaultdict(list)  # a label key -> the maps that hold it
    for index, document in enumerate(data):
        for path, value in _nodes(document):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and path:
                shared[json.dumps(value)].append(_Place(index, path))
            if isinstance(value, dict) and _is_label_map(kinds[index], path):
                for key in value:
                    label_keys[str(key)].append(_Place(index, path))
    for index, document in enumerate(data):
        for path, value in _nodes(document):
            place = _Place(index, path)
            if path:
                yield _Change("drop", f"without {where(place)}", _with(data, [place]), (place,), drop=True)
            others = len(shared.get(json.dumps(value), ())) - 1 if not isinstance(value, (dict, list)) else 0
            for category, new in _other_values(path, value):
                description = f"{where(place)}: {_show(value)} → {_show(new)}"
                if category == "value" and others > 0 and isinstance(value, str):
                    category = "reference"
                    description += f", while {others} other place(s) keep {_show(value)}"
                yield _Change(category, description, _with(data, [place], new), (place,))
    if len(data) > 1:
        for index, kind in enumerate(kinds):
            rest = [document for number, document in enumerate(data) if number != index]
            yield _Change(
                "document",
                f"without document {index + 1} ({kind or 'no kind'})",
                rest,
                (_Place(index, ()),),
                drop=True,
            )
    for key, places in shared.items():
        value = json.loads(key)
        if len(places) < 2:
            continue
        new = f"{value}{SUFFIX}" if isinstance(value, str) else value + 1
        yield _Change(
            "rename",
            f"{_show(value)} → {_show(new)} everywhere ({len(places)} places)",
            _with(data, places, new),
            tuple(places),
        )
        by_field: dict[str, list[_Place]] = defaultdict(list)
        for place in places:
            by_field[_key_of(place.path)].append(place)
        for field, group in by_field.items():
            if 2 <= len(group) < len(places):
                yield _Change(
                    "rename",
                    f"{_show(value)} → {_show(new)} under {field} ({len(group)} places)",
                    _with(data, group, new),
                    tuple(group),
                )
    for key, maps in label_keys.items():
        new = f"{key}{SUFFIX}"
        for place in maps:
            yield _Change(
                "label-key",
                f"{where(place)}: label key {key} → {new}",
                _with_key(data, [place], key, new),
                (_Place(place.doc, (*place.path, key)),),
            )
        if len(maps) > 1:
            yield _Change(
                "label-key",
                f"label key {key} → {new} everywhere ({len(maps)} places)",
                _with_key(data, maps, key, new),
                tuple(_Place(place.doc, (*place.path, key)) for place in maps),
            )


def _defaults_to(change: _Change, documents: Sequence[yamldoc.Document]) -> Any:
    """For a change that leaves out one field: the default Kubernetes gives it, when that is the
    value left out (the change keeps the meaning); else ``_DROP``."""
    if not change.drop or len(change.places) != 1 or not change.places[0].path:
        return _DROP
    place = change.places[0]
    original = documents[place.doc]
    parent = _at(change.documents[place.doc], place.path[:-1])
    known, default = yamldoc.kubernetes_default(original.kind, place.path, parent)
    if known and yamldoc.same_value(default, _at(original.data, place.path)):
        return default
    return _DROP


def mutations(spec: Mapping[str, Any]) -> list[Variant]:
    """The meaning-changing variants of the solution (none without a solution)."""
    documents = _solution(spec)
    free = _free(spec, documents)
    out = []
    for change in _changes(documents):
        if _free_reason(change.places, free) is not None or _defaults_to(change, documents) is not _DROP:
            continue
        out.append(Variant(change.category, change.description, _dump(change.documents)))
    return out


# --- rewrites ---------------------------------------------------------------------------------------


def _reversed_keys(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _reversed_keys(data[key]) for key in reversed(list(data))}
    if isinstance(data, list):
        return [_reversed_keys(item) for item in data]
    return data


def _reversed_named(data: Any, key: str = "") -> Any:
    if isinstance(data, dict):
        return {k: _reversed_named(v, str(k)) for k, v in data.items()}
    if isinstance(data, list):
        items = [_reversed_named(item) for item in data]
        named = len(items) > 1 and all(isinstance(item, dict) and "name" in item for item in items)
        return items[::-1] if named and key in NAMED_LISTS else items
    return data


def _commented(text: str) -> str:
    lines = [
        f"{line}  # commentaire" if line.strip() and line not in ("---", "...") else line
        for line in text.split("\n")
    ]
    return "# Réponse commentée\n" + "\n".join(lines)


def _layouts(solution: str, data: list[Any]) -> list[Variant]:
    """The same documents written otherwise; a text that would not read back the same is left out."""
    block = _dump(data)
    candidates = [
        ("layout", "PyYAML's block layout", block),
        ("layout", "indented by 4 spaces", _dump(data, indent=4)),
        ("layout", "flow style ({...} and [...])", _dump(data, default_flow_style=True)),
        ("layout", "JSON", "\n---\n".join(json.dumps(d, ensure_ascii=False, indent=2) for d in data)),
        ("order", "keys in alphabetical order", _dump(data, sort_keys=True)),
        ("order", "keys in reverse order", _dump([_reversed_keys(d) for d in data])),
        ("quoting", "every text in double quotes", _dump(data, style='"')),
        ("quoting", "every text in single quotes", _dump(data, style="'")),
        ("comments", "a comment on every line", _commented(block)),
        (
            "markers",
            "every document between --- and ...",
            _dump(data, explicit_start=True, explicit_end=True),
        ),
        ("markers", "a --- before the answer and an empty document after it", f"---\n{solution}\n---\n"),
    ]
    return [Variant(*candidate) for candidate in candidates if _reads_as(candidate[2], data)]


def _expand(data: Any, pattern: Sequence[str | None], prefix: Path = ()) -> Iterator[Path]:
    """The concrete paths a pattern of ``yamldoc.DEFAULTS`` (None: any list item) has in data."""
    if not pattern:
        yield prefix
        return
    step, rest = pattern[0], pattern[1:]
    if step is None:
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from _expand(item, rest, (*prefix, index))
    elif isinstance(data, dict) and step in data:
        yield from _expand(data[step], rest, (*prefix, step))


def rewrites(spec: Mapping[str, Any]) -> list[Variant]:
    """The meaning-preserving variants of the solution (none without a solution)."""
    documents = _solution(spec)
    if not documents:
        return []
    data = [document.data for document in documents]
    free = _free(spec, documents)
    out = _layouts(spec["solution"], data)
    named = [_reversed_named(d) for d in data]
    if not all(yamldoc.same_value(a, b) for a, b in zip(named, data, strict=True)):
        out.append(Variant("items", "the items of named lists in reverse order", _dump(named)))
    for change in _changes(documents):
        default = _defaults_to(change, documents)
        # A free value may change, not leave the answer nor change type (the schema may need it).
        reason = None if change.drop or change.category == "type" else _free_reason(change.places, free)
        if default is not _DROP:
            out.append(
                Variant(
                    "default",
                    f"{change.description}, its default ({_show(default)})",
                    _dump(change.documents),
                )
            )
        elif reason is not None:
            out.append(Variant("free", f"{change.description} (free: {reason})", _dump(change.documents)))
    for index, document in enumerate(documents):
        prefix = f"{document.kind}: " if len(documents) > 1 else ""
        for default in yamldoc.DEFAULTS:
            if document.kind not in default.kinds:
                continue
            for parent_path in _expand(document.data, default.path[:-1]):
                parent, key = _at(document.data, parent_path), default.path[-1]
                if not isinstance(parent, dict) or key in parent:
                    continue
                known, value = yamldoc.kubernetes_default(document.kind, (*parent_path, key), parent)
                if known:
                    place = _Place(index, (*parent_path, key))
                    description = f"{prefix}{yamldoc.format_path(place.path)}: {_show(value)} written out"
                    out.append(
                        Variant("default", f"{description} (its default)", _dump(_with(data, [place], value)))
                    )
        out.extend(_selector_rewrites(data, index, document.kind, prefix))
        for path, value in _nodes(document.data):
            if _key_of(path) == "image" and isinstance(value, str) and yamldoc.image_reference(value):
                for text, how in _image_spellings(value):
                    out.append(
                        Variant(
                            "image",
                            f"{prefix}{yamldoc.format_path(path)}: {_show(value)} → {_show(text)} ({how})",
                            _dump(_with(data, [_Place(index, path)], text)),
                        )
                    )
    return out


def _selector_rewrites(data: list[Any], index: int, kind: str | None, prefix: str) -> list[Variant]:
    spec = data[index].get("spec") if isinstance(data[index], dict) else None
    selector = spec.get("selector") if isinstance(spec, dict) else None
    labels = selector.get("matchLabels") if isinstance(selector, dict) else None
    if kind == "Service" or not isinstance(labels, dict) or not labels:
        return []
    changed = _copy(data)
    written = changed[index]["spec"]["selector"]
    expressions = [
        {"key": key, "operator": "In", "values": [value]} for key, value in written.pop("matchLabels").items()
    ]
    written["matchExpressions"] = [*expressions, *(written.get("matchExpressions") or [])]
    description = f"{prefix}spec.selector: matchLabels written as matchExpressions (In, one value each)"
    out = [Variant("selector", description, _dump(changed))]
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    if isinstance(metadata, dict) and yamldoc.same_value(metadata.get("labels"), labels):
        shared = _copy(data)
        shared_spec = shared[index]["spec"]
        shared_spec["selector"]["matchLabels"] = shared_spec["template"]["metadata"]["labels"]  # one object
        description = (
            f"{prefix}spec.selector.matchLabels: the pod's labels through an anchor (&) and alias (*)"
        )
        out.append(Variant("anchors", description, _dump(shared)))
    return out


def _image_spellings(text: str) -> list[tuple[str, str]]:
    """Other ways to write one image, each with how it differs."""
    if "@" in text:
        return []
    name, tag = _split_image(text)
    first = name.split("/", 1)[0]
    out = []
    if not tag:
        out.append((f"{text}:latest", "the implied tag written out"))
    elif tag == "latest":
        out.append((name, "without the tag latest, which is implied"))
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        full = f"docker.io/{'' if '/' in name else 'library/'}{text}"
        out.append((full, "with the registry and namespace written out"))
    return [
        (other, how) for other, how in out if yamldoc.image_reference(other) == yamldoc.image_reference(text)
    ]


# --- command questions ------------------------------------------------------------------------------


def command_mutations(spec: Mapping[str, Any]) -> list[Variant]:
    """Word by word mutations of each accepted answer of a ``command`` question: each word after the
    program left out (``drop``), then changed (``value``: ``x`` appended). The value of a flag the
    question leaves free (``any_value``) is left alone. Each should fail, unless what remains is
    another spelling of the same command, which the caller knows."""
    free = set(spec.get("any_value", []))
    out = []
    for answer in spec["answers"]:
        words = command.split_command(answer)
        for index in range(1, len(words)):
            word = words[index]
            if words[index - 1] in free or ("=" in word and word.split("=", 1)[0] in free):
                continue
            for category, new, description in (
                ("drop", [], f"{answer}: without {word}"),
                ("value", [f"{word}x"], f"{answer}: {word} → {word}x"),
            ):
                text = shlex.join([*words[:index], *new, *words[index + 1 :]])
                out.append(Variant(category, description, text))
    return out


# --- grading them -----------------------------------------------------------------------------------


def _score(spec: Mapping[str, Any], text: str) -> float:
    return yamldoc.grade(spec=spec, response={"yaml": text}).score


def solution_misses(spec: Mapping[str, Any]) -> list[str]:
    """What the solution fails (check labels, schema errors); empty when it earns every point."""
    analysis = yamldoc.analyse(spec=spec, text=spec["solution"])
    if analysis.refusal is not None:
        return [analysis.refusal.message]
    return [f"{finding.path}: {finding.message}" for finding in analysis.schema] + [
        check.label for check in analysis.checks if not check.ok
    ]


def survivors(spec: Mapping[str, Any]) -> list[Variant]:
    """The mutations that still earn full marks: each shows a check that is missing."""
    return [variant for variant in mutations(spec) if _score(spec, variant.text) >= 1.0]


def refused(spec: Mapping[str, Any]) -> list[Variant]:
    """The rewrites that lose points: each shows a check that is too strict."""
    return [variant for variant in rewrites(spec) if _score(spec, variant.text) < 1.0]
