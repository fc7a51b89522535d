"""PyYAML's syntax errors as sentences in the reader's language, with the line and column.

PyYAML explains a syntax error in English, as a `problem` ("mapping values are not allowed here")
and sometimes a `context` ("while scanning a quoted scalar"). `yaml_error_message` recognises the
usual ones and says what to fix, in the active language; for one it does not know it gives a
general sentence and keeps PyYAML's own words in parentheses, as the only detail there is.
"""

from __future__ import annotations

import re

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: (pattern matched against PyYAML's problem, then its context; the sentence to show).
#: A sentence may use %(char)s, the character or name PyYAML quotes.
KNOWN_PROBLEMS = (
    (
        r"^mapping values are not allowed here",
        gettext_lazy(
            "a ':' where no key may start: put a text that contains ': ' in quotes, or check the "
            "indentation of this line"
        ),
    ),
    (
        r"^could not find expected ':'",
        gettext_lazy("a key without ':' (each field is written name: value)"),
    ),
    (
        r"^found character '\\t' that cannot start any token",
        gettext_lazy("a tab character: indent with spaces only"),
    ),
    (
        r"^found character '(?P<char>.+)' that cannot start any token",
        gettext_lazy("a value cannot start with %(char)s: put the value in quotes"),
    ),
    (
        r"^found undefined alias '?(?P<char>[^']*)'?",
        gettext_lazy("the alias *%(char)s names no anchor: put a text starting with * in quotes"),
    ),
    (
        r"^found unexpected end of stream",
        gettext_lazy("the file ends inside a quoted text: a quote is not closed"),
    ),
    (
        r"^found unknown escape character '?(?P<char>[^']*)'?",
        gettext_lazy(
            "unknown escape \\%(char)s in a double-quoted text: write \\\\ for a backslash, or use "
            "single quotes"
        ),
    ),
    (
        r"^expected ',' or '\]', but got",
        gettext_lazy("a list in brackets [ ] is not closed by ']'"),
    ),
    (
        r"^expected ',' or '\}', but got",
        gettext_lazy("a mapping in braces { } is not closed by '}'"),
    ),
    (
        r"^expected the node content, but found '<stream end>'",
        gettext_lazy("the text ends where a value was expected: a bracket or a brace is not closed"),
    ),
    (
        r"^expected the node content",
        gettext_lazy("a value is missing here"),
    ),
    (
        r"^but found another document",
        gettext_lazy("a second document (a '---' line): a bank file holds one document"),
    ),
    (
        r"^expected <block end>, but found",
        gettext_lazy("this line's indentation does not match the lines above it"),
    ),
    (
        r"^did not find expected key",
        gettext_lazy("this line's indentation does not match the lines above it"),
    ),
    (
        r"^did not find expected '-' indicator",
        gettext_lazy("a list item without '-', or a wrong indentation"),
    ),
    (
        r"^found unhashable key",
        gettext_lazy("a key must be a plain value, not a list or a mapping"),
    ),
    (
        r"^could not determine a constructor for the tag '?(?P<char>[^']*)'?",
        gettext_lazy("the tag %(char)s is not allowed: banks hold plain YAML"),
    ),
    (
        r"^second occurrence",
        gettext_lazy("the same anchor (&) twice"),
    ),
    (
        r"^expected '<document start>', but found",
        gettext_lazy("text after the end of the document: check brackets and braces"),
    ),
)
_COMPILED = tuple((re.compile(pattern), message) for pattern, message in KNOWN_PROBLEMS)


def yaml_error_position(error: yaml.YAMLError) -> tuple[int, int]:
    """The (line, column), 1-based, where PyYAML saw the error; (1, 1) when it gives none."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def yaml_error_message(error: yaml.YAMLError) -> str:
    """A sentence saying where the syntax error is and what to fix, in the active language."""
    line, column = yaml_error_position(error)
    problem = getattr(error, "problem", None) or ""
    context = getattr(error, "context", None) or ""
    for text in (problem, context):
        for pattern, message in _COMPILED:
            match = pattern.match(text)
            if match:
                reason = str(message) % {"char": match.groupdict().get("char", "")}
                return _("YAML syntax error at line %(line)d, column %(column)d: %(reason)s") % {
                    "line": line,
                    "column": column,
                    "reason": reason,
                }
    detail = "; ".join(part for part in (context, problem) if part) or str(error).splitlines()[0]
    return _("YAML syntax error at line %(line)d, column %(column)d (%(detail)s)") % {
        "line": line,
        "column": column,
        "detail": detail,
    }
