"""Our app code stays on Django's public API and renders HTML in templates (STYLE.md, "Lessons
from our own code"; DESIGN.md, "How fast, and how").

The app code (course, quizzes, review, classes, interop, config; not tests, bench or migrations)
is read with `ast` and `tokenize`, not run, so that a word in a comment or a docstring counts
for nothing while a use spread over several lines is still seen. It fails on:

- Django's private API: `ModelState`, `DeferredAttribute`, `related_descriptors`, `_state`,
  `set_cached_value`, calling `from_db()`, `get_col()` or `__new__()` to build instances,
  a queryset's private methods and caches, imports from `django.db.models.sql`, `.query_utils`,
  `.fields.related_descriptors` or `.base`;
- raw SQL (`cursor.execute`, `.raw(`, `.cursor()`) without a comment saying "raw SQL:" and why,
  on the line or within the three lines above it;
- HTML built in Python strings (a literal holding a table, list, form or SVG tag) outside the
  admin's `admin.py` (display columns use `format_html`) and the template tags.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("course", "quizzes", "review", "classes", "interop", "live", "config")

PRIVATE_NAMES = {"ModelState", "DeferredAttribute", "ForeignKeyDeferredAttribute", "related_descriptors"}
PRIVATE_ATTRIBUTES = PRIVATE_NAMES | {
    "_state",
    "set_cached_value",
    "_raw_delete",
    "_result_cache",
    "_prefetched_objects_cache",
    "_known_related_objects",
    "_fields_cache",
}
PRIVATE_CALLS = {"from_db", "get_col", "__new__"}
PLAIN_TYPES = {"str", "int", "float", "bytes", "tuple", "frozenset"}  # whose __new__ is fine to call
PRIVATE_MODULES = (
    "django.db.models.sql",
    "django.db.models.query_utils",
    "django.db.models.fields.related_descriptors",
    "django.db.models.base",
)
RAW_SQL_REASON = "raw SQL:"
HTML_TAG = re.compile(
    r"<(tr|td|th|thead|tbody|table|ul|ol|li|dl|dt|dd|div|span|a|button|input|select|option|form|label|"
    r"meter|img|svg|rect|path|circle)(\s|>|/>)",
    re.IGNORECASE,
)


def _private_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in PRIVATE_MODULES)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _comments(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {token.start[0]: token.string for token in tokens if token.type == tokenize.COMMENT}


def _raw_sql(node: ast.Call) -> bool:
    if not isinstance(node.func, ast.Attribute):
        return False
    attr, receiver = node.func.attr, ast.unparse(node.func.value)
    return attr in {"raw", "cursor"} or (attr in {"execute", "executemany"} and "cursor" in receiver.lower())


def problems(path: str, source: str) -> Iterator[str]:
    """Every use of private API, unexplained raw SQL and Python-built HTML in one module, as
    `path:line: `code` - what is wrong`."""
    tree = ast.parse(source, filename=path)
    comments = _comments(source)
    docstrings = _docstrings(tree)
    name = Path(path).name
    html_allowed = name == "admin.py" or "templatetags" in Path(path).parts

    def found(node: ast.AST, why: str) -> str:
        code = (ast.get_source_segment(source, node) or ast.unparse(node)).splitlines()
        return f"{path}:{node.lineno}: `{code[0]}{' ...' if len(code) > 1 else ''}` - {why}"

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _private_module(alias.name):
                    yield found(node, f"imports Django's private module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            private = [m for m in modules if _private_module(m)]
            imported = {alias.name for alias in node.names} & PRIVATE_NAMES
            if private or imported:
                yield found(
                    node, f"imports Django's private API {', '.join(private[:1] or sorted(imported))}"
                )
        elif isinstance(node, ast.Name) and node.id in PRIVATE_NAMES:
            yield found(node, f"uses Django's private {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            yield found(node, f"uses Django's private .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in PRIVATE_CALLS and not (
                attr == "__new__" and ast.unparse(node.func.value) in PLAIN_TYPES
            ):
                yield found(node, f"calls .{attr}() to build or read models behind the ORM's back")
            elif _raw_sql(node):
                lines = range(max(1, node.lineno - 3), node.lineno + 1)
                if not any(RAW_SQL_REASON in comments.get(line, "") for line in lines):
                    yield found(
                        node, f'raw SQL without a "# {RAW_SQL_REASON} <why>" comment within 3 lines above'
                    )
        elif (
            not html_allowed
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (match := HTML_TAG.search(node.value))
        ):
            tag = match.group(0).strip()
            yield f"{path}:{node.lineno}: HTML built in a Python string ({tag!r}): use a template"


def app_modules() -> list[Path]:
    paths = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "__pycache__" in parts or any(p.startswith(".") for p in parts):
                continue
            paths.append(path)
    return paths


def test_the_check_reads_every_app():
    checked = {p.relative_to(ROOT).as_posix() for p in app_modules()}
    assert {"course/models.py", "classes/reports.py", "config/settings.py", "interop/gift.py"} <= checked
    assert not any("/migrations/" in p or p.startswith(("tests/", "bench/")) for p in checked)


def test_app_code_uses_public_api_explained_raw_sql_and_templates():
    found = [
        problem
        for path in app_modules()
        for problem in sorted(
            set(problems(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))),
            key=lambda problem: int(problem.split(":")[1]),
        )
    ]
    files = sorted({line.split(":")[0] for line in found})
    assert not found, f"{len(found)} problems in {', '.join(files)}:\n" + "\n".join(found)


# --- the check itself ------------------------------------------------------------------------------


def check(source: str, path: str = "quizzes/thing.py") -> list[str]:
    return list(problems(path, source))


@pytest.mark.parametrize(
    "source",
    [
        "from django.db.models.base import ModelState\n",
        "from django.db.models.query_utils import Q\n",
        "from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute\n",
        "from django.db.models import sql\n",
        "import django.db.models.sql.compiler\n",
        "instance._state.adding = False\n",
        "field.set_cached_value(instance, related)\n",
        "answer = Answer.from_db('default', names, values)\n",
        "col = model._meta.get_field('pk').get_col('t')\n",
        "instance = model.__new__(model)\n",
        "queryset._raw_delete(connection.alias)\n",
        "isinstance(attr, DeferredAttribute)\n",
    ],
)
def test_private_api_is_found(source):
    assert len(check(source)) >= 1


@pytest.mark.parametrize(
    "source",
    [
        "from django.db.models import Q, F, Count\n",
        "fields = model._meta.get_fields()\n",
        '"""Never touch _state or build rows as <tr> in Python."""\n',
        "# instance._state is private; cursor.execute is raw SQL\nx = 1\n",
        "class Kind(str):\n    def __new__(cls, value):\n        return str.__new__(cls, value)\n",
        "class Answer(Model):\n    @classmethod\n    def from_db(cls, db, names, row):\n        return 1\n",
        'message = "<code>%(value)s</code> is not a resource"\n',
    ],
)
def test_public_api_comments_and_docstrings_pass(source):
    assert check(source) == []


def test_raw_sql_needs_its_reason_within_three_lines_above():
    bare = "with connection.cursor() as cursor:\n    cursor.execute(SQL)\n"
    assert [line.split(": `")[0] for line in check(bare)] == ["quizzes/thing.py:1", "quizzes/thing.py:2"]
    explained = "# raw SQL: a recursive CTE the ORM cannot express\n" + bare
    assert check(explained) == []
    too_far = "# raw SQL: a recursive CTE\n\n\n\n" + bare
    assert len(check(too_far)) == 2
    assert len(check("rows = Question.objects.raw('SELECT 1')\n")) == 1
    assert (
        check("# raw SQL: the database's own sequence reset\nrows = Question.objects.raw('SELECT 1')\n") == []
    )
    assert "- raw SQL without" in check("cursor.execute(SQL)\n")[0]


def test_html_in_python_strings_is_found_outside_admin_and_template_tags():
    row = "def row(name):\n    return f'<tr><td>{escape(name)}</td></tr>'\n"
    assert check(row) == ["quizzes/thing.py:2: HTML built in a Python string ('<tr>'): use a template"]
    assert len(check('svg = \'<svg viewBox="0 0 1 1"><rect x="0"/></svg>\'\n')) == 1
    assert len(check("items = '<li>' + name + '</li>'\n")) == 1
    column = "def link(obj):\n    return format_html('<a href=\"{}\">r{}</a>', url, obj.number)\n"
    assert check(column, path="quizzes/admin.py") == []
    assert check(row, path="course/templatetags/rappel.py") == []
    assert len(check(column, path="quizzes/views.py")) == 1
