"""The one place where Markdown becomes HTML.

Prompts, explanations and study notes are Markdown written by editors. They are rendered
once (when a revision or a section is saved), highlighted with Pygments and sanitised with an
allow-list, so a `<script>` in a prompt can never run.
"""

from __future__ import annotations

import re

import markdown as _markdown
import nh3

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


def render(source: str) -> str:
    """Render Markdown to sanitised HTML (block level)."""
    html = _markdown.markdown(source or "", extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
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
    return render(f"{fence}{language}\n{code}\n{fence}")
