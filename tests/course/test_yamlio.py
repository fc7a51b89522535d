"""One set of bounds for every YAML text Rappel reads: depth, and what aliases may add."""

from __future__ import annotations

import pytest
import yaml

from course import yamlio

# 342 bytes; read naively, 9 levels of 9 aliases are 387 million strings.
BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
).join(['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n', ""])


@pytest.fixture
def nothing_is_built(monkeypatch):
    """Fail if any Python object is built from the nodes: refusals come from the node tree."""

    def refuse(*args, **kwargs):
        raise AssertionError("a refused text must not be constructed")

    monkeypatch.setattr(yamlio.SafeLoader, "construct_document", refuse)


def test_a_billion_laughs_is_refused_with_its_place_before_anything_is_built(nothing_is_built):
    data, problems = yamlio.load_text(BILLION_LAUGHS, path="bank.yaml")
    assert data is None
    limit = yamlio.MAX_ALIAS_EXPANSION
    assert [str(p) for p in problems] == [
        "bank.yaml:5: " + yamlio.ALIASES_TOO_LARGE % {"line": 5, "column": 4, "limit": limit}
    ]
    with pytest.raises(yamlio.YamlLimitError):
        yamlio.safe_load(BILLION_LAUGHS)


@pytest.mark.parametrize(
    "text",
    [
        "- " * 10_000 + "x",  # block sequences 10,000 deep
        "[" * 10_000 + "]" * 10_000,  # flow sequences
        "a:\n" + "".join("  " * depth + "a:\n" for depth in range(1, 2_000)),  # mappings
    ],
    ids=["block", "flow", "mappings"],
)
def test_deep_nesting_is_refused_at_the_limit_not_by_a_recursion_error(nothing_is_built, text):
    with pytest.raises(yamlio.YamlLimitError) as error:
        yamlio.safe_load(text)
    where = {"line": error.value.line, "column": error.value.column}
    assert error.value.message == yamlio.TOO_DEEP % {**where, "limit": yamlio.MAX_DEPTH}


def test_nesting_made_of_aliases_counts_too():
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    with pytest.raises(yamlio.YamlLimitError) as error:
        yamlio.safe_load(chain)
    assert error.value.message == yamlio.TOO_DEEP % {"line": 50, "column": 6, "limit": yamlio.MAX_DEPTH}


def test_an_alias_to_itself_is_refused():
    with pytest.raises(yamlio.YamlLimitError) as error:
        yamlio.safe_load("a: &a [1, *a]\n")
    assert error.value.message == yamlio.ALIAS_LOOP % {"line": 1, "column": 4}


def test_ordinary_anchors_and_deep_enough_documents_read_as_before():
    text = "base: &base {app: web}\nlabels:\n  <<: *base\n  tier: front\nboth: [*base, *base]\n"
    assert yamlio.safe_load(text) == yaml.safe_load(text)
    nested = "[" * yamlio.MAX_DEPTH + "]" * yamlio.MAX_DEPTH
    assert yamlio.safe_load(nested) == yaml.safe_load(nested)
    assert yamlio.safe_load_all("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    data, problems = yamlio.load_text("x: &x [1, 2]\ny: *x\n", path="f.yaml")
    assert data == {"x": [1, 2], "y": [1, 2]} and problems == []


def test_the_bound_is_the_expansion_not_the_text():
    """A long text as written is fine; the same size made of aliases is not."""
    long_text = "items:\n" + "".join(f"  - {'x' * 50}\n" for _ in range(4_000))  # 200,000 characters
    assert len(yamlio.safe_load(long_text)["items"]) == 4_000
    aliased = f"s: &s {'x' * 1_000}\nitems: [{', '.join(['*s'] * 200)}]\n"  # adds 200,000
    with pytest.raises(yamlio.YamlLimitError) as error:
        yamlio.safe_load(aliased)
    limit = yamlio.MAX_ALIAS_EXPANSION
    assert error.value.message == yamlio.ALIASES_TOO_LARGE % {"line": 2, "column": 8, "limit": limit}


@pytest.mark.parametrize("text", [BILLION_LAUGHS, "- " * 10_000 + "x", "a: &a [1, *a]\n"])
def test_the_pure_python_loader_keeps_the_same_bounds(text):
    """Where PyYAML has no libyaml, the pure-Python loader stops at the same limits."""
    loader = yamlio.PurePythonSafeLoader(text)
    with pytest.raises(yamlio.YamlLimitError):
        loader.get_single_data()
    loader.dispose()
