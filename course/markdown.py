"""The one place where Markdown becomes HTML.

Prompts, explanations and study notes are Markdown written by editors. They are rendered
once (when a revision or a section is saved), highlighted with Pygments and sanitised with an
allow-list, so a `<script>` in a prompt can never run.
"""

from __future__ import annotations

import re
import threading

import markdown as _markdown
import nh3
from django.utils.translation import gettext_lazy as _

_EXTENSIONS = ["fenced_code", "codehilite", "tables", "sane_lists"]
_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
}

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "td": {"align"},
    "th": {"align"},
}

_SINGLE_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)
_BACKTICKS = re.compile(r"`+")

# Python-Markdown's inline patterns take quadratic time in the nesting of brackets (4,000 nested
# "[" took 4 s, 10,000 took 23-44 s) and its list and quote parsers recurse once per level
# (1,000 nested "- " raise RecursionError). Texts are refused beyond these bounds before any
# rendering. The longest course note is 3,400 characters, the longest bank text 1,100, and none
# nests more than 4 deep: the bounds leave ample room and keep the worst case in milliseconds.
MAX_CHARS = 50_000
MAX_NESTING = 20
TOO_LONG = _("This Markdown text is too long: at most %(limit)s characters.")
TOO_DEEP = _(
    "This Markdown text nests brackets, lists or quotes more than %(limit)s levels deep: simplify it."
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLOCK_MARKER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")


class MarkdownRefused(ValueError):
    """A text refused before rendering; `message` says why, with the limit."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _nesting(source: str) -> int:
    """The deepest nesting of brackets, and of list markers and quotes on one line, outside
    fenced code (an upper bound: brackets in inline code count too). Stops at MAX_NESTING + 1."""
    deepest = brackets = 0
    fence = ""
    for line in source.splitlines():
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        markers, position = 0, 0
        while (marker := _BLOCK_MARKER.match(line, position)) is not None:
            markers += 1
            position = marker.end()
            if markers > MAX_NESTING:
                return markers
        deepest = max(deepest, markers)
        for char in line:
            if char == "[":
                brackets += 1
                if brackets > MAX_NESTING:
                    return brackets
            elif char == "]" and brackets:
                brackets -= 1
        deepest = max(deepest, brackets)
    return deepest


def refusal(source: str) -> str | None:
    """Why this Markdown is refused before rendering (with the limit), or None."""
    if len(source) > MAX_CHARS:
        return str(TOO_LONG % {"limit": MAX_CHARS})
    if len(source) > MAX_NESTING and _nesting(source) > MAX_NESTING:
        return str(TOO_DEEP % {"limit": MAX_NESTING})
    return None


def render(source: str) -> str:
    """Render Markdown to sanitised HTML (block level); raises MarkdownRefused beyond the bounds
    (`refusal`), before any rendering."""
    problem = refusal(source or "")
    if problem:
        raise MarkdownRefused(problem)
    return _render(source)


_converters = threading.local()


def _converter() -> _markdown.Markdown:
    """One Markdown converter per thread, reset before each text: building one (its extensions,
    Pygments' formatter) cost about 2 ms of each render, most of a bank's reading time."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = _markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
        )
    return converter.reset()


def _render(source: str) -> str:
    return sanitise(_converter().convert(source or ""))


def sanitise(html: str) -> str:
    """HTML through the allow-list `render` applies (for HTML that comes from elsewhere)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_inline(source: str) -> str:
    """Render a short text (a choice, a matching item) without its wrapping paragraph."""
    html = render(source).strip()
    match = _SINGLE_PARAGRAPH.match(html)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return html


def render_code(code: str, *, language: str) -> str:
    """Highlight a piece of code (a student's YAML) as `render` does a fenced block of a prompt.

    The fence is longer than any run of backticks in the code, so no line of it can close the
    block: whatever the code holds, it stays code.
    """
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    # All of it is one fenced block: no inline pattern or list runs, so no nesting bound applies.
    return _render(f"{fence}{language}\n{code}\n{fence}")
