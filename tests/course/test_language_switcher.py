"""The language switcher in every page's frame (templates/base.html): one button per language,
the current one marked, each posting its language to Django's set_language view."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


class LanguageForm(HTMLParser):
    """The switcher's form (`<form class="lang">`): its action, where it returns to, and its
    buttons' attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.action: str | None = None
        self.next: str | None = None
        self.buttons: list[dict[str, str | None]] = []
        self.inside = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "lang" in (attributes.get("class") or "").split():
            self.inside, self.action = True, attributes.get("action")
        elif tag == "input" and self.inside and attributes.get("name") == "next":
            self.next = attributes.get("value")
        elif tag == "button" and self.inside:
            self.buttons.append(attributes | {"text": ""})

    def handle_data(self, data):
        if self.inside and self.buttons:
            self.buttons[-1]["text"] += data.strip()

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


@pytest.mark.parametrize("url", ["home", "login"])
def test_every_language_has_a_button_posting_it(client, student, url):
    if url == "home":
        client.force_login(student)
    form = LanguageForm(client.get(reverse(url)).content.decode())
    assert form.action == reverse("set_language") and form.next == reverse(url)
    assert [(b["type"], b["name"], b["value"], b["lang"], b["text"]) for b in form.buttons] == [
        ("submit", "language", code, code, code.upper()) for code, _name in settings.LANGUAGES
    ]


def test_only_the_current_language_is_marked(client):
    form = LanguageForm(client.get(reverse("login")).content.decode())
    current = [b for b in form.buttons if "aria-current" in b]
    assert [(b["value"], b["aria-current"]) for b in current] == [("fr", "true")]
    assert [b["value"] for b in form.buttons if "current" in b["class"].split()] == ["fr"]


def test_posting_a_button_switches_the_pages_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302 and response.url == reverse("login")
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    form = LanguageForm(html)
    assert [b["value"] for b in form.buttons if "aria-current" in b] == ["en"]
    assert [b["value"] for b in form.buttons if "current" in b["class"].split()] == ["en"]
