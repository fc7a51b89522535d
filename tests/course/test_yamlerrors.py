"""PyYAML's syntax errors as French sentences with the line and the column."""

from __future__ import annotations

import pytest
import yaml

from course.yamlerrors import KNOWN_PROBLEMS, yaml_error_message


def message(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load(text)
    return yaml_error_message(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c", "ligne 1, colonne 5 : un « : » là où aucune clé ne peut commencer"),
        ("\tb: 1", "ligne 1, colonne 1 : un caractère de tabulation"),
        ("a: 'pas fermé", "ligne 1, colonne 14 : le fichier se termine dans un texte entre guillemets"),
        ("a: [1, 2", "ligne 1, colonne 9 : une liste entre crochets [ ] n’est pas fermée"),
        ("a: {b: 1", "ligne 1, colonne 9 : un dictionnaire entre accolades { } n’est pas fermé"),
        ("a: *nope", "ligne 1, colonne 4 : l’alias *nope ne désigne aucune ancre"),
        ("a: @x", "ligne 1, colonne 4 : une valeur ne peut pas commencer par @"),
        ("a: 1\n---\nb: 2", "ligne 2, colonne 1 : un second document"),
        ("a:\n  - x\n b: 2", "ligne 3, colonne 2 : l’indentation de cette ligne ne correspond pas"),
        ('a: "\\q"', "ligne 1, colonne 6 : échappement \\q inconnu"),
        ("a: !!python/object x", "l’étiquette tag:yaml.org,2002:python/object n’est pas permise"),
        ("- path: [\n", "ligne 2, colonne 1 : le texte se termine là où une valeur était attendue"),
    ],
)
def test_known_errors_read_as_french_sentences(text, expected):
    result = message(text)
    assert result.startswith("erreur de syntaxe YAML ligne ")
    assert expected in result
    assert "while " not in result and "found" not in result  # no English left


def test_an_unknown_error_keeps_pyyaml_words_in_parentheses():
    error = yaml.MarkedYAMLError(problem="something odd happened", problem_mark=None)
    assert yaml_error_message(error) == "erreur de syntaxe YAML ligne 1, colonne 1 (something odd happened)"


def test_every_sentence_is_translated():
    from django.utils import translation

    for _pattern, sentence in KNOWN_PROBLEMS:
        with translation.override("en"):
            english = str(sentence)
        assert str(sentence) != english
