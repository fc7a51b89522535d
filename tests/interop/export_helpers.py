"""Shared by the export tests: a bank with the kinds the small test banks lack, and an .apkg reader."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from quizzes.banks import bank_load

GAMMA_BANK = """\
section: gamma
questions:
  - uid: gamma-cloze-1
    kind: cloze
    tags: [yaml, deux mots]
    prompt: "Complétez le manifeste."
    language: yaml
    text: |
      apiVersion: [[v1]]
      kind: [[Pod|pod]]
    explanation: "Un Pod est en `v1`."
  - uid: gamma-yaml-1
    kind: yaml
    prompt: "Corrigez ce Pod."
    starter: |
      kind: Pdo
    checks:
      - path: kind
        equals: Pod
        explain: "Le kind s'écrit `Pod`."
    explanation: "Un seul champ à corriger."
  - uid: gamma-command-1
    kind: command
    prompt: "Listez les pods de kube-system."
    answers: ["kubectl get pods -n kube-system"]
    mistakes:
      - {command: "kubectl get pods", feedback: "Sans `-n`, le namespace courant."}
    explanation: "`-n` choisit le namespace."
  - uid: gamma-flashcard-1
    kind: flashcard
    prompt: "Nom court de ConfigMap ?"
    answer: "`cm`"
    explanation: "Voir `kubectl api-resources`."
"""


def load_gamma(section_factory, tmp_path: Path):
    """A third section, Gamma, with a cloze, a yaml, a command and a flashcard question."""
    section_factory(slug="gamma", title="Gamma")
    path = tmp_path / "gamma.yaml"
    path.write_text(GAMMA_BANK, encoding="utf-8")
    return bank_load([path])


@dataclass
class Note:
    guid: str
    tags: list[str]
    front: str
    back: str
    section: str
    uid: str
    model_id: int
    deck: str


@dataclass
class Apkg:
    names: list[str]
    decks: dict[str, int]  # name -> id
    models: dict[int, dict]
    notes: dict[str, Note]  # by uid


def read_apkg(data: bytes) -> Apkg:
    """Open an .apkg as Anki would: a zip holding the SQLite collection ``collection.anki2``."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        names = archive.namelist()
        collection = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(collection)
        decks_json, models_json = connection.execute("SELECT decks, models FROM col").fetchone()
        decks = {deck["name"]: int(deck["id"]) for deck in json.loads(decks_json).values()}
        deck_names = {deck_id: name for name, deck_id in decks.items()}
        models = {int(key): value for key, value in json.loads(models_json).items()}
        notes: dict[str, Note] = {}
        rows = connection.execute(
            "SELECT n.guid, n.tags, n.flds, n.mid, c.did FROM notes n JOIN cards c ON c.nid = n.id"
        ).fetchall()
        for guid, tags, fields, model_id, deck_id in rows:
            front, back, section, uid = fields.split("\x1f")
            assert uid not in notes, f"two cards for {uid}"
            notes[uid] = Note(guid, tags.split(), front, back, section, uid, model_id, deck_names[deck_id])
    finally:
        connection.close()
    return Apkg(names=names, decks=decks, models=models, notes=notes)
