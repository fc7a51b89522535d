"""Reading YAML files that people edit, so that every problem can name its line.

`load_text` parses with PyYAML's safe loader only; mappings come back as `LineDict`,
a dict that remembers the line of the mapping and of each of its keys. Duplicate keys, which
PyYAML would silently overwrite, are reported as problems.

Every YAML text a person sends (bank files, the admin's YAML fields, students' answers) is read
under one set of bounds, checked on the composed node tree before any Python object is built:
nesting at most `MAX_DEPTH` deep, and anchors and aliases (``&a``/``*a``) that add at most
`MAX_ALIAS_EXPANSION` nodes and scalar characters once expanded, beyond what the text measures
as written (its own size is not bounded here). A 590-byte "billion laughs" file once grew a web
worker to 3 GB, and a 10,000-level nested file raised RecursionError: both are now refused
with their line and column. `check_node` is the bound; `SafeLoader` applies it while composing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _

from course.yamlerrors import yaml_error_message, yaml_error_position

# Kubernetes objects nest about 10 deep (a CRD's schema about 30), a bank question 6.
MAX_DEPTH = 50
# What anchors and aliases (``&a``/``*a``) may add, counted as nodes + scalar characters: they
# cost nothing as text but everything once read (9 nested levels of 10 aliases are 10^9 nodes).
# A text as written measures about its length (the largest bank file, 80 KB, measures 67,000);
# its aliases may add at most this much to it, whatever the text is.
MAX_ALIAS_EXPANSION = 100_000
TOO_DEEP = _("Line %(line)s, column %(column)s: this YAML is nested more than %(limit)s levels deep.")
ALIASES_TOO_LARGE = _(
    "Line %(line)s, column %(column)s: the anchors and aliases (& and *) add more than %(limit)s "
    "nodes and characters once expanded: write the values out in full."
)
ALIAS_LOOP = _("Line %(line)s, column %(column)s: this alias refers to itself: write the value out in full.")


class YamlLimitError(yaml.YAMLError):
    """A YAML text beyond the bounds; `message` says where and which limit."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    @classmethod
    def at(cls, template, node_or_mark: Any, **values: Any) -> YamlLimitError:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return cls(str(template % {"line": line, "column": column, **values}), line=line, column=column)


def check_node(root: yaml.Node) -> int:
    """Refuse a composed document nested deeper than MAX_DEPTH (as written, or once its aliases
    are expanded: ``b: [*a]``, ``c: [*b]``… nest without indenting), whose aliases refer to
    themselves, or whose aliases add more than MAX_ALIAS_EXPANSION; returns its expanded size.
    Each node is measured once (an alias counts the measure already taken again), so the work is
    linear in the text, however far the aliases would expand."""
    measured: dict[int, tuple[int, int]] = {}  # id -> (expanded size, expanded height)
    open_nodes: set[int] = set()
    written = 0  # the size of the text as written: each node once
    first_excess: list[yaml.Node] = []

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        nonlocal written
        key = id(node)
        if key in measured:
            return measured[key]
        if key in open_nodes:
            raise YamlLimitError.at(ALIAS_LOOP, node)
        if depth > MAX_DEPTH:
            raise YamlLimitError.at(TOO_DEEP, node, limit=MAX_DEPTH)
        open_nodes.add(key)
        if isinstance(node, yaml.ScalarNode):
            children: list[yaml.Node] = []
            total = 1 + len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            children, total = node.value, 1
        else:
            children, total = [part for pair in node.value for part in pair], 1
        written += total
        height = 0
        for child in children:
            child_size, child_height = measure(child, depth + 1)
            total += child_size
            height = max(height, child_height)
        open_nodes.discard(key)
        measured[key] = (total, height + 1)
        if height + 1 > MAX_DEPTH:
            raise YamlLimitError.at(TOO_DEEP, node, limit=MAX_DEPTH)
        if not first_excess and total - written > MAX_ALIAS_EXPANSION:
            first_excess.append(node)  # where the expansion went over, to name its line
        return total, height + 1

    expanded = measure(root, 1)[0]
    if expanded - written > MAX_ALIAS_EXPANSION:
        raise YamlLimitError.at(ALIASES_TOO_LARGE, (first_excess or [root])[0], limit=MAX_ALIAS_EXPANSION)
    return expanded


class PurePythonSafeLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader under Rappel's bounds: composing stops at MAX_DEPTH
    (before Python's recursion limit), and each document is measured by `check_node` before it
    is built."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH and not self.check_event(yaml.AliasEvent):
                raise YamlLimitError.at(TOO_DEEP, self.peek_event().start_mark, limit=MAX_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            check_node(node)
        return node


if hasattr(yaml, "CSafeLoader"):

    class SafeLoader(yaml.CSafeLoader):  # type: ignore[misc, valid-type]
        """libyaml's safe loader (about 5x faster: a 1 MB bank parses in about a second, not
        20) under Rappel's bounds: libyaml composes without recursion, and each document is
        measured by `check_node` before a Python object is built from it."""

        def get_node(self) -> Any:
            node = super().get_node()
            if node is not None:
                check_node(node)
            return node

        def get_single_node(self) -> Any:
            node = super().get_single_node()
            if node is not None:
                check_node(node)
            return node

else:  # PyYAML built without libyaml
    SafeLoader = PurePythonSafeLoader  # type: ignore[misc]


def precise_error(text: str, error: yaml.YAMLError) -> yaml.YAMLError:
    """The syntax error as the pure-Python loader reports it. libyaml words its errors otherwise
    and marks an unexpected end of the text a line below the last one ("line 2" of a one-line
    text); errors are rare and the text already bounded, so it is read again, slowly, to tell
    the writer where and what. A limit error is kept as it is."""
    if isinstance(error, YamlLimitError) or SafeLoader is PurePythonSafeLoader:
        return error
    try:
        _read_all(PurePythonSafeLoader(text))
    except yaml.YAMLError as pure:
        return pure
    return error


def _read_all(loader: Any) -> list[Any]:
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def safe_load(text: str) -> Any:
    """`yaml.safe_load` under the bounds (raises YamlLimitError beyond them)."""
    loader = SafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise precise_error(text, error) from None
    finally:
        loader.dispose()


def safe_load_all(text: str) -> list[Any]:
    """`yaml.safe_load_all` under the bounds, as a list."""
    try:
        return _read_all(SafeLoader(text))
    except yaml.YAMLError as error:
        raise precise_error(text, error) from None


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a file, at a line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LineDict(dict):
    """A mapping read from YAML, with the line numbers (1-based) of itself and its keys."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class _Loader(SafeLoader):
    """The bounded safe loader, building LineDict / LineList and collecting duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found unhashable key", key_node.start_mark
            ) from None
        key_line = key_node.start_mark.line + 1
        if key in data:
            loader.duplicates.append((key_line, key))
        data.key_lines[key] = key_line
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    for child in node.value:
        data.item_lines.append(child.start_mark.line + 1)
        data.append(loader.construct_object(child, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_text(text: str, *, path: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; return (data, problems). Data is None on a syntax error."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except YamlLimitError as error:
        return None, [Problem(path, error.line, error.message)]
    except yaml.YAMLError as error:
        error = precise_error(text, error)
        line, _column = yaml_error_position(error)
        return None, [Problem(path, line, yaml_error_message(error))]
    finally:
        loader.dispose()
    problems = [
        Problem(path, line, _("duplicate key %(key)s") % {"key": repr(key)})
        for line, key in loader.duplicates
    ]
    return data, problems


def load_file(path: Path | str) -> tuple[Any, list[Problem]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(path), 1, _("the file is not UTF-8 text"))]
    except OSError as error:
        return None, [
            Problem(str(path), 1, _("cannot read the file: %(reason)s") % {"reason": error.strerror})
        ]
    return load_text(text, path=str(path))


def plain(value: Any) -> Any:
    """Turn LineDict/LineList trees back into plain dicts and lists."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
