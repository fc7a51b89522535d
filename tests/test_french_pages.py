"""Every trainer and editor page, rendered in French, holds no English sentence.

The pages come from the URL conf: every route of the `trainer` namespace and of the `exports`
namespace, and every admin route of the question bank's apps (quizzes, classes, course), each
filled with the objects of a small class that has worked (so reports have rows, charts bars and
exports lines); a new page is covered as soon as it is routed. The CSV exports are read in both
dialects; the bank import is posted good and bad files (YAML, GIFT, a YAML syntax error).

English is found by words that French never uses (`ENGLISH_WORDS`); what is code (`<code>`,
`<pre>`, `<kbd>`, attribute values, slugs and uids) or a product name (`ALLOWED`) is left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from classes.models import Assignment
from quizzes.models import Question, Quiz
from tests import hostile
from tests.quizzes.helpers import take_quiz

pytestmark = pytest.mark.django_db

#: Words of English that French does not use: one of them in a page's text is English leaking.
#: ("due" is left out: French writes it too, "due au hasard".)
_ENGLISH = """the and of is are be been was were must should will would could can cannot not with without
    this that these those which what when where who your you please there their has have had
    does did into from for to by in it its than then also only any each every some per
    created revised updated unchanged deactivated started finished missing late done best first
    last status student students day days reviews review attempts attempt answers answer new
    changed opens closed right wrong choose file files here"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())
#: Product and code names that are the same in French.
ALLOWED = ("Django", "Kubernetes", "Docker", "Moodle", "GIFT", "YAML", "CSV", "Excel", "Anki", "Rappel")


class VisibleText(HTMLParser):
    """The text people read, without code, scripts, styles and SVG markup (SVG titles are kept)."""

    SKIP = {"code", "pre", "kbd", "script", "style", "samp", "textarea", "option"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        attributes = dict(attrs)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attributes.get(name):
                self.chunks.append(attributes[name])
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.chunks.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.chunks.append(data.strip())


def english_in(text_chunks: list[str]) -> list[str]:
    found = []
    for chunk in text_chunks:
        cleaned = chunk
        for name in ALLOWED:
            cleaned = cleaned.replace(name, " ")
        # slugs, uids, file names, paths and identifiers are code (but "slug:best" is a slug and a word)
        cleaned = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", cleaned)  # {left, right}, [[answer]]: field names
        cleaned = re.sub(r"\S*[-_/.=\d]\S*", " ", cleaned.replace(":", " : "))
        words = re.findall(r"[^\W\d_]+", cleaned)  # whole words, accents included ("notée" is not "not")
        if any(word.lower() in ENGLISH_WORDS for word in words):
            found.append(chunk)
    return found


def english_in_html(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return english_in(parser.chunks)


def routes(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """The named patterns below these: (name with namespaces, pattern)."""
    for route, pattern in hostile.url_patterns(patterns, namespace=prefix):
        if pattern.name:
            yield route.name, pattern


ADMIN_APPS = ("quizzes", "classes", "course")


def admin_routes() -> list[str]:
    names = []
    for name, _pattern in routes(admin.site.get_urls(), "admin:"):
        if any(name.startswith(f"admin:{app}_") for app in ADMIN_APPS) and not name.endswith(
            ("_delete", "_autocomplete")
        ):
            names.append(name)
    return sorted(set(names))


def site_routes(namespace: str) -> list[tuple[str, list[str]]]:
    out = []
    for name, pattern in routes(get_resolver().url_patterns):
        if name.startswith(f"{namespace}:"):
            out.append((name, sorted(pattern.pattern.converters)))
    return sorted({(name, tuple(params)) for name, params in out})


@pytest.fixture
def school(loaded_banks, trainer, user_factory, cohort_factory):
    """A class that has worked: two students, alpha assigned and taken, an admin to edit it all."""
    lea, noe = user_factory(username="lea"), user_factory(username="noe")
    cohort = cohort_factory(trainer=trainer, students=[lea, noe])
    alpha = Quiz.objects.get(slug="alpha")
    now = timezone.now()
    assignment = Assignment.objects.create(
        cohort=cohort, quiz=alpha, opens_at=now - dt.timedelta(days=3), due_at=now
    )
    take_quiz(lea, "alpha", pick="ConfigMap", others_right=False)
    take_quiz(lea, "alpha", pick="ConfigMap", others_right=True)
    take_quiz(noe, "alpha", pick="ConfigMap", others_right=True, finish=False)
    boss = user_factory(username="chef", is_staff=True, is_superuser=True)
    return {
        "cohort": cohort,
        "student": lea,
        "quiz": alpha,
        "admin": boss,
        "trainer": trainer,
        "assignment": assignment,
    }


def fill(params, school) -> dict:
    values = {
        "pk": school["cohort"].pk,
        "student_id": school["student"].pk,
        "assignment_id": school["assignment"].pk,
        "slug": school["quiz"].slug,
        "object_id": Question.objects.order_by("pk").first().pk,
    }
    return {name: values[name] for name in params}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


TRAINER_PAGES = site_routes("trainer")
EXPORT_PAGES = site_routes("exports")


def test_the_page_lists_come_from_the_url_conf():
    names = {name for name, _params in TRAINER_PAGES}
    assert {"trainer:cohort-detail", "trainer:report-activity", "trainer:student-remove"} <= names
    assert {name for name, _params in EXPORT_PAGES} >= {"exports:course-csv"}
    assert "admin:quizzes_question_import" in admin_routes()


@pytest.mark.parametrize(("name", "params"), TRAINER_PAGES, ids=[name for name, _p in TRAINER_PAGES])
def test_trainer_pages_are_french(school, name, params):
    client = client_for(school["trainer"])
    url = reverse(name, kwargs=fill(params, school))
    response = client.get(url)
    if response.status_code == 405:  # a POST-only action: its result page is checked elsewhere
        return
    assert response.status_code == 200, url
    leaks = english_in_html(response.content.decode())
    assert leaks == [], leaks
    if name.startswith("trainer:report-"):
        for dialect in ({}, {"dialect": "excel-fr"}):
            csv_response = client.get(url, {"format": "csv", **dialect})
            header = next(
                csv.reader(
                    io.StringIO(csv_response.content.decode().lstrip("\ufeff")),
                    delimiter=";" if dialect else ",",
                )
            )
            assert english_in(header) == [], (url, dialect)


@pytest.mark.parametrize("name", admin_routes())
def test_admin_question_pages_are_french(school, name):
    pattern = dict(routes(admin.site.get_urls(), "admin:"))[name]
    params = sorted(pattern.pattern.converters) or re.findall(r"\(\?P<(\w+)>", str(pattern.pattern))
    kwargs = {}
    if params:
        app_label, model_name = name.removeprefix("admin:").split("_")[:2]
        model = apps.get_model(app_label, model_name)
        first = model.objects.order_by("pk").first()
        if first is None:
            pytest.skip(f"no {model_name} in the test data")
        kwargs = dict.fromkeys(params, first.pk)
    response = client_for(school["admin"]).get(reverse(name, kwargs=kwargs), follow=True)
    if response.status_code in {400, 405}:  # an endpoint that answers posts only (the live preview)
        assert not response.content or english_in_html(response.content.decode()) == []
        return
    assert response.status_code in {200, 403}, name
    leaks = english_in_html(response.content.decode())
    assert leaks == [], leaks


GOOD_YAML = """\
section: alpha
questions:
  - uid: alpha-french-pages-1
    kind: truefalse
    prompt: "Un Pod peut regrouper plusieurs conteneurs."
    answer: true
    explanation: "Oui : ils partagent le réseau du Pod."
"""
BAD_FILES = {
    "syntax.yaml": "section: alpha\nquestions:\n  - uid: a\n\tkind: single\n",
    "colon.yaml": "section: alpha\nquestions:\n  - uid: alpha-x\n    prompt: a: b\n",
    "kinds.yaml": (
        "section: alpha\nquestions:\n  - uid: alpha-bad-1\n    kind: single\n    prompt: P\n"
        "    explanation: E\n    choices: [a]\n  - uid: alpha-bad-2\n    kind: matching\n"
        "    prompt: P\n    explanation: E\n    pairs: [{left: a}]\n  - uid: BAD\n    kind: nope\n"
    ),
    "moodle.txt": "::Essai::Racontez votre journée.{}\n",
    "moodle-category.txt": "$CATEGORY: $course$/top/alpha\n\n::Essai::Racontez votre journée.{}\n",
}


def post_bank(client, name: str, text: str):
    return client.post(
        reverse("admin:quizzes_question_import"),
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/plain")},
    )


def test_the_bank_import_speaks_french_with_good_and_bad_files(school):
    client = client_for(school["admin"])
    dry_run = post_bank(client, "banque.yaml", GOOD_YAML)
    assert dry_run.status_code == 200 and english_in_html(dry_run.content.decode()) == []
    done = client.post(
        reverse("admin:quizzes_question_import"),
        {"payload": dry_run.context["payload"], "confirm": "1"},
        follow=True,
    )
    html = done.content.decode()
    assert "1 créée" in html and english_in_html(html) == []
    for name, text in BAD_FILES.items():
        response = post_bank(client, name, text)
        html = response.content.decode()
        assert response.status_code == 400, name
        assert english_in_html(html) == [], name


def test_a_yaml_syntax_error_is_a_french_sentence_with_line_and_column(school):
    html = post_bank(client_for(school["admin"]), "syntax.yaml", BAD_FILES["syntax.yaml"]).content.decode()
    assert "erreur de syntaxe YAML ligne 4, colonne 1 : un caractère de tabulation" in html
    html = post_bank(client_for(school["admin"]), "colon.yaml", BAD_FILES["colon.yaml"]).content.decode()
    assert "ligne 4, colonne 14 : un « : » là où aucune clé ne peut commencer" in html


@pytest.mark.parametrize(("name", "params"), EXPORT_PAGES, ids=[name for name, _p in EXPORT_PAGES])
def test_export_headers_are_french(school, name, params):
    response = client_for(school["trainer"]).get(reverse(name, kwargs=fill(params, school)))
    if response["Content-Type"].startswith("text/csv"):
        header = next(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
        assert english_in(header) == []


def test_the_detector_finds_english_and_spares_french_and_code():
    assert english_in(["1 created, 1 revised"]) == ["1 created, 1 revised"]
    assert english_in(["not started"]) == ["not started"]
    assert english_in(["images-layers:best"]) == ["images-layers:best"]
    assert english_in(["images-layers : meilleur %", "alpha:fr"]) == []
    assert english_in(["Excel français", "Tentatives de quiz par jour", "alpha-single-1"]) == []
    assert english_in_html("<p>Lancez <code>kubectl get the pods</code>.</p>") == []
    assert english_in_html('<p title="Choose a file">x</p>') == ["Choose a file"]


def test_the_question_form_explains_bad_yaml_in_french(school):
    from tests.quizzes.test_admin import base_data

    section = Question.objects.get(uid="alpha-single-1").section
    response = client_for(school["admin"]).post(
        reverse("admin:quizzes_question_add") + "?kind=yaml",
        base_data(section=section.pk, kind="yaml") | {"yaml_checks": "- path: a\n\texplain: b\n"},
    )
    html = response.content.decode()
    assert "erreur de syntaxe YAML ligne 2, colonne 1 : un caractère de tabulation" in html
    assert english_in_html(html) == []
