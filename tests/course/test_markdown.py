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
