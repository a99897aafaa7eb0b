"""The themes engine stays free of Django: its modules import neither Django nor any
soundingboard module outside the engine (function-local imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import soundingboard.analyse.themes.engine as engine

ENGINE = Path(engine.__file__).parent


def imported(path: Path) -> list[str]:
    """Every module a file imports, relative ones as written ("." for the engine itself)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_the_engine_imports_no_django_and_nothing_outside_itself():
    modules = sorted(ENGINE.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        for name in imported(path):
            assert not name.startswith(("django", "soundingboard", "..")), (path.name, name)
