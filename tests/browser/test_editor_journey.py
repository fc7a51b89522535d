"""An editor fixes a question in the admin with the live Markdown preview, checks it as a
student would see it, and imports a YAML bank through the dry run."""

from __future__ import annotations

from playwright.sync_api import expect

from quizzes.models import Question
from tests.browser.helpers import shoot, watch

BANK = """section: alpha
questions:
  - uid: alpha-import-pods-1
    kind: truefalse
    difficulty: 1
    tags: [pod]
    prompt: "Un Pod peut regrouper plusieurs conteneurs."
    answer: true
    explanation: "Oui : ils partagent le réseau et les volumes du Pod."
"""


def test_an_editor_edits_with_the_live_preview_and_imports_a_bank(
    page, url, banks, user_factory, log_in, tmp_path
):
    editor = user_factory(username="editrice", groups=("editors",), is_staff=True)
    log_in(page.context, editor)
    problems = watch(page)
    question = Question.objects.get(uid="alpha-single-1")

    page.goto(url("admin:quizzes_question_change", question.pk))
    prompt = page.locator("textarea#id_prompt")
    prompt.fill("Quelle ressource désigne **`cm`** dans `kubectl get cm` ?")
    preview = page.locator("#preview-prompt")
    expect(preview.locator("strong code")).to_have_text("cm")  # rendered as you type, no reload
    expect(page.locator("#preview-explanation")).to_contain_text("nom court")
    shoot(page, "editor-live-preview.png")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("révision 2")
    question.refresh_from_db()
    assert question.current_revision.number == 2

    page.goto(url("admin:quizzes_question_preview", question.pk))
    expect(page.locator(".student-preview")).to_contain_text("kubectl get cm")
    page.get_by_label("ConfigMap").check()
    page.get_by_role("button", name="Vérifier ma réponse").click()
    expect(page.locator(".verdict")).to_contain_text("Exact")

    bank = tmp_path / "ajout.yaml"
    bank.write_text(BANK, encoding="utf-8")
    page.goto(url("admin:quizzes_question_import"))
    page.locator("input[type=file]").set_input_files(str(bank))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("Essai à blanc : rien n'a encore été écrit")).to_be_visible()
    expect(page.get_by_text("alpha-import-pods-1")).to_be_visible()
    assert not Question.objects.filter(uid="alpha-import-pods-1").exists()
    shoot(page, "editor-import-dry-run.png")
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.locator(".messagelist")).to_contain_text("Banque importée")
    assert Question.objects.filter(uid="alpha-import-pods-1", active=True).exists()
    assert problems == []
