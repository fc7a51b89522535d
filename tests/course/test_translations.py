"""French first, English complete: every string of the templates and the code is in both
catalogues, translated, compiled, and the catalogues are current with the source."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course.catalogues import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
SOURCES = ["config", "course", "quizzes", "review", "classes", "interop", "live", "templates", "manage.py"]


def catalogue(language: str) -> dict:
    return {(e.msgid, e.msgid_plural): e for e in read_po(LOCALE / language / "LC_MESSAGES" / "django.po")}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_string_is_translated(language):
    untranslated = [e.msgid for e in catalogue(language).values() if not e.translated]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"


def test_both_catalogues_hold_the_same_strings():
    assert set(catalogue("fr")) == set(catalogue("en"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogue_matches_its_source(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    for entry in catalogue(language).values():
        if not entry.translated:
            continue  # reported by test_every_string_is_translated
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr["0"], entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr["0"], entry.msgid


def test_format_placeholders_agree():
    for language in ("fr", "en"):
        result = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(LOCALE / language / "LC_MESSAGES" / "django.po")],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


def test_the_catalogues_are_current_with_the_source(tmp_path):
    """Extract the strings again from a copy of the source: nothing may be missing."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(LOCALE, tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    extracted = {
        (e.msgid, e.msgid_plural) for e in read_po(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    }
    missing = extracted - set(catalogue("fr"))
    assert not missing, f"run `make messages` and translate: {sorted(missing)[:5]}"
