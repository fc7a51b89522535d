"""The Anki deck: one note per active question, stable ids, the right answer on the back."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from course.models import Section
from interop import anki
from interop.exports import exportable_questions
from quizzes.kinds import cloze
from quizzes.models import Question
from quizzes.revisions import revision_apply
from tests.interop.export_helpers import load_gamma, read_apkg


@pytest.fixture
def every_kind(loaded_banks, section_factory, tmp_path):
    return load_gamma(section_factory, tmp_path)


def export(*, section: Section | None = None, timestamp: float = 1_700_000_000.0, **options):
    package = anki.deck_build(exportable_questions(section=section), title=anki.DECK_ROOT, **options)
    return read_apkg(anki.apkg_bytes(package, timestamp=timestamp))


def front_letter(front: str, text: str) -> str:
    match = re.search(rf'<span class="rappel-letter">(\w+)\.</span> {re.escape(text)}</li>', front)
    assert match, f"{text!r} is not among the choices"
    return match.group(1)


def test_one_note_per_active_question(every_kind):
    Question.objects.filter(uid="beta-short-1").update(active=False)
    deck = export()
    active = set(Question.objects.filter(active=True).values_list("uid", flat=True))
    assert set(deck.notes) == active
    assert "beta-short-1" not in deck.notes
    assert len(active) == 9  # 6 in alpha and beta, 4 in gamma, one deactivated


def test_the_package_is_a_zip_with_the_collection_and_an_empty_media_list(every_kind):
    data = anki.apkg_bytes(anki.deck_build(exportable_questions(), title=anki.DECK_ROOT))
    assert read_apkg(data).names == ["collection.anki2", "media"]


def test_guids_follow_the_uid_and_are_stable_across_exports_and_edits(every_kind):
    first = export(timestamp=1_700_000_000.0)
    question = Question.objects.get(uid="alpha-truefalse-1")
    revision_apply(question=question, prompt="Autre énoncé.", explanation="Autre.", spec={"answer": True})
    second = export(timestamp=1_800_000_000.0)
    assert {uid: n.guid for uid, n in first.notes.items()} == {uid: n.guid for uid, n in second.notes.items()}
    assert first.notes["alpha-single-1"].guid == anki.note_guid("alpha-single-1")
    assert len({n.guid for n in first.notes.values()}) == len(first.notes)
    assert "Autre énoncé." in second.notes["alpha-truefalse-1"].front  # same note, new content


def test_one_sub_deck_per_section_with_a_stable_id(every_kind):
    deck = export()
    assert {"Rappel", "Rappel::Alpha", "Rappel::Bêta", "Rappel::Gamma"} <= set(deck.decks)
    assert deck.decks["Rappel"] == anki.ROOT_DECK_ID
    assert deck.decks["Rappel::Bêta"] == anki.section_deck_id("beta")
    assert deck.notes["alpha-single-1"].deck == "Rappel::Alpha"
    assert deck.notes["gamma-cloze-1"].deck == "Rappel::Gamma"
    assert len({anki.section_deck_id(slug) for slug in ("alpha", "beta", "gamma")} | {anki.ROOT_DECK_ID}) == 4


def test_a_section_export_holds_only_that_sections_deck(every_kind):
    deck = export(section=Section.objects.get(slug="beta"))
    assert set(deck.notes) == {"beta-short-1", "beta-matching-1", "beta-ordering-1"}
    assert "Rappel::Alpha" not in deck.decks


def test_deck_names_cannot_nest_deeper_than_the_section():
    assert anki.deck_name("Rappel", "YAML :: syntaxe ") == "Rappel::YAML : syntaxe"


def test_tags_are_the_section_slug_and_the_question_tags_without_spaces(every_kind):
    deck = export()
    assert deck.notes["alpha-single-1"].tags == ["alpha", "shortname"]
    assert deck.notes["gamma-cloze-1"].tags == ["gamma", "yaml", "deux_mots"]


def test_the_note_type_has_fixed_id_four_fields_and_the_pygments_colours(every_kind):
    deck = export()
    assert {n.model_id for n in deck.notes.values()} == {anki.MODEL_ID}
    model = deck.models[anki.MODEL_ID]
    assert [field["name"] for field in model["flds"]] == ["Front", "Back", "Section", "Uid"]
    assert ".highlight .k " in model["css"]  # a Pygments rule from static/css/pygments.css
    assert ".rappel-blank" in model["css"]


def test_the_same_timestamp_gives_the_same_bytes(every_kind):
    def build() -> bytes:
        package = anki.deck_build(exportable_questions(), title=anki.DECK_ROOT)
        return anki.apkg_bytes(package, timestamp=1_700_000_000.0)

    assert build() == build()


def test_every_back_has_the_explanation_and_the_source_line(every_kind):
    deck = export()
    for note in deck.notes.values():
        question = Question.objects.select_related("current_revision", "section").get(uid=note.uid)
        assert question.current_revision.prompt_html in note.front
        assert question.current_revision.explanation_html in note.back
        assert str(anki.SOURCE % {"section": question.section.title}) in note.back
        assert note.section == question.section.title


def test_the_source_line_links_to_the_section_when_the_site_is_known(every_kind):
    deck = export(site_url="https://rappel.example/")
    assert '<a href="https://rappel.example/course/alpha/">Alpha</a>' in deck.notes["alpha-single-1"].back


def test_single_choice_shows_lettered_choices_and_the_right_letter(every_kind):
    note = export().notes["alpha-single-1"]
    assert "Quelle ressource désigne" in note.front
    for text in ("ConfigMap", "CustomResourceDefinition", "ClusterRole"):
        front_letter(note.front, text)
    letter = front_letter(note.front, "ConfigMap")
    answer = note.back.split("rappel-explanation")[0]
    assert f'<span class="rappel-letter">{letter}.</span> ConfigMap' in answer
    wrong = front_letter(note.front, "ClusterRole")
    assert f'<span class="rappel-letter">{wrong}.</span> ClusterRole' not in answer
    assert "Son nom court est <code>crd</code>." in answer  # a choice's own feedback


def test_multiple_choice_shows_every_right_choice(every_kind):
    note = export().notes["alpha-multiple-1"]
    answer = note.back.split("rappel-explanation")[0]
    for text in ("kubelet", "un runtime CRI"):
        assert f'<span class="rappel-letter">{front_letter(note.front, text)}.</span> {text}' in answer
    for text in ("kube-scheduler", "etcd"):
        assert f"</span> {text}</li>" not in answer


def test_true_false_says_which(every_kind):
    note = export().notes["alpha-truefalse-1"]
    assert "<p>Faux</p>" in note.back


def test_short_answer_lists_the_accepted_answers(every_kind):
    note = export().notes["beta-short-1"]
    assert "<code>svc</code>" in note.back and "<code>services</code>" in note.back
    assert "svc" not in note.front


def test_matching_shows_both_columns_on_the_front_and_the_pairs_on_the_back(every_kind):
    note = export().notes["beta-matching-1"]
    for text in ("cm", "sts", "sa", "ConfigMap", "StatefulSet", "ServiceAccount", "Secret"):
        assert f" {text}</td>" in note.front
    letter = re.search(r'<span class="rappel-letter">(\w)\.</span> ConfigMap</td>', note.front).group(1)
    pair = rf'\d\. cm</td><td><span class="rappel-letter">{letter}\.</span> ConfigMap</td>'
    assert re.search(pair, note.back)
    assert "Secret" not in note.back.split("rappel-explanation")[0]  # the distractor pairs with nothing


def test_ordering_shows_the_items_out_of_order_and_the_right_order_on_the_back(every_kind):
    note = export().notes["beta-ordering-1"]
    shown = re.findall(r"<li>• (\w+)</li>", note.front)
    assert sorted(shown) == ["created", "exited", "running"]
    assert shown != ["created", "running", "exited"]
    assert "<ol><li>created</li><li>running</li><li>exited</li></ol>" in note.back


@pytest.mark.parametrize("seed", range(40))
def test_shuffled_items_are_never_in_the_right_order(seed):
    assert anki._shuffled_items(["a", "b"], f"seed-{seed}") == ["b", "a"]


def test_cloze_shows_blanks_on_the_front_and_the_filled_code_on_the_back(every_kind):
    note = export().notes["gamma-cloze-1"]
    assert note.front.count('<span class="rappel-blank">[...]</span>') == 2
    assert "v1" not in note.front and "Pod" not in note.front.split("rappel-hint")[1]
    assert 'apiVersion: <mark class="rappel-fill">v1</mark>' in note.back
    assert 'kind: <mark class="rappel-fill">Pod</mark>' in note.back
    assert "<code>Pod</code>, <code>pod</code>" in note.back  # every accepted spelling of blank 2


def test_code_keeps_every_space_and_line_and_its_text_is_escaped(every_kind):
    question = Question.objects.get(uid="gamma-cloze-1")
    text = "a: <[[b&c]]>\n\n  d: [[e|f<g]] [[i]]\n  h: 1"
    spec = cloze.build_spec({"text": text, "language": "yaml"}, uid=question.uid)
    revision_apply(question=question, prompt="Complétez.", explanation="Voir.", spec=spec)
    note = export().notes["gamma-cloze-1"]
    blank = '<span class="rappel-blank">[...]</span>'
    assert f"<pre><code>a: &lt;{blank}&gt;\n\n  d: {blank} {blank}\n  h: 1</code></pre>" in note.front
    filled = [f'<mark class="rappel-fill">{fill}</mark>' for fill in ("b&amp;c", "e", "i")]
    assert "<pre><code>a: &lt;{}&gt;\n\n  d: {} {}\n  h: 1</code></pre>".format(*filled) in note.back
    assert "<code>e</code>, <code>f&lt;g</code>" in note.back


def test_yaml_shows_the_starter_and_the_checks(every_kind):
    note = export().notes["gamma-yaml-1"]
    assert "kind: Pdo" in note.front
    assert "<code>kind equals Pod</code>" in note.back
    assert "<code>kind equals Pod</code> — Le kind s'écrit <code>Pod</code>." in note.back


def test_command_shows_the_accepted_commands_and_the_common_mistakes(every_kind):
    note = export().notes["gamma-command-1"]
    assert "kubectl get pods -n kube-system" in note.back
    assert "kube-system" in note.front  # only in the prompt
    assert "<code>kubectl get pods</code> — Sans <code>-n</code>, le namespace courant." in note.back


def test_flashcard_shows_its_back(every_kind):
    note = export().notes["gamma-flashcard-1"]
    assert "<code>cm</code>" in note.back.split("rappel-explanation")[0]


def test_export_anki_command_writes_the_whole_course(every_kind, tmp_path):
    path = tmp_path / "all.apkg"
    out = StringIO()
    call_command("export_anki", str(path), stdout=out)
    assert len(read_apkg(path.read_bytes()).notes) == 10
    assert out.getvalue() == f"wrote {path}: 10 notes in 3 section deck(s)\n"


def test_export_anki_command_writes_one_section(every_kind, tmp_path):
    path = tmp_path / "beta.apkg"
    call_command("export_anki", str(path), "--section", "beta", stdout=StringIO())
    deck = read_apkg(path.read_bytes())
    assert set(deck.notes) == {"beta-short-1", "beta-matching-1", "beta-ordering-1"}


def test_export_anki_command_refuses_an_unknown_section(every_kind, tmp_path):
    with pytest.raises(CommandError, match="unknown section 'nope'"):
        call_command("export_anki", str(tmp_path / "x.apkg"), "--section", "nope")
    assert not (tmp_path / "x.apkg").exists()
