"""The code's layout: apps depend in one direction, and no two modules import each other.

The apps follow the data (docs/architecture.md): core ← publish ← collect ← analyse, and
accounts on core only. The project's own modules (settings, urls, wsgi, cli, serving) sit
above every app and may import any; no app imports them. Every import counts, those inside
functions too (they are how cycles used to be hidden), except those made only for the type
checker (`if TYPE_CHECKING:`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import soundingboard

PACKAGE = "soundingboard"
SOURCE = Path(soundingboard.__file__).resolve().parent

# What each app may import from: itself and these.
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "publish": {"core"},
    "collect": {"core", "publish"},
    "analyse": {"core", "accounts", "publish", "collect"},
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The project's modules that the module `name` (at `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from package import module` names the module; `from module import name`
            # names the module.
            targets = [
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                for alias in node.names
            ]
        for target in targets:
            # The nearest module of the project that the name is in.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(paths)
    return {name: imports_of(path, name, modules) for name, path in paths.items()}


def app_of(module: str) -> str | None:
    """The app a module belongs to; None for the project's own modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def direction_problems(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, imported in sorted(graph.items()):
        app = app_of(module)
        if app is None:
            continue
        for target in sorted(imported):
            other = app_of(target)
            if other == app:
                continue
            if other is None:
                if target != PACKAGE:
                    problems.append(f"{module} imports {target}, which is above every app")
            elif other not in ALLOWED[app]:
                problems.append(f"{module} imports {target}: {app} may not depend on {other}")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_apps_depend_in_one_direction():
    assert direction_problems(import_graph(SOURCE)) == []


def test_no_modules_import_each_other():
    assert cycles(import_graph(SOURCE)) == []


def test_every_app_is_known():
    """A new app must be placed in ALLOWED, so that its direction is checked too."""
    apps = {p.parent.name for p in SOURCE.glob("*/apps.py")}
    assert apps == set(ALLOWED)


# The checks themselves, on small made-up trees: each rule fails when it is broken.


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return root


def test_an_import_against_the_direction_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "publish/views.py": "from ..collect.feedback import form\n",
            "collect/feedback.py": "def form():\n    from ..analyse import stats\n",
            "analyse/stats.py": "from soundingboard.accounts import audit\n",
            "accounts/audit.py": "from ..settings import X\n",
            "settings.py": "X = 1\n",
        },
    )
    assert direction_problems(import_graph(root)) == [
        "soundingboard.accounts.audit imports soundingboard.settings, which is above every app",
        "soundingboard.collect.feedback imports soundingboard.analyse.stats: "
        "collect may not depend on analyse",
        "soundingboard.publish.views imports soundingboard.collect.feedback: "
        "publish may not depend on collect",
    ]


@pytest.mark.parametrize(
    "files",
    [
        {"analyse/a.py": "from . import b\n", "analyse/b.py": "def f():\n    from .a import x\n"},
        {
            "analyse/a.py": "from .b import y\n",
            "analyse/b.py": "from .c import z\n",
            "analyse/c.py": "import soundingboard.analyse.a\n",
        },
    ],
    ids=["inside-a-function", "round-three"],
)
def test_a_cycle_is_found(tmp_path, files):
    assert len(cycles(import_graph(_tree(tmp_path, files)))) == 1


def test_imports_for_the_type_checker_only_do_not_count(tmp_path):
    root = _tree(
        tmp_path,
        {
            "analyse/a.py": "from . import b\n",
            "analyse/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from .a import x\n",
        },
    )
    assert cycles(import_graph(root)) == []
