"""The display filters of course/templatetags/rappel.py."""

from __future__ import annotations

from django.template import Context, Template

from course.templatetags.rappel import excerpt


def test_excerpt_is_the_plain_text_of_a_prompt():
    html = "<p>Quelle ressource désigne <code>cm</code> ?</p>\n<ul>\n<li>un</li>\n</ul>"
    assert excerpt(html) == "Quelle ressource désigne cm ? un"


def test_excerpt_is_cut_to_the_length_asked_with_an_ellipsis():
    text = excerpt("<p>" + "mot " * 50 + "</p>", 20)
    assert len(text) == 20 and text.endswith("…")
    assert excerpt("<p>court</p>", 20) == "court"


def test_excerpt_text_is_escaped_once_by_the_template():
    """The prompt's entities are decoded, then the template escapes the text again: `<b>` in a
    prompt's code reads as written, never as markup nor as `&amp;lt;`."""
    html = "<p>Écrivez <code>&lt;b&gt;</code> &amp; fermez</p>"
    assert excerpt(html) == "Écrivez <b> & fermez"
    rendered = Template("{% load rappel %}{{ prompt|excerpt:40 }}").render(Context({"prompt": html}))
    assert rendered == "Écrivez &lt;b&gt; &amp; fermez"


def test_excerpt_of_nothing_is_empty():
    assert excerpt("") == excerpt(None) == ""
