"""The world the hostile-input corpus and the role x URL matrix run against, and the URL conf as
data: every pattern, each placeholder filled with a real value (a rule per placeholder) or with a
hostile one. Nothing here is a hand-kept list of URLs: a new page is found in the URL conf."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).parent

# --- the URL conf as data ---------------------------------------------------------------------------

# `<int:pk>` (RoutePattern) or `(?P<pk>...)` (RegexPattern): one placeholder.
PLACEHOLDER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (prefixes joined) and its name with namespaces."""

    route: str
    name: str

    @property
    def id(self) -> str:
        return self.route or "/"

    def placeholders(self) -> list[tuple[str, str]]:
        """(the literal segment before it, its name) for each placeholder, in order."""
        found = []
        for match in PLACEHOLDER.finditer(self.route):
            before = [s for s in re.split(r"[/^$]", self.route[: match.start()]) if s]
            found.append((before[-1] if before else "", match["name"] or match["rname"]))
        return found

    def build(self, values: list[str]) -> str:
        parts = iter(values)
        path = PLACEHOLDER.sub(lambda _m: next(parts), self.route)
        return "/" + path.replace("^", "").replace("$", "")


def url_patterns(patterns, *, prefix: str = "", namespace: str = "") -> Iterator[tuple[Route, URLPattern]]:
    """Every URL pattern below these, walking resolvers (Django's public API): its Route (full
    route, name with namespaces; "namespace:" alone when it has no name) and the pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            inner_prefix = prefix + str(pattern.pattern)
            yield from url_patterns(pattern.url_patterns, prefix=inner_prefix, namespace=inner)
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + str(pattern.pattern), namespace + (pattern.name or "")), pattern


def routes() -> list[Route]:
    """Every URL pattern of the URL conf, once per route."""
    seen: dict[str, Route] = {}
    for route, _pattern in url_patterns(get_resolver().url_patterns):
        seen.setdefault(route.route, route)
    return list(seen.values())


# --- the world --------------------------------------------------------------------------------------

ROLES = ("anonymous", "student", "other_student", "trainer", "other_trainer", "editor", "admin")
# Their usernames: a page that shows one of them to a role that may not see it is a leak.
OWNER_NAME = "eleve-proprietaire"
OTHER_NAME = "eleve-autre-classe"


@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, object] = field(default_factory=dict)


def world_build(*, sections) -> World:
    """Two classes, each with its trainer and a student who has attempts (one open, one finished)
    and review cards; an editor and an admin. Built through the app's own functions."""
    import datetime as dt

    from classes.models import Assignment, Cohort
    from live import sessions as live_sessions
    from quizzes import attempts as attempt_services
    from quizzes.banks import bank_load
    from quizzes.models import Question, Quiz
    from review import cards
    from tests.quizzes.helpers import answer_form

    data = ROOT / "banks" / "data"
    bank_load([data / "alpha.yaml", data / "beta.yaml", data / "quizzes.yaml"])
    assessment = Quiz.objects.get(slug="assessment")

    def user(name: str, *groups: str, **extra) -> User:
        made = User.objects.create_user(username=name, password="pass-word-123", **extra)
        if groups:
            made.groups.set(Group.objects.filter(name__in=groups))
        return made

    owner, other = user(OWNER_NAME), user(OTHER_NAME)
    trainer, other_trainer = user("formateur-a", "trainers"), user("formateur-b", "trainers")
    editor = user("editrice", "editors", is_staff=True)
    admin = user("administratrice", is_staff=True, is_superuser=True)
    course = sections[0].course
    mine, theirs = (
        Cohort.objects.create(
            name=name, course=course, starts_on=dt.date(2026, 11, 23), ends_on=dt.date(2026, 11, 27)
        )
        for name in ("Promo A", "Promo B")
    )
    mine.trainers.add(trainer)
    theirs.trainers.add(other_trainer)
    mine.enrolments.create(student=owner)
    theirs.enrolments.create(student=other)
    ids: dict[str, object] = {"cohort": mine.pk, "other_cohort": theirs.pk, "code": mine.join_code}
    for student, prefix in ((owner, ""), (other, "other_")):
        finished = attempt_services.attempt_start(student=student, quiz=assessment)
        for position, question_id in enumerate(finished.question_ids):
            revision = Question.objects.get(pk=question_id).current_revision
            attempt_services.answer_submit(
                student=student,
                attempt_id=finished.pk,
                position=position,
                revision_id=revision.pk,
                form={k: v if isinstance(v, list) else [str(v)] for k, v in answer_form(revision).items()},
            )
        attempt_services.attempt_finish(attempt=finished)
        quiz = Quiz.objects.exclude(pk=assessment.pk).order_by("pk").first()
        open_attempt = attempt_services.attempt_start(student=student, quiz=quiz)
        cards.cards_add(student=student, questions=Question.objects.all())
        ids[prefix + "attempt"] = open_attempt.pk
        ids[prefix + "finished"] = finished.pk
        ids[prefix + "card"] = student.cards.order_by("pk").first().pk
        ids[prefix + "student"] = student.pk
        ids[prefix + "quiz"] = quiz.slug
    ids["section"] = sections[0].slug
    live = live_sessions.session_start(trainer=trainer, quiz=assessment, cohort=mine)
    ids["live"], ids["pin"] = live.pk, live.pin
    now = dt.datetime.now(dt.UTC)
    ids["assignment"] = Assignment.objects.create(
        cohort=mine, quiz=assessment, opens_at=now, due_at=now + dt.timedelta(days=7)
    ).pk
    users = {
        "anonymous": None,
        "student": owner,
        "other_student": other,
        "trainer": trainer,
        "other_trainer": other_trainer,
        "editor": editor,
        "admin": admin,
    }
    return World(users=users, ids=ids)


# Real values for placeholders, by (the literal segment before it, its name), then by name alone.
# A placeholder no rule knows fails the corpus: give it a rule.
REAL_BY_SEGMENT: dict[tuple[str, str], Callable[[World], object]] = {
    ("attempts", "pk"): lambda w: w.ids["attempt"],
    ("q", "number"): lambda w: 1,
    ("cohorts", "pk"): lambda w: w.ids["cohort"],
    ("students", "student_id"): lambda w: w.ids["student"],
    ("assignments", "assignment_id"): lambda w: w.ids["assignment"],
    ("quizzes", "slug"): lambda w: w.ids["quiz"],
    ("course", "slug"): lambda w: w.ids["section"],
    ("join", "code"): lambda w: w.ids["code"],
    ("cards", "pk"): lambda w: w.ids["card"],
    ("trainer", "pk"): lambda w: w.ids["live"],  # live/trainer/<pk>/: a live session
    ("live", "pin"): lambda w: w.ids["pin"],
    ("user", "id"): lambda w: w.ids["student"],
    ("admin", "app_label"): lambda w: "quizzes",
    ("admin", "url"): lambda w: "no-such-page/",
    ("r", "content_type_id"): lambda w: ContentType.objects.get_for_model(User).pk,
}


def _admin_object(route: Route, world: World) -> object:
    """An object id of the model an admin URL names (`admin/<app>/<model>/...`)."""
    parts = route.route.split("/")
    if len(parts) > 3 and parts[0] == "admin":
        try:
            model = apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            return world.ids["student"]
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        return first if first is not None else 1
    return world.ids["student"]


REAL_BY_NAME: dict[str, Callable[[Route, World], object]] = {
    "object_id": _admin_object,
    "pk": _admin_object,
}

# Hostile values for one placeholder at a time (the others real).
HOSTILE_PATH = ["0", "-1", str(2**63), "1" + "0" * 30, "²", "%00", "x" * 300]


def real_values(route: Route, world: World) -> list[str]:
    values = []
    for segment, name in route.placeholders():
        if (segment, name) in REAL_BY_SEGMENT:
            values.append(str(REAL_BY_SEGMENT[segment, name](world)))
        elif name in REAL_BY_NAME:
            values.append(str(REAL_BY_NAME[name](route, world)))
        else:
            raise LookupError(
                f"{route.route}: no rule gives a real value for <{name}> after {segment!r}; add one to "
                "tests/hostile.py REAL_BY_SEGMENT"
            )
    return values


def hostile_paths(route: Route, world: World) -> Iterator[str]:
    real = real_values(route, world)
    for index in range(len(real)):
        for value in HOSTILE_PATH:
            yield route.build([*real[:index], value, *real[index + 1 :]])


# --- forms on a page --------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> the values the page gives


class FormParser(HTMLParser):
    """The forms of a page, with each field's value as the browser would send it unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(attr.get("action", ""), attr.get("method", "get").lower()))
            return
        if not self.forms or not attr.get("name"):
            return
        fields = self.forms[-1].fields
        name = attr["name"]
        if tag == "input":
            kind = attr.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                values = fields.setdefault(name, [])
                if "checked" in attr or not values:
                    fields[name] = [attr.get("value", "on")]
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                fields[name] = [attr.get("value", "")]
        elif tag == "select":
            self._select = name
            fields.setdefault(name, [])
        elif tag == "option" and self._select:
            values = fields[self._select]
            if "selected" in attr or not values:
                fields[self._select] = [attr.get("value", "")]
        elif tag == "textarea":
            self._textarea = name
            fields[name] = [""]
        elif tag == "button" and attr.get("value"):
            fields.setdefault(name, [attr["value"]])

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] = [self.forms[-1].fields[self._textarea][0] + data]


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return [form for form in parser.forms if form.method == "post"]


def hostile_values(world: World) -> list[str]:
    """What each field gets in turn."""
    return [
        "",
        "x" * 1_000_000,
        "a\x00b",
        "\x01\x1b[31m",
        "²",
        "٣",
        "9" * 5000,
        str(2**63),
        "-1",
        str(world.ids["other_cohort"]),
        str(world.ids["other_student"]),
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
        "a: " + "[" * 2000,
    ]
