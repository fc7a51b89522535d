"""The page frame's links and static URLs (course/context_processors.py)."""

from __future__ import annotations

from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from django.urls import reverse

from course.context_processors import frame


def test_the_frame_links_are_those_reverse_and_static_give():
    links = frame(RequestFactory().get("/"))["frame"]
    assert links["review"] == reverse("review:session") and links["logout"] == reverse("logout")
    assert links["app_css"] == static("css/app.css")


def test_the_frame_follows_settings_changes():
    with override_settings(STATIC_URL="/elsewhere/"):
        assert frame(RequestFactory().get("/"))["frame"]["favicon"] == "/elsewhere/img/favicon.svg"
    assert frame(RequestFactory().get("/"))["frame"]["favicon"] == static("img/favicon.svg")


def test_every_page_shows_the_frame_links(student_client):
    html = student_client.get(reverse("home")).content.decode()
    for name in ("review:session", "course:syllabus", "join", "logout", "set_language", "password_change"):
        assert f'"{reverse(name)}"' in html
    assert static("css/app.css") in html
