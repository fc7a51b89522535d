"""Anki decks (``.apkg``) of the question bank, for review offline on a phone.

One note per question, of one note type with the fields Front, Back, Section and Uid:

- Front: the prompt (its stored, Pygments-highlighted HTML) and what the kind needs to ask it:
  lettered choices, the two columns of a matching, the items of an ordering (shuffled, never in
  the right order), the code of a cloze with its blanks shown as ``[...]``, the starter of a
  yaml question;
- Back: the right answer, the explanation and a line "Source: Rappel — <section>".

Ids that make a re-import *update* the student's notes instead of duplicating them:

- ``MODEL_ID`` and ``ROOT_DECK_ID`` are fixed integers, drawn once at random in genanki's
  recommended range [2**30, 2**31). Never change them: Anki would see a new note type / deck.
- a section's deck id is derived from its slug (``section_deck_id``), so it is the same in every
  export and on every server;
- a note's GUID is derived from the question's uid (``note_guid``): Anki matches notes by GUID,
  so an edited question replaces the old note and keeps the student's review history.

Everything is deterministic except genanki's timestamps (note and card ids, modification
times); pass ``timestamp`` to ``write_apkg`` to fix them too.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import sqlite3
import string
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import genanki
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from course.models import Section
from interop.exports import FALSE, TRUE, yaml_check_text
from quizzes.kinds import cloze, shuffled
from quizzes.models import Question

MODEL_ID = 1_607_392_319
ROOT_DECK_ID = 1_868_471_202
MODEL_NAME = "Rappel (Docker & Kubernetes)"
DECK_ROOT = "Rappel"
FIELDS = ("Front", "Back", "Section", "Uid")

PYGMENTS_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "pygments.css"

PICK_ONE = _("Pick one answer")
TICK_EVERY = _("Tick every right answer.")
TRUE_OR_FALSE = _("True or false?")
MATCH_ITEMS = _("Match each item with its partner.")
PUT_IN_ORDER = _("Put these items in order.")
FILL_BLANKS = _("Fill in each blank of the code.")
STARTER = _("Starting point:")
RIGHT_ANSWER = _("Right answer")
RIGHT_ANSWERS = _("Right answers")
ACCEPTED_ANSWERS = _("Accepted answers")
ACCEPTED_COMMANDS = _("Accepted commands")
COMMON_MISTAKES = _("Common mistakes")
CHOICE_NOTES = _("About the choices")
RIGHT_ORDER = _("Right order")
BLANK_NUMBER = _("Blank %(n)s")
MODEL_ANSWER = _("A model answer")
CHECKS = _("Checks")
SCHEMA_CHECKED = _("Checked against the Kubernetes %(version)s schema.")
SOURCE = _("Source: Rappel — %(section)s")

_CARD_CSS = """
.card { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 18px;
  line-height: 1.45; text-align: left; color: #1f2328; background: #ffffff; padding: 0 .4em; }
.card.nightMode, .nightMode .card { color: #e6e9ef; background: #1b1f27; }
.rappel-section { font-size: .75em; opacity: .7; margin-bottom: .5em; }
.rappel-hint { font-size: .85em; opacity: .8; font-style: italic; }
.rappel-answer { margin: .5em 0; }
.rappel-explanation { border-top: 1px solid rgba(127, 127, 127, .35); margin-top: .8em; padding-top: .4em; }
.rappel-source { font-size: .8em; opacity: .75; margin-top: 1em; }
.rappel-list { padding-left: 0; list-style: none; }
.rappel-list li { margin: .3em 0; }
.rappel-letter { display: inline-block; min-width: 1.6em; font-weight: bold; }
.rappel-right { font-weight: bold; }
table.rappel-table { border-collapse: collapse; margin: .5em 0; }
table.rappel-table td, table.rappel-table th { border: 1px solid rgba(127, 127, 127, .4); padding: .2em .5em;
  vertical-align: top; }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .88em; }
:not(pre) > code { background: rgba(127, 127, 127, .18); padding: .05em .3em; border-radius: 4px; }
.highlight { border-radius: 6px; padding: .5em .7em; margin: .5em 0; overflow-x: auto; }
.highlight, .highlight pre { color: #1f2328; }
.highlight pre { margin: 0; white-space: pre; background: transparent; }
.rappel-blank { color: #8a5a00; background: #fff4dc; font-weight: bold; }
mark.rappel-fill { color: #0b5d1e; background: #dff5e3; font-weight: bold; }
@media (prefers-color-scheme: dark) {
  .highlight, .highlight pre { color: #d6dbe4; }
  .rappel-blank { color: #f3c064; background: #3a2f14; }
  mark.rappel-fill { color: #9be3ae; background: #163a22; }
}
"""


@functools.cache
def card_css() -> str:
    """The note type's CSS: our card styles after the site's Pygments colours."""
    return PYGMENTS_CSS.read_text(encoding="utf-8") + _CARD_CSS


def note_model() -> genanki.Model:
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {
                "name": "Rappel",
                "qfmt": render_to_string("interop/anki/card.html#question"),
                "afmt": render_to_string("interop/anki/card.html#answer"),
            }
        ],
        css=card_css(),
        sort_field_index=FIELDS.index("Uid"),
    )


def section_deck_id(slug: str) -> int:
    """A stable deck id for a section, in genanki's range [2**30, 2**31)."""
    digest = hashlib.sha256(f"rappel-deck\0{slug}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(uid: str) -> str:
    """The note's GUID: a function of the question's uid only, so re-imports update the note."""
    return genanki.guid_for("rappel", uid)


def deck_name(root: str, section_title: str) -> str:
    # "::" separates levels in Anki: a title holding it would make a deeper deck.
    return f"{root}::{section_title.replace('::', ':').strip()}"


def anki_tags(question: Question) -> list[str]:
    """The question's tags and its section slug, without spaces (Anki separates tags by spaces)."""
    out: list[str] = []
    for tag in [question.section.slug, *question.tags]:
        clean = "_".join(str(tag).replace('"', "").split())
        if clean and clean not in out:
            out.append(clean)
    return out


# --- front and back, per kind ------------------------------------------------------------------
# The markup is templates/interop/anki/note.html; here is what it shows, per kind.

NOTE_TEMPLATE = "interop/anki/note.html"
LABELS = {
    "right_answer": RIGHT_ANSWER,
    "right_answers": RIGHT_ANSWERS,
    "accepted_answers": ACCEPTED_ANSWERS,
    "accepted_commands": ACCEPTED_COMMANDS,
    "common_mistakes": COMMON_MISTAKES,
    "choice_notes": CHOICE_NOTES,
    "right_order": RIGHT_ORDER,
    "model_answer": MODEL_ANSWER,
    "checks": CHECKS,
}
_SECTION_MARK = "\x00"  # where the section's title (or link) goes in the translated SOURCE


class Lettered(NamedTuple):
    """A choice or a matching option as the front letters it (its HTML is stored, sanitised)."""

    letter: str
    html: str


class Numbered(NamedTuple):
    """A left item of a matching, numbered as the front shows it."""

    number: int
    html: str


def _letter(index: int) -> str:
    return string.ascii_uppercase[index] if index < len(string.ascii_uppercase) else str(index + 1)


def _lettered_choices(spec: Mapping[str, Any], uid: str) -> list[tuple[str, dict]]:
    return [(_letter(i), c) for i, c in enumerate(shuffled(spec["choices"], f"anki-{uid}"))]


def _shuffled_items(items: Sequence[Any], seed: str) -> list[Any]:
    """Items shuffled by ``seed``, never left in their original (right) order."""
    out = shuffled(items, seed)
    if len(out) > 1 and out == list(items):
        out = out[1:] + out[:1]
    return out


def _matching_layout(
    spec: Mapping[str, Any], uid: str
) -> tuple[list[tuple[int, dict]], dict[str, tuple[str, str]]]:
    """The numbered left items and the lettered right options (partners and distractors), both
    shuffled, as the front shows them: ``([(1, pair)...], {"A": (right key, html)...})``."""
    lefts = list(enumerate(_shuffled_items(spec["pairs"], f"anki-{uid}-left"), start=1))
    rights = [(p["right_key"], p["right_html"]) for p in spec["pairs"]]
    rights += [(d["key"], d["html"]) for d in spec["distractors"]]
    options = {_letter(i): option for i, option in enumerate(shuffled(rights, f"anki-{uid}-right"))}
    return lefts, options


def _cloze_pieces(spec: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The cloze's code as (text, first accepted answer of the blank after it) pieces; the last
    text has no blank after it (``None``)."""
    return list(itertools.zip_longest(spec["parts"], cloze.first_answers(spec)))


def _front_context(kind: str, spec: Mapping[str, Any], uid: str) -> dict[str, Any]:
    """What the front shows after the prompt: a hint and what the kind needs to ask it."""
    if kind in {"single", "multiple"}:
        choices = [Lettered(letter, c["html"]) for letter, c in _lettered_choices(spec, uid)]
        return {"hint": PICK_ONE if kind == "single" else TICK_EVERY, "choices": choices}
    if kind == "truefalse":
        return {"hint": TRUE_OR_FALSE}
    if kind == "matching":
        lefts, options = _matching_layout(spec, uid)
        # Two columns side by side; every pair brings its partner, so only the left one runs out.
        rows = itertools.zip_longest(
            [Numbered(n, p["left_html"]) for n, p in lefts],
            [Lettered(letter, html) for letter, (_key, html) in options.items()],
        )
        return {"hint": MATCH_ITEMS, "rows": list(rows)}
    if kind == "ordering":
        items = _shuffled_items(spec["items"], f"anki-{uid}")
        return {"hint": PUT_IN_ORDER, "items": [item["html"] for item in items]}
    if kind == "cloze":
        return {"hint": FILL_BLANKS, "cloze": _cloze_pieces(spec), "language": spec["language"]}
    if kind == "yaml" and spec.get("starter"):
        return {"hint": STARTER, "code": spec["starter"], "language": "yaml"}
    return {}  # short, command, flashcard, yaml without starter: the prompt says it all


def _back_context(kind: str, spec: Mapping[str, Any], uid: str) -> dict[str, Any]:
    """The right answer, with the letters and numbers the front gave."""
    if kind in {"single", "multiple"}:
        lettered = _lettered_choices(spec, uid)
        return {
            "right": [Lettered(letter, c["html"]) for letter, c in lettered if c["correct"]],
            "notes": [
                Lettered(letter, c["feedback_html"]) for letter, c in lettered if c.get("feedback_html")
            ],
        }
    if kind == "truefalse":
        return {"answer": TRUE if spec["answer"] else FALSE}
    if kind == "short":
        return {"answers": spec["answers"]}
    if kind == "matching":
        lefts, options = _matching_layout(spec, uid)
        partners = {key: Lettered(letter, html) for letter, (key, html) in options.items()}
        return {"rows": [(Numbered(n, p["left_html"]), partners[p["right_key"]]) for n, p in lefts]}
    if kind == "ordering":
        return {"items": [item["html"] for item in spec["items"]]}
    if kind == "cloze":
        variants = [
            (BLANK_NUMBER % {"n": n}, blank["answers"])
            for n, blank in enumerate(spec["blanks"], start=1)
            if len(blank["answers"]) > 1
        ]
        return {"cloze": _cloze_pieces(spec), "language": spec["language"], "variants": variants}
    if kind == "command":
        return {"answers": spec["answers"], "language": "bash", "mistakes": spec.get("mistakes", [])}
    if kind == "flashcard":
        return {"answer_html": spec["answer_html"]}
    if kind == "yaml":
        version = spec.get("kubernetes")
        return {
            "code": spec.get("solution") or "",
            "language": "yaml",
            "checks": [(yaml_check_text(c), c["explain_html"]) for c in spec["checks"]],
            "schema": SCHEMA_CHECKED % {"version": version.rsplit(".", 1)[0]} if version else "",
        }
    raise ValueError(f"unknown kind {kind!r}")


def note_fields(question: Question, *, site_url: str = "") -> tuple[str, str, str, str]:
    """Front, Back, Section and Uid of a question's note (HTML, from its current revision)."""
    revision = question.current_revision
    kind, spec, uid, section = question.kind, revision.spec, question.uid, question.section
    front = render_to_string(
        f"{NOTE_TEMPLATE}#front",
        {"kind": kind, "prompt_html": revision.prompt_html, **_front_context(kind, spec, uid)},
    )
    # SOURCE is translated here, with %; the template puts the title (a link if the site is known)
    # between the text before and after it.
    source_before, _, source_after = str(SOURCE % {"section": _SECTION_MARK}).partition(_SECTION_MARK)
    back = render_to_string(
        f"{NOTE_TEMPLATE}#back",
        {
            "kind": kind,
            "labels": LABELS,
            "explanation_html": revision.explanation_html,
            "section_title": section.title,
            "section_url": site_url.rstrip("/") + section.get_absolute_url() if site_url else "",
            "source_before": source_before,
            "source_after": source_after,
            **_back_context(kind, spec, uid),
        },
    )
    return front, back, escape(section.title), escape(uid)


def deck_build(
    questions: Iterable[Question], *, title: str = DECK_ROOT, description: str = "", site_url: str = ""
) -> genanki.Package:
    """A package with a root deck ``title`` and one sub-deck per section (``title::<section>``).

    ``questions`` need ``section`` and ``current_revision`` loaded (``exportable_questions``).
    ``site_url`` (``https://host``) turns the source line into a link to the section's notes.
    """
    model = note_model()
    root = genanki.Deck(ROOT_DECK_ID, title, description=escape(description))
    decks: dict[int, genanki.Deck] = {}
    for position, question in enumerate(questions):
        section: Section = question.section
        deck = decks.get(section.pk)
        if deck is None:
            deck = decks[section.pk] = genanki.Deck(
                section_deck_id(section.slug), deck_name(title, section.title)
            )
        deck.add_note(
            genanki.Note(
                model=model,
                fields=list(note_fields(question, site_url=site_url)),
                tags=anki_tags(question),
                guid=note_guid(question.uid),
                due=position,  # new cards come in course order
            )
        )
    return genanki.Package([root, *decks.values()])


def write_apkg(package: genanki.Package, stream: BinaryIO, *, timestamp: float | None = None) -> None:
    """Write ``package`` as an .apkg (a zip holding the SQLite collection) to a binary stream.

    Unlike ``Package.write_to_file``, it builds the collection in memory (no temporary file left
    behind) and compresses it; with ``timestamp`` given, the bytes are the same on every run.
    """
    if timestamp is None:
        timestamp = time.time()
    connection = sqlite3.connect(":memory:")
    try:
        # raw SQL: the Anki collection is an SQLite file that genanki fills through a DB-API cursor;
        # it is no Django database, there is no ORM for it.
        package.write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("collection.anki2", collection), ("media", b"{}")):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def apkg_bytes(package: genanki.Package, *, timestamp: float | None = None) -> bytes:
    buffer = io.BytesIO()
    write_apkg(package, buffer, timestamp=timestamp)
    return buffer.getvalue()
