"""GIFT as Moodle writes it, uploaded in the admin: told from YAML by its content (Moodle names
its exports `.txt`), and a file that puts questions in no section asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from course.models import Section
from interop import gift
from interop.gift import looks_like_gift, needs_section, upload_read
from quizzes import banks
from quizzes.admin import NEEDS_SECTION
from quizzes.models import Question

FIXTURES = Path(__file__).parent / "fixtures" / "gift"
NO_CATEGORY = (FIXTURES / "moodle-export-no-category.txt").read_text(encoding="utf-8")
CATEGORIES = (FIXTURES / "moodle-export-categories.txt").read_text(encoding="utf-8")
YAML_BANK = """\
# Une banque YAML, avec un commentaire en tête
section: alpha
questions:
  - uid: alpha-yaml-upload-1
    kind: truefalse
    prompt: "Un Pod a une adresse IP."
    answer: true
    explanation: "Oui : chaque Pod reçoit sa propre adresse IP."
"""


@pytest.fixture
def editor_client(user_factory):
    client = Client()
    client.force_login(user_factory(username="editor", groups=("editors",), is_staff=True))
    return client


def upload(client, text: str, name: str, section: Section | None = None):
    data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/plain")}
    if section is not None:
        data["section"] = section.pk
    return client.post(reverse("admin:quizzes_question_import"), data)


def confirm(client, response) -> None:
    payload = response.context["payload"]
    client.post(reverse("admin:quizzes_question_import"), {"payload": payload, "confirm": "1"})


# --- detection, pure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        NO_CATEGORY,
        CATEGORIES,
        "::t:: Un Pod est une ressource Kubernetes. {T####Oui.}\n",
        "\ufeffUn Pod est une ressource Kubernetes. {TRUE####Oui.}\n",
        "// un commentaire\n\nQuestion {=a ~b####c}\n",
        "$CATEGORY: $course$/top/alpha\n\n::t::Q{T####e}\n",
    ],
)
def test_gift_is_recognised_by_its_content(text):
    assert looks_like_gift(text)


@pytest.mark.parametrize(
    "text",
    [
        YAML_BANK,
        "questions:\n  - uid: x\n    spec: {a: 1}\n",
        "---\nsection: alpha\n",
        "quizzes:\n  - slug: q\n",
        "",
        "just some words\n",
    ],
)
def test_yaml_and_anything_else_is_not_gift(text):
    assert not looks_like_gift(text)


def read_needs_section(text: str, sections: set[str]) -> bool:
    """Whether the problems of a read without a section ask for one, as the admin asks."""
    _questions, problems = upload_read(text, "upload.txt", None, sections)
    return needs_section(problems)


def test_a_file_without_category_or_with_moodles_default_category_needs_a_section():
    assert read_needs_section(NO_CATEGORY, {"alpha", "beta"})
    assert read_needs_section(CATEGORIES, {"alpha", "beta"})  # "Défaut pour Docker" is no section
    named = CATEGORIES.replace("Défaut pour Docker", "beta")
    assert not read_needs_section(named, {"alpha", "beta"})


def test_the_gift_format_is_registered_once():
    django_apps.get_app_config("interop").ready()  # again
    assert banks.UPLOAD_FORMATS.count(gift.UPLOAD_FORMAT) == 1
    assert banks.upload_format(NO_CATEGORY) is not None and banks.upload_format(YAML_BANK) is None


# --- through the admin ----------------------------------------------------------------------------


def test_the_import_form_has_a_section_field(editor_client, sections):
    html = editor_client.get(reverse("admin:quizzes_question_import")).content.decode()
    assert 'name="section"' in html and "Alpha" in html


def section_slug_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "course_section"."slug" AS "slug" FROM')]


def test_an_upload_is_read_once_and_a_yaml_bank_reads_the_sections_once(
    editor_client, sections, monkeypatch, tmp_path
):
    reads = []
    real_read = gift.gift_read
    monkeypatch.setattr(
        gift, "gift_read", lambda *args, **kwargs: reads.append(1) or real_read(*args, **kwargs)
    )
    named = CATEGORIES.replace("Défaut pour Docker", "beta")  # every question in a section
    assert upload(editor_client, named, "questions.txt").status_code == 200
    assert upload(editor_client, NO_CATEGORY, "questions.txt").status_code == 400  # asks for a section
    assert len(reads) == 2
    with CaptureQueriesContext(connection) as uploaded:
        assert upload(editor_client, YAML_BANK, "bank.yaml").status_code == 200
    path = tmp_path / "bank.yaml"
    path.write_text(YAML_BANK, encoding="utf-8")
    with CaptureQueriesContext(connection) as planned:
        banks.bank_plan([path], display_name="bank.yaml")
    assert len(section_slug_queries(uploaded)) == len(section_slug_queries(planned))  # the plan's own only
    assert len(reads) == 2


def test_a_txt_export_without_category_asks_for_a_section_then_imports_as_gift(editor_client, sections):
    refused = upload(editor_client, NO_CATEGORY, "questions-Docker-20261207-2300.txt")
    assert refused.status_code == 400
    assert str(NEEDS_SECTION) in refused.content.decode()
    assert "choisissez la section où les mettre" in refused.content.decode()
    assert not Question.objects.exists()
    beta = Section.objects.get(slug="beta")
    response = upload(editor_client, NO_CATEGORY, "questions-Docker-20261207-2300.txt", section=beta)
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "beta-port-de-l-api" in html and "6 nouvelles" in html
    confirm(editor_client, response)
    imported = {q.uid: q for q in Question.objects.select_related("section", "current_revision")}
    assert set(imported) == {
        "beta-port-de-l-api",
        "beta-composants",
        "beta-pod-multi-conteneurs",
        "beta-lister-les-conteneurs",
        "beta-objets-namespaces",
        "beta-egalite",
    }
    assert {q.section.slug for q in imported.values()} == {"beta"}
    kinds = {uid: q.kind for uid, q in imported.items()}
    assert kinds["beta-port-de-l-api"] == "short"  # numerical {#6443}
    assert kinds["beta-composants"] == "matching" and kinds["beta-objets-namespaces"] == "multiple"
    assert kinds["beta-egalite"] == "single"
    egalite = imported["beta-egalite"].current_revision
    # Moodle's escapes \= and \: read back as the characters
    assert "app=web" in egalite.prompt and egalite.spec["choices"][0]["text"] == "le signe ="
    port = imported["beta-port-de-l-api"].current_revision
    assert port.spec["answers"] == ["6443"] and "<p>" not in port.prompt


def test_categories_place_their_questions_and_the_section_takes_the_rest(editor_client, sections):
    assert upload(editor_client, CATEGORIES, "export.txt").status_code == 400
    beta = Section.objects.get(slug="beta")
    response = upload(editor_client, CATEGORIES, "export.txt", section=beta)
    assert response.status_code == 200
    confirm(editor_client, response)
    placed = dict(Question.objects.values_list("uid", "section__slug"))
    assert placed["alpha-port-de-l-api"] == "alpha" and placed["alpha-composants"] == "alpha"
    assert placed["beta-lister-les-conteneurs"] == "beta" and placed["beta-egalite"] == "beta"


def test_a_yaml_bank_named_txt_stays_yaml(editor_client, sections):
    response = upload(editor_client, YAML_BANK, "banque.txt")
    assert response.status_code == 200 and "alpha-yaml-upload-1" in response.content.decode()
    confirm(editor_client, response)
    assert Question.objects.get(uid="alpha-yaml-upload-1").kind == "truefalse"


def test_a_gift_file_with_a_problem_is_refused_in_french_and_writes_nothing(editor_client, sections):
    broken = "$CATEGORY: $course$/top/alpha\n\n::Essai::Racontez votre journée.{}\n"
    response = upload(editor_client, broken, "essai.txt")
    html = response.content.decode()
    assert response.status_code == 400 and "essai.txt:3" in html
    assert "ne sont pas prises en charge" in html or "pas pris" in html
    assert not Question.objects.exists()
