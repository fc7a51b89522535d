"""What the frame of every page (templates/base.html) links to, worked out once.

The nav's links and the stylesheets' URLs are the same on every page: resolved by `{% url %}`
and `{% static %}` on each one, they cost some 0.25 ms a page. They are computed once for the
URL configuration and script prefix in use (and again when settings change, as in tests).
"""

from __future__ import annotations

from functools import cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

_LINKS = {
    "home": "home",
    "review": "review:session",
    "syllabus": "course:syllabus",
    "classes": "trainer:cohort-list",
    "join": "join",
    "admin": "admin:index",
    "set_language": "set_language",
    "password_change": "password_change",
    "logout": "logout",
    "login": "login",
    "signup": "signup",
}
_STATIC = {"favicon": "img/favicon.svg", "app_css": "css/app.css", "pygments_css": "css/pygments.css"}


@cache
def _frame(resolver, prefix: str) -> dict[str, str]:
    return {name: reverse(viewname) for name, viewname in _LINKS.items()} | {
        name: static(path) for name, path in _STATIC.items()
    }


@receiver(setting_changed)
def _forget_frame(**kwargs) -> None:
    _frame.cache_clear()


def frame(request: HttpRequest) -> dict:
    return {"frame": _frame(get_resolver(get_urlconf()), get_script_prefix())}
