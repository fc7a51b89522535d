"""The apps depend on each other one way only (DESIGN.md, "Apps and what each owns"):

    course <- quizzes <- review <- classes <- interop;  config may use any app;  bench may use
    anything;  nothing uses bench.

Every module of our apps, migrations included, is read with `ast` (no import is run): `import x`,
`from x import y` and relative imports, at the top of a module or inside a function; lazy
references too: a model named as "app_label.Model" (`to=`, `through=`), `apps.get_model(...)`, a
migration's `dependencies`, `import_module("...")` and `include("...")`. Each reference from one
app to another is an edge of the app graph; the tests fail on an edge the layers forbid and on
any cycle, naming the module, the line and the reference.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ("course", "quizzes", "review", "classes", "interop")  # each may use those before it
ALLOWED: dict[str, frozenset[str]] = {
    **{app: frozenset(LAYERS[:index]) for index, app in enumerate(LAYERS)},
    # Live class sessions sit above classes, beside interop: nothing below may use them.
    "live": frozenset({"course", "quizzes", "review", "classes"}),
    "config": frozenset({*LAYERS, "live"}),
    "bench": frozenset({*LAYERS, "live", "config"}),
}
APPS = tuple(ALLOWED)
NOT_APPS = {"tests"}  # packages at the root that the walk leaves out


@dataclass(frozen=True)
class Reference:
    """One module of an app referring to another app: where, what, and which two apps."""

    path: str  # relative to the project root
    line: int
    code: str  # the import or the reference, as written (normalised by ast.unparse)
    source: str  # the app the module belongs to
    target: str  # the app it refers to

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: `{self.code}` ({self.source} -> {self.target})"


# --- reading the modules --------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> tuple[str, str]:
    """The dotted name of the module at `path`, and the package relative imports start from."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def resolve(node: ast.ImportFrom, package: str) -> str:
    """The absolute module a `from ... import` names, its dots resolved against `package`."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _constant(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def referenced_modules(tree: ast.AST, package: str) -> Iterator[tuple[ast.AST, str]]:
    """Every (node, dotted name or app label) the module refers to, wherever the node sits."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node, resolve(node, package)
        elif isinstance(node, ast.Call):
            name = _called(node)
            if name in MODEL_FIELDS:  # ForeignKey("review.Card") / to="review.card" / through=...
                strings = [_constant(node.args[0])] if node.args else []
                strings += [_constant(k.value) for k in node.keywords if k.arg in {"to", "through"}]
                for string in strings:
                    if string and "." in string:
                        yield node, string.split(".")[0]
            elif name == "get_model" and node.args:  # apps.get_model("review", "Card") or ("review.Card")
                label = _constant(node.args[0])
                if label:
                    yield node, label.split(".")[0]
            elif name in {"import_module", "include"} and node.args:  # a module named in a string
                module = _constant(node.args[0])
                if module and not module.startswith("."):
                    yield node, module
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets
        ):  # a migration's dependencies = [("review", "0001_initial"), ...]
            for element in getattr(node.value, "elts", []):
                label = (
                    _constant(element.elts[0]) if isinstance(element, ast.Tuple) and element.elts else None
                )
                if label:
                    yield element, label


def references(root: Path, apps: Iterable[str]) -> Iterator[Reference]:
    """Every reference from a module of one of `apps` (under `root`) to another of them."""
    apps = set(apps)
    for app in sorted(apps):
        for path in sorted((root / app).rglob("*.py")):
            inside = path.relative_to(root).parts
            if "__pycache__" in inside or any(part.startswith(".") for part in inside):  # caches, venvs
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            _module, package = module_name(path, root)
            for node, name in referenced_modules(tree, package):
                target = name.split(".")[0]
                if target in apps and target != app:
                    yield Reference(
                        path=path.relative_to(root).as_posix(),
                        line=node.lineno,
                        code=ast.unparse(node),
                        source=app,
                        target=target,
                    )


# --- judging the graph ------------------------------------------------------------------------------


def forbidden(refs: Iterable[Reference], allowed: Mapping[str, Iterable[str]]) -> list[str]:
    """A line for every reference going a way the layers do not allow."""
    return [str(ref) for ref in refs if ref.target not in allowed.get(ref.source, ())]


def cycles(refs: Iterable[Reference]) -> list[str]:
    """A line for every group of apps that depend on each other (a strongly connected component
    of two apps or more, Tarjan's algorithm), with the references making each edge of it."""
    refs = list(refs)
    graph: dict[str, set[str]] = {}
    for ref in refs:
        graph.setdefault(ref.source, set()).add(ref.target)
        graph.setdefault(ref.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found = []
    for component in components:
        edges = sorted(
            {(r.source, r.target): r for r in refs if {r.source, r.target} <= component}.values(),
            key=lambda r: (r.source, r.target),
        )
        found.append(f"cycle between {', '.join(sorted(component))}: " + "; ".join(str(r) for r in edges))
    return found


# --- the project ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_references() -> list[Reference]:
    return list(references(ROOT, APPS))


def test_every_package_of_ours_has_a_place_in_the_layers():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {
        p.parent.name for p in ROOT.glob("*/apps.py")
    }
    assert packages - NOT_APPS == set(APPS), "add the new app to ALLOWED in tests/test_architecture.py"


def test_the_walk_reads_our_apps_and_their_migrations(project_references):
    # Guards the test itself: were the walk to find nothing, the two tests below would pass.
    assert {r.source for r in project_references} >= {"quizzes", "review", "classes", "interop", "config"}
    assert any(r.path.startswith("quizzes/migrations/") and r.target == "course" for r in project_references)


def test_apps_depend_only_on_the_layers_below_them(project_references):
    wrong = forbidden(project_references, ALLOWED)
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_two_apps_depend_on_each_other(project_references):
    found = cycles(project_references)
    assert not found, "\n".join(found)


# --- the checker itself -----------------------------------------------------------------------------


def ref(source: str, target: str, code: str = "import x", path: str = "") -> Reference:
    return Reference(path=path or f"{source}/models.py", line=3, code=code, source=source, target=target)


def test_the_checker_names_the_module_and_the_import_going_the_wrong_way():
    refs = [
        ref("quizzes", "course", "from course.models import Section"),
        ref("course", "review", "from review.models import Card", path="course/views.py"),
        ref("review", "bench", "import bench.measure"),
        ref("config", "bench", "from bench import views"),
    ]
    assert forbidden(refs, ALLOWED) == [
        "course/views.py:3: `from review.models import Card` (course -> review)",
        "review/models.py:3: `import bench.measure` (review -> bench)",
        "config/models.py:3: `from bench import views` (config -> bench)",
    ]


def test_the_checker_finds_cycles_even_where_each_edge_is_allowed():
    allowed_both_ways = {"a": {"b"}, "b": {"a", "c"}, "c": set()}
    refs = [ref("a", "b", "import b"), ref("b", "a", "from a import x"), ref("b", "c", "import c")]
    assert forbidden(refs, allowed_both_ways) == []
    assert cycles(refs) == [
        "cycle between a, b: a/models.py:3: `import b` (a -> b); b/models.py:3: `from a import x` (b -> a)"
    ]
    three = [
        ref("course", "quizzes"),
        ref("quizzes", "review"),
        ref("review", "course"),
        ref("classes", "review"),
    ]
    assert [line.split(":")[0] for line in cycles(three)] == ["cycle between course, quizzes, review"]
    assert cycles([ref("quizzes", "course"), ref("review", "quizzes")]) == []


def test_the_walk_sees_every_kind_of_reference(tmp_path):
    """Imports inside functions, relative imports at any depth, lazy model references and a
    migration's dependencies are all edges."""
    files = {
        "low/__init__.py": "",
        "low/models.py": "",
        "high/__init__.py": "from .models import Thing\n",
        "high/models.py": "import os\n\ndef later():\n    import low.models\n",
        "high/sub/__init__.py": "",
        "high/sub/deep.py": "from ...low import models\nfrom .. import models as mine\n",
        "high/fields.py": "thing = ForeignKey('low.Thing', on_delete=CASCADE)\n",
        "high/lazy.py": "def f(apps):\n    return apps.get_model('low', 'T'), import_module('low.models')\n",
        "high/urls.py": "urlpatterns = [path('low/', include('low.urls'))]\n",
        "high/migrations/__init__.py": "",
        "high/migrations/0001_initial.py": "class Migration:\n    dependencies = [('low', '0001_initial')]\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = sorted((r.path, r.line, r.target) for r in references(tmp_path, ["low", "high"]))
    assert found == [
        ("high/fields.py", 1, "low"),
        ("high/lazy.py", 2, "low"),
        ("high/lazy.py", 2, "low"),
        ("high/migrations/0001_initial.py", 2, "low"),
        ("high/models.py", 4, "low"),
        ("high/sub/deep.py", 1, "low"),
        ("high/urls.py", 1, "low"),
    ]
    assert forbidden(references(tmp_path, ["low", "high"]), {"high": set(), "low": set()})[0] == (
        "high/fields.py:1: `ForeignKey('low.Thing', on_delete=CASCADE)` (high -> low)"
    )
