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
and ``refused`` do both).

The same for the other hands-on kinds: ``command_mutations`` and ``command_rewrites`` change the
accepted answers of a ``command`` question (graded by ``command_survivors`` and
``command_refused``); ``cloze_mutations`` and ``cloze_rewrites`` change one blank of a ``cloze``
question at a time (``cloze_survivors``, ``cloze_refused``).
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from course import yamlio
from quizzes.kinds import cloze, command, resource_names, yamldoc

type Path = tuple[str | int, ...]

# Lists whose items are named and whose order means nothing: a kubeconfig's clusters, contexts and
# users; a pod's containers, volumes and ports. Not initContainers (they run in order) nor env (a
# variable may use the ones before it).
NAMED_LISTS = frozenset({"clusters", "contexts", "users", "containers", "volumes", "volumeMounts", "ports"})
SUFFIX = "-x"  # what a changed text ends with: `web` becomes `web-x`, still a valid name


@dataclass(frozen=True)
class Variant:
    """One answer derived from the solution: its category, what was done, and its text;
    ``drops_verb`` for a command left without one of the words that name its command (``image``
    of ``docker image history``)."""

    category: str
    description: str
    text: str
    drops_verb: bool = False


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


def _other_image(text: str) -> str:
    """Another image, in the same registry and namespace with the same tag: ``httpd`` for
    ``nginx``, ``nginx`` for any other name (``docker.io/library/nginx:1.27`` ->
    ``docker.io/library/httpd:1.27``)."""
    name, tag = _split_image(text)
    prefix, slash, last = name.rpartition("/")
    return f"{prefix}{slash}{'nginx' if last == 'httpd' else 'httpd'}" + (f":{tag}" if tag else "")


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
        return [
            ("image", _other_image(value)),
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

# A command read into items, as the CLI reads it: (role, words, flag, value). Roles: ``program``,
# ``verb`` (a command word), ``flag`` (one flag with its value; bundled short flags are split),
# ``arg`` (a positional). ``value`` is None for a boolean flag given alone.
type _Item = tuple[str, tuple[str, ...], command.Flag | None, str | None]

# Resource types a "swap" mutation puts instead of the answer's: the first one that differs.
_OTHER_TYPES = ("pods", "services", "deployments")
_OTHER_OUTPUTS = {"yaml": "json", "json": "yaml"}


def _command_items(answer: str) -> tuple[list[_Item], command.Parsed]:
    """The items of an accepted answer, and the answer parsed (its ``node`` is set)."""
    words = command.split_command(answer)
    parsed = command.parse_words(words)
    if parsed.problems or parsed.node is None:
        raise ValueError(f"{answer!r} does not parse")
    node = parsed.node
    root = command.PROGRAMS[parsed.program]
    end = parsed.program_span[1]
    items: list[_Item] = [("program", tuple(words[:end]), None, None)]
    last_verb = max(parsed.verb_indexes, default=-1)
    flags_end = False
    index = end
    while index < len(words):
        word = words[index]
        if index in parsed.verb_indexes:
            items.append(("verb", (word,), None, None))
            index += 1
            continue
        table = node.table if index > last_verb else root.table
        if word == "--":
            flags_end = True
        if flags_end or not word.startswith("-") or len(word) == 1:
            items.append(("arg", (word,), None, None))
            flags_end = flags_end or (index > last_verb and not node.interspersed)
            index += 1
            continue
        index = _read_flag(words, index, table, items)
    return items, parsed


def _read_flag(words: Sequence[str], index: int, table: command.FlagTable, items: list[_Item]) -> int:
    word = words[index]
    if word.startswith("--"):
        name, eq, value = word[2:].partition("=")
        flag = table.longs[name]
        if eq or flag.mode != "value":
            items.append(("flag", (word,), flag, value if eq else None))
            return index + 1
        items.append(("flag", (word, words[index + 1]), flag, words[index + 1]))
        return index + 2
    body = word[1:]
    for position, letter in enumerate(body):
        flag = table.shorts[letter]
        rest = body[position + 1 :]
        if flag.mode == "value":
            if rest:
                value = rest.removeprefix("=")
                items.append(("flag", (f"-{letter}{rest}",), flag, value))
                return index + 1
            items.append(("flag", (f"-{letter}", words[index + 1]), flag, words[index + 1]))
            return index + 2
        if rest.startswith("="):
            items.append(("flag", (f"-{letter}{rest}",), flag, rest[1:]))
            return index + 1
        items.append(("flag", (f"-{letter}",), flag, None))
    return index + 1


def _join(items: Sequence[_Item]) -> str:
    return shlex.join([word for _role, words, _flag, _value in items for word in words])


def _flag_forms(flag: command.Flag, value: str | None) -> list[tuple[str, ...]]:
    """Every spelling of one flag with one value (None: a boolean given alone)."""
    if flag.mode == "value":
        forms = [(f"--{flag.long}", value), (f"--{flag.long}={value}",)]
        if flag.short:
            forms += [(f"-{flag.short}", value), (f"-{flag.short}{value}",), (f"-{flag.short}={value}",)]
        return forms
    if value is None or value == flag.bare:
        forms = [(f"--{flag.long}",), (f"--{flag.long}={flag.bare}",)]
        if flag.short and flag.mode == "bool":
            forms += [(f"-{flag.short}",), (f"-{flag.short}=true",)]
        return forms
    return [(f"--{flag.long}={value}",)]


def _verb_spellings(node: command.Node) -> list[tuple[str, ...]]:
    """Every path of command words from the program to ``node`` (aliases, docker's legacy verbs)."""
    out: list[tuple[str, ...]] = []
    todo: list[tuple[command.Node, tuple[str, ...]]] = [(command.PROGRAMS[node.program], ())]
    while todo:
        here, path = todo.pop()
        if here is node:
            out.append(path)
        if len(path) < 3:
            todo.extend((child, (*path, name)) for name, child in here.children.items())
    return sorted(out, key=lambda p: (len(p), p))


def _type_names(token: str, *, explain: bool = False) -> list[str]:
    """Other names kubectl reads as the same resource type."""
    found = resource_names.lookup(token)
    if found is None or not found.api or found.category:
        return []
    names = list(found.names)
    if not explain:
        names.append(found.kind)
        if found.group:
            names += [f"{found.plural}.{found.group}", f"{found.singular}.{found.version}.{found.group}"]
    return [name for name in dict.fromkeys(names) if name != token]


def _other_type(token: str) -> str:
    canonical = resource_names.canonical_resource(token)
    return next(t for t in _OTHER_TYPES if t != canonical and t != token)


def _resource_span(node: command.Node, items: Sequence[_Item]) -> list[int]:
    """The indexes of the arguments that name resources (``type``, ``type name``, ``type/name``)."""
    args = [index for index, item in enumerate(items) if item[0] == "arg" and item[1] != ("--",)]
    if node.args == "res":
        return args
    if node.args == "res+":
        span = []
        for index in args:
            word = items[index][1][0]
            if "=" in word or word.endswith("-"):
                break
            span.append(index)
        return span
    return []


def _with_args(items: Sequence[_Item], span: Sequence[int], words: Sequence[str]) -> list[_Item]:
    """The items with the arguments at ``span`` replaced by ``words``."""
    out = [item for index, item in enumerate(items) if index not in span[1:]]
    at = span[0] if span else len(out)
    return [*out[:at], *(("arg", (word,), None, None) for word in words), *out[at + (1 if span else 0) :]]


def _resource_rewrites(node: command.Node, items: list[_Item]) -> Iterator[tuple[str, str, list[_Item]]]:
    span = _resource_span(node, items)
    words = [items[index][1][0] for index in span]
    if words and all("/" in word for word in words):
        pairs = [word.partition("/")[::2] for word in words]
        for kind, _name in pairs[:1]:
            for other in _type_names(kind):
                new = [f"{other if k == kind else k}/{n}" for k, n in pairs]
                yield "resource", f"{kind} written {other}", _with_args(items, span, new)
        if len({k for k, _n in pairs}) == 1:
            new = [pairs[0][0], *(n for _k, n in pairs)]
            yield "resource", "TYPE/NAME written TYPE NAME", _with_args(items, span, new)
    elif words:
        kinds = words[0].split(",")
        for kind in kinds:
            for other in _type_names(kind):
                new = [",".join(other if k == kind else k for k in kinds), *words[1:]]
                yield "resource", f"{kind} written {other}", _with_args(items, span, new)
        if len(kinds) > 1:
            yield (
                "resource",
                "types in reverse order",
                _with_args(items, span, [",".join(kinds[::-1]), *words[1:]]),
            )
        elif len(words) > 1:
            new = [f"{kinds[0]}/{name}" for name in words[1:]]
            yield "resource", "TYPE NAME written TYPE/NAME", _with_args(items, span, new)
    args = [index for index, item in enumerate(items) if item[0] == "arg"]
    if node.args == "pod" and args:
        first = items[args[0]][1][0]
        kind, slash, name = first.rpartition("/")
        pod = resource_names.canonical_resource(kind) == "pods"
        spellings = ["pods", "pod", "po"] if not slash else [*_type_names(kind), *([""] if pod else [])]
        for other in spellings:
            new = f"{other}/{name}" if other else name
            yield "resource", f"{first} written {new}", _with_args(items, args[:1], [new])
    if node.args == "explain" and args:
        kind, dot, path = items[args[0]][1][0].partition(".")
        for other in _type_names(kind, explain=True):
            yield "resource", f"{kind} written {other}", _with_args(items, args[:1], [other + dot + path])


def _image_args(node: command.Node, items: Sequence[_Item]) -> list[int]:
    args = [index for index, item in enumerate(items) if item[0] == "arg"]
    if node.args == "image":
        return args[:1]
    if node.args == "images":
        return args
    if node.args == "commit":
        return args[1:2]
    return []


def _reordered(items: Sequence[_Item], node: command.Node, program: str) -> Iterator[tuple[str, list[_Item]]]:
    """The flags moved elsewhere, where the CLI reads them the same."""
    flags = [item for item in items if item[0] == "flag"]
    if not flags:
        return
    verb_end = max(index for index, item in enumerate(items) if item[0] in ("program", "verb")) + 1
    before = [item for item in items[:verb_end] if item[0] == "flag"]
    head = [item for item in items[:verb_end] if item[0] != "flag"]
    after = [item for item in items[verb_end:] if item[0] == "flag"]
    args = [item for item in items[verb_end:] if item[0] != "flag"]
    if program == "kubectl":
        # Every flag after the command words (a global one too), in reverse order.
        yield "flags after the command words, in reverse order", [*head, *(before + after)[::-1], *args]
        if node.interspersed and args and "--" not in [a[1][0] for a in args]:
            yield "flags at the end", [*head, *args, *before, *after]
        root = command.PROGRAMS[program].table
        movable = [item for item in after if root.longs.get(item[2].long) is item[2]]
        if movable and len(movable) == len(after):
            program_item, verbs = head[0], head[1:]
            yield "global flags before the command", [program_item, *before, *movable, *verbs, *args]
    elif after:
        yield "the command's flags in reverse order", [*items[:verb_end], *after[::-1], *args]
        if node.interspersed and args:
            yield "the command's flags at the end", [*items[:verb_end], *args, *after]


def _bundled(items: Sequence[_Item]) -> Iterator[tuple[str, list[_Item]]]:
    """Short boolean flags given alone, bundled in one word (``-i -t`` -> ``-it``, ``-ti``)."""
    verb_end = max(index for index, item in enumerate(items) if item[0] in ("program", "verb")) + 1
    bools = [
        index
        for index, (role, words, flag, value) in enumerate(items)
        if index >= verb_end
        and role == "flag"
        and flag
        and flag.mode == "bool"
        and flag.short
        and value is None
    ]
    if len(bools) < 2:
        return
    letters = "".join(items[index][2].short for index in bools)
    for word in (f"-{letters}", f"-{letters[::-1]}"):
        rest = [item for index, item in enumerate(items) if index not in bools[1:]]
        at = bools[0]
        yield f"short flags bundled {word}", [*rest[:at], ("flag", (word,), None, None), *rest[at + 1 :]]


def command_rewrites(spec: Mapping[str, Any]) -> list[Variant]:
    """Other spellings of each accepted answer of a ``command`` question, which the CLI reads as the
    same command, so each must keep full marks: ``flag`` (long or short name, ``--f=v`` or ``--f v``,
    ``-nv``, ``--bool=true``, bundled short flags apart), ``order`` (flags moved, kubectl's global
    flags before the command), ``resource`` (any name of the type, ``type/name`` or ``type name``,
    the types of a list in another order), ``image`` (``nginx:latest`` = ``nginx``), ``verb``
    (aliases, docker's legacy verbs) and ``program`` (``k``, a path to the binary)."""
    return [variant for answer in spec["answers"] for variant in _answer_rewrites(answer)]


def _answer_rewrites(answer: str) -> list[Variant]:
    out: list[Variant] = []
    items, parsed = _command_items(answer)
    node = parsed.node
    seen = {answer}

    def add(category: str, what: str, new: Sequence[_Item]) -> None:
        text = _join(new)
        if text not in seen:
            seen.add(text)
            out.append(Variant(category, f"{answer}: {what}", text))

    program = parsed.program
    add("flag", "each flag in its own word (bundled short flags apart)", items)
    for index, (role, words, flag, value) in enumerate(items):
        if role != "flag" or flag is None:
            continue
        for form in _flag_forms(flag, value):
            add(
                "flag",
                f"{' '.join(words)} written {' '.join(form)}",
                [*items[:index], (role, form, flag, value), *items[index + 1 :]],
            )
        if flag.image and value is not None:
            for other, how in _image_spellings(value):
                form = (words[0], other) if len(words) == 2 else (f"{words[0].partition('=')[0]}={other}",)
                add(
                    "image",
                    f"{value} written {other} ({how})",
                    [*items[:index], (role, form, flag, other), *items[index + 1 :]],
                )
    for what, new in _bundled(items):
        add("flag", what, new)
    for what, new in _reordered(items, node, program):
        add("order", what, new)
    for category, what, new in _resource_rewrites(node, items):
        add(category, what, new)
    for index in _image_args(node, items):
        value = items[index][1][0]
        for other, how in _image_spellings(value):
            add("image", f"{value} written {other} ({how})", _with_args(items, [index], [other]))
    verbs = [index for index, item in enumerate(items) if item[0] == "verb"]
    written = tuple(items[index][1][0] for index in verbs)
    for path in _verb_spellings(node):
        if path != written:
            new = [item for index, item in enumerate(items) if index not in verbs[1:]]
            at = verbs[0]
            new = [*new[:at], *(("verb", (w,), None, None) for w in path), *new[at + 1 :]]
            add("verb", f"{' '.join(written)} written {' '.join(path)}", new)
    variables, binary = items[0][1][: parsed.program_span[0]], items[0][1][-1]
    for other in [f"/usr/local/bin/{binary}"] + (["k"] if program == "kubectl" else []):
        new = [("program", (*variables, other), None, None), *items[1:]]
        add("program", f"{binary} written {other}", new)
    return out


def command_mutations(spec: Mapping[str, Any]) -> list[Variant]:
    """Mutations of each accepted answer of a ``command`` question, each another command: word by
    word, each word after the program's name and each variable set before it left out (``drop``),
    then changed (``value``: ``x`` appended); then, flag by flag, each flag left out with its
    value (``flag-drop``) and given another value of the same kind (``flag-value``: another
    image, number, output format...); the resource type swapped for another (``resource-type``);
    the namespace changed, or ``-A`` written ``-n default`` (``namespace``). The value of a flag
    the question leaves free (``any_value``) is left alone. Each should fail, unless what remains
    is another spelling of the same command, which the caller knows."""
    free = set(spec.get("any_value", []))
    out = []
    for answer in spec["answers"]:
        words = command.split_command(answer)
        parsed = command.parse_words(words)
        start, end = parsed.program_span
        variables = [index for index in range(start) if "=" in words[index]]  # not ``env``
        for index in [*variables, *range(end, len(words))]:
            word = words[index]
            if (index and words[index - 1] in free) or ("=" in word and word.split("=", 1)[0] in free):
                continue
            verb = index in parsed.verb_indexes
            for category, new, description, drops_verb in (
                ("drop", [], f"{answer}: without {word}", verb),
                ("value", [f"{word}x"], f"{answer}: {word} → {word}x", False),
            ):
                text = shlex.join([*words[:index], *new, *words[index + 1 :]])
                out.append(Variant(category, description, text, drops_verb))
        out.extend(_structured_mutations(answer, free))
    return out


def _is_free(flag: command.Flag, free: set[str]) -> bool:
    return f"--{flag.long}" in free or (bool(flag.short) and f"-{flag.short}" in free)


def _other_flag_value(flag: command.Flag, value: str) -> str:
    if flag.image:
        return _other_image(value)
    if flag.long == "namespace":
        return "kube-system" if value == "default" else "default"
    if flag.long == "output":
        return _OTHER_OUTPUTS.get(value, "yaml")
    if value.lstrip("-").isdigit():
        return str(int(value) + 1)
    if value in ("true", "false"):
        return "false" if value == "true" else "true"
    return f"{value}{SUFFIX}"


def _structured_mutations(answer: str, free: set[str]) -> Iterator[Variant]:
    items, parsed = _command_items(answer)
    node = parsed.node
    for index, (role, words, flag, value) in enumerate(items):
        if role != "flag" or flag is None:
            continue
        rest = [*items[:index], *items[index + 1 :]]
        shown = " ".join(words)
        yield Variant("flag-drop", f"{answer}: without {shown}", _join(rest))
        if _is_free(flag, free):
            continue
        if flag.mode == "bool":
            new_value = "false" if value in (None, "true") else "true"
        else:
            new_value = _other_flag_value(flag, value or flag.bare)
        form = (f"--{flag.long}={new_value}",)
        category = "namespace" if flag.long == "namespace" else "flag-value"
        changed = [*items[:index], ("flag", form, flag, new_value), *items[index + 1 :]]
        yield Variant(category, f"{answer}: {shown} → {form[0]}", _join(changed))
        if flag.long == "all-namespaces" and "namespace" in node.table.longs:
            changed = [*items[:index], ("flag", ("-n", "default"), None, "default"), *items[index + 1 :]]
            yield Variant("namespace", f"{answer}: {shown} → -n default", _join(changed))
        if flag.long == "namespace" and "all-namespaces" in node.table.longs:
            changed = [*items[:index], ("flag", ("-A",), None, None), *items[index + 1 :]]
            yield Variant("namespace", f"{answer}: {shown} → -A", _join(changed))
    span = _resource_span(node, items)
    args = [index for index, item in enumerate(items) if item[0] == "arg"]
    if span:
        first = items[span[0]][1][0]
        kind, slash, name = first.partition("/")
        kinds = kind.split(",")
        other = _other_type(kinds[0])
        new = f"{other}/{name}" if slash else ",".join([other, *kinds[1:]])
        yield Variant(
            "resource-type", f"{answer}: {kinds[0]} → {other}", _join(_with_args(items, span[:1], [new]))
        )
    elif node.args == "explain" and args:
        kind, dot, path = items[args[0]][1][0].partition(".")
        other = _other_type(kind)
        yield Variant(
            "resource-type",
            f"{answer}: {kind} → {other}",
            _join(_with_args(items, args[:1], [other + dot + path])),
        )


# --- cloze questions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlankVariant:
    """One value for one blank of a cloze question (0-based), the others holding their first answer."""

    category: str
    description: str
    blank: int
    value: str


def cloze_response(spec: Mapping[str, Any], variant: BlankVariant) -> dict:
    values = cloze.first_answers(spec)
    values[variant.blank] = variant.value
    return {"blanks": values}


_PUNCTUATION = {":": "=", ",": ";", "=": ":", ";": ",", "---": "...", "-": "_", ".": ","}


def _blank_changes(answer: str) -> Iterator[tuple[str, str]]:
    """Other values of the same shape as ``answer``: (category, value)."""
    yield "empty", ""
    words = answer.split()
    if re.fullmatch(r"-?\d+", answer):
        yield "value", str(int(answer) + 1)
    elif re.fullmatch(r"[a-z0-9][a-z0-9./_-]*:[\w.-]+", answer) and yamldoc.image_reference(answer):
        yield "value", _other_image(answer)
    elif any(char.isalnum() for char in answer):
        yield "value", f"{answer}x"
        if answer.isalpha():
            yield "value", answer[:-1] if answer.endswith("s") else f"{answer}s"
            yield "case", answer.swapcase() if answer.isupper() else answer[0].swapcase() + answer[1:]
        if answer.startswith("--"):
            yield "value", answer[1:]
    else:
        yield "value", _PUNCTUATION.get(answer, answer + answer[-1])
    if len(words) > 1:
        for index in range(len(words)):
            yield "drop", " ".join(words[:index] + words[index + 1 :])
        yield "order", " ".join(words[::-1])


def _reads(language: str, text: str) -> Any:
    """The data of a YAML or JSON text, with the plain loaders (None when it does not read)."""
    try:
        if language == "json":
            return ("json", json.loads(text))
        return ("yaml", yamlio.safe_load_all(text))
    except (ValueError, yaml.YAMLError):
        return None


def _same_data(a: Any, b: Any) -> bool:
    return (
        a is not None
        and b is not None
        and json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    )


def _quoted(spec: Mapping[str, Any], index: int, answer: str) -> Iterator[tuple[bool, str, str]]:
    """The answer quoted as the language quotes: (reads the same, value, how)."""
    language = spec["language"]
    if language == "bash":
        quoted = " ".join(f"'{word}'" for word in answer.split())
        yield True, quoted, "each word in single quotes"
        return
    if language not in ("yaml", "json"):
        return
    values = cloze.first_answers(spec)
    values[index] = answer
    expected = _reads(language, cloze.filled(spec, values))
    for quote in ('"', "'") if language == "yaml" else ('"',):
        values[index] = f"{quote}{answer}{quote}"
        yield _same_data(_reads(language, cloze.filled(spec, values)), expected), values[index], "quoted"


def cloze_mutations(spec: Mapping[str, Any]) -> list[BlankVariant]:
    """Meaning-changing values of each blank of a ``cloze`` question, each to lose its point: left
    empty (``empty``); another name, number, image, flag, another punctuation (``value``); a word
    left out or the words in reverse order (``drop``, ``order``); the case changed where the tool
    reads case (``case``: YAML keys and kinds, commands; not a Dockerfile instruction); quoted
    where the quotes change what the tool reads (``quoting``: ``80`` -> ``"80"``, a string).
    Values that are another accepted answer of the blank are left out."""
    out = []
    for index, blank in enumerate(spec["blanks"]):
        instruction = cloze.is_instruction(spec, index)
        fold = instruction  # the tool's reading, not the bank's ignore_case
        accepted = {cloze.normalise(a, ignore_case=fold) for a in blank["answers"]}
        seen = set(accepted)
        for answer in blank["answers"]:
            changes = list(_blank_changes(answer))
            changes += [("quoting", value) for same, value, _how in _quoted(spec, index, answer) if not same]
            for category, value in changes:
                if category == "case" and instruction:
                    continue
                key = cloze.normalise(value, ignore_case=fold) if value else ""
                if key in seen:
                    continue
                seen.add(key)
                description = f"blank {index + 1}: {answer!r} → {value!r}"
                out.append(BlankVariant(category, description, index, value))
    return out


def cloze_rewrites(spec: Mapping[str, Any]) -> list[BlankVariant]:
    """Values of each blank that the tool reads as its answer, each to keep its point: spaces
    around and doubled inside (``spaces``); a Dockerfile instruction in lower and title case
    (``case``); quoted where the language reads the same (``quoting``: YAML ``"Config"`` and
    ``'Config'``, JSON strings, shell words in quotes)."""
    out = []
    for index, blank in enumerate(spec["blanks"]):
        for answer in blank["answers"]:
            values = [("spaces", f"  {answer} ", "spaces around")]
            if " " in answer:
                values.append(("spaces", answer.replace(" ", "   "), "spaces doubled inside"))
            if cloze.is_instruction(spec, index):
                values += [("case", answer.lower(), "lower case"), ("case", answer.title(), "title case")]
            values += [("quoting", value, how) for same, value, how in _quoted(spec, index, answer) if same]
            for category, value, how in values:
                description = f"blank {index + 1}: {answer!r} written {value!r} ({how})"
                out.append(BlankVariant(category, description, index, value))
    return out


def cloze_survivors(spec: Mapping[str, Any]) -> list[BlankVariant]:
    """The cloze mutations that still earn the blank's point: each shows an answer too loose."""
    return [
        v
        for v in cloze_mutations(spec)
        if cloze.grade(spec=spec, response=cloze_response(spec, v)).score >= 1.0
    ]


def cloze_refused(spec: Mapping[str, Any]) -> list[BlankVariant]:
    """The cloze rewrites that lose the blank's point: each shows an answer too strict."""
    return [
        v
        for v in cloze_rewrites(spec)
        if cloze.grade(spec=spec, response=cloze_response(spec, v)).score < 1.0
    ]


def command_survivors(spec: Mapping[str, Any]) -> list[Variant]:
    """The command mutations that still earn the point, but for another spelling of the same
    command (a word left out that leaves it: ``docker image history`` -> ``docker history``)."""
    spellings = {_parses_to(answer) for answer in spec["answers"]}
    return [
        v
        for v in command_mutations(spec)
        if command.grade(spec=spec, response={"command": v.text}).score > 0
        and not (v.drops_verb and _parses_to(v.text) in spellings)
    ]


def _parses_to(text: str) -> tuple | None:
    try:
        parsed = command.parse_command(text)
    except command.InvalidResponse:
        return None
    return parsed.key


def command_refused(spec: Mapping[str, Any]) -> list[Variant]:
    """The command rewrites that lose the point: each shows a grader too strict."""
    return [
        v
        for v in command_rewrites(spec)
        if command.grade(spec=spec, response={"command": v.text}).score < 1.0
    ]


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
