from course.markdown import render, render_inline


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
