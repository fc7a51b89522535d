import pytest

from course import markdown
from course.markdown import render, render_code, render_inline


def test_fenced_yaml_is_highlighted():
    html = render("```yaml\napiVersion: v1\nkind: Pod\n```")
    assert '<div class="highlight">' in html
    assert "<span" in html and "apiVersion" in html


def test_script_in_markdown_never_survives():
    for source in ("<script>alert(1)</script>", "x <img src=x onerror=alert(1)>", "[a](javascript:alert(1))"):
        html = render(source)
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_inline_rendering_drops_the_paragraph():
    assert render_inline("`kubectl get po`") == "<code>kubectl get po</code>"
    assert render_inline("") == ""


def test_code_is_highlighted_as_a_fenced_block_of_its_language():
    html = render_code("apiVersion: v1\nkind: Pod", language="yaml")
    assert html.startswith('<div class="highlight">') and html.count("<pre>") == 1
    assert "apiVersion" in html and "<span" in html


def test_code_holding_fences_and_html_stays_one_escaped_block():
    code = "a: 1\n```\n<script>alert(1)</script>\n````\n# *not emphasis*"
    html = render_code(code, language="yaml")
    assert html.count('<div class="highlight">') == 1
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<em>" not in html and "````" in html


# Bounds before rendering: Python-Markdown is quadratic in nested brackets (10,000 took 23-44 s)
# and recurses once per nested list marker. Such texts are refused before it runs at all.


@pytest.fixture
def markdown_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Python-Markdown was called on a text that must be refused first")

    monkeypatch.setattr(markdown._markdown, "markdown", refuse)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[" * 10_000 + "a" + "]" * 10_000, markdown.TOO_DEEP),
        ("[" * (markdown.MAX_NESTING + 1) + "a", markdown.TOO_DEEP),
        ("- " * 1_000 + "a", markdown.TOO_DEEP),
        ("+ " * 1_000 + "a", markdown.TOO_DEEP),
        ("1. " * 1_000 + "a", markdown.TOO_DEEP),
        (">" * 1_000 + " a", markdown.TOO_DEEP),
        ("a" * (markdown.MAX_CHARS + 1), markdown.TOO_LONG),
    ],
    ids=["10k-brackets", "just-too-deep", "1k-dashes", "1k-pluses", "1k-numbered", "1k-quotes", "too-long"],
)
def test_too_deep_or_too_long_is_refused_before_rendering(markdown_must_not_run, source, message):
    with pytest.raises(markdown.MarkdownRefused) as refused:
        render(source)
    limit = markdown.MAX_CHARS if message is markdown.TOO_LONG else markdown.MAX_NESTING
    assert refused.value.message == message % {"limit": limit}
    assert str(limit) in refused.value.message


def test_texts_within_the_bounds_still_render():
    assert render("[" * markdown.MAX_NESTING + "a" + "]" * markdown.MAX_NESTING).startswith("<p>")
    assert "<li>" in render("- a\n  - b\n    - c")
    # brackets inside fenced code are code, not links: they do not count
    assert "<pre>" in render("```json\n" + "[" * 60 + "]" * 60 + "\n```")
    assert render("a" * markdown.MAX_CHARS).startswith("<p>")


def test_student_code_is_one_fenced_block_whatever_it_nests():
    assert render_code("x: " + "[" * 60 + "]" * 60, language="yaml").count("<pre>") == 1
