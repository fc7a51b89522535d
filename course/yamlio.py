"""Reading YAML files that people edit, so that every problem can name its line.

`load_documents` parses with PyYAML's safe loader only; mappings come back as `LineDict`,
a dict that remembers the line of the mapping and of each of its keys. Duplicate keys, which
PyYAML would silently overwrite, are reported as problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from course.yamlerrors import yaml_error_message, yaml_error_position


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


class _Loader(yaml.SafeLoader):
    """The safe loader, building LineDict / LineList and collecting duplicate keys."""

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
    except yaml.YAMLError as error:
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
