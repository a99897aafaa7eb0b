"""Which Markdown extensions a consultation folder may name, and building them without running
anything the folder names.

A folder may come from someone else. Python-Markdown imports whatever an extension name says
(`module:Class`, any dotted path) and calls it, so a name is looked up in a fixed list before
anything is imported: Python-Markdown's own extensions, the modules of the installed
pymdown-extensions, and extensions installed as `markdown.extensions` entry points. Options
written as `!!python/...` tags name Python code; they are dropped, with a warning. Snippets may
only include files whose real path is inside the pages folder.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import markdown
from pymdownx.snippets import SnippetExtension, SnippetPreprocessor

from .errors import Problem, with_fix
from .yaml_source import CodeReference, YamlDocument

# Python-Markdown's own extensions, by their short names.
BUILT_IN: Final = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "meta",
        "nl2br",
        "sane_lists",
        "smarty",
        "tables",
        "toc",
        "wikilinks",
    }
)
_BUILT_IN_PREFIX: Final = "markdown.extensions."
_SETTING: Final = "markdown_extensions"
ENTRY_POINT_GROUP: Final = "markdown.extensions"

# MkDocs settings that name Python code to run; soundingboard reads none of them.
_CODE_SETTINGS: Final = {
    "plugins": "MkDocs plugins",
    "hooks": "MkDocs hooks",
}
# A plugin list naming only these is not worth a warning: soundingboard has its own search.
_HARMLESS_PLUGINS: Final = frozenset({"search"})

EXTENSIONS_FIX: Final = (
    "nothing, if the pages read well without it (check them); otherwise remove it from "
    "markdown_extensions or use one soundingboard loads: only Python-Markdown's own "
    "extensions (such as toc, tables or admonition), pymdownx extensions (such as "
    "pymdownx.details) and extensions installed on this server (see "
    "docs/writing-a-consultation.md)"
)


@functools.cache
def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry_point.name, entry_point)  # the first wins, as in Python-Markdown
    return found


@functools.cache
def _pymdownx_modules() -> frozenset[str]:
    """Every public module of the installed pymdown-extensions, found without importing any."""
    spec = importlib.util.find_spec("pymdownx")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    names: set[str] = set()

    def walk(paths: list[str], prefix: str) -> None:
        for info in pkgutil.iter_modules(paths):
            if info.name.startswith("_"):
                continue
            name = prefix + info.name
            if info.ispkg:
                walk([os.path.join(path, info.name) for path in paths], name + ".")
            else:
                names.add(name)

    walk(list(spec.submodule_search_locations), "pymdownx.")
    return frozenset(names)


def canonical_name(name: object) -> str | None:
    """The known extension `name` stands for, or None when soundingboard does not load it."""
    if not isinstance(name, str):
        return None
    short = name.removeprefix(_BUILT_IN_PREFIX)
    if short in BUILT_IN:
        return short
    if name in _entry_points() or name in _pymdownx_modules():
        return name
    return None


def refusal(name: object) -> str:
    """Why soundingboard does not load the extension `name`, in plain English."""
    if isinstance(name, CodeReference):
        return f"“{name.tag}” names Python code, which soundingboard never runs"
    if not isinstance(name, str) or not name.strip():
        return f"cannot read the Markdown extension entry {name!r}"
    if ":" in name:
        return (
            f"the Markdown extension “{name}” names Python code to run (the module:Class form), "
            "which soundingboard never loads"
        )
    if "." in name:
        return (
            f"the Markdown extension “{name}” is a Python module, not one of the extensions "
            "soundingboard knows; soundingboard never imports modules a folder names"
        )
    return f"“{name}” is not a Markdown extension soundingboard knows"


def build(name: str, config: dict[str, Any]) -> markdown.Extension:
    """A new instance of the known extension `name`; ValueError for any other name."""
    canonical = canonical_name(name)
    if canonical is None:
        raise ValueError(refusal(name))
    if canonical == "pymdownx.snippets":
        return FolderSnippetExtension(**config)
    entry_point = _entry_points().get(canonical)
    if entry_point is not None:
        return entry_point.load()(**config)
    module_name = _BUILT_IN_PREFIX + canonical if canonical in BUILT_IN else canonical
    return importlib.import_module(module_name).makeExtension(**config)


@dataclass
class ExtensionSetting:
    """The `markdown_extensions` of an mkdocs.yml, checked: names, options, what was wrong."""

    names: list[str] = field(default_factory=list)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None  # the mkdocs.yml they are named in
    lines: dict[str, int] = field(default_factory=dict)  # the line each name is on

    def placed(self, warning: str) -> str:
        """A warning about one of these extensions, from rendering, with the file and line
        that names the extension (a warning about a page already starts with the page)."""
        if self.path is None or not warning.startswith(_ABOUT_AN_EXTENSION):
            return warning
        name = warning.split("“", 1)[1].split("”", 1)[0]
        line = self.lines.get(name)
        return f"{self.path}:{line}: {warning}" if line else f"{self.path}: {warning}"


_ABOUT_AN_EXTENSION = (
    "the Markdown extension",
    "Markdown extension",
    "settings for Markdown extension",
)


def read_extension_setting(document: YamlDocument) -> ExtensionSetting:
    """Check the extensions an mkdocs.yml names, before any is imported."""
    document = document.source_of(_SETTING)
    result = ExtensionSetting(path=document.path)
    setting = document.data.get(_SETTING) if isinstance(document.data, dict) else None
    entries: list[tuple[Any, Any, list[str | int]]] = []
    if isinstance(setting, dict):  # MkDocs also takes a mapping of names to their settings
        entries = [(name, options, [_SETTING, name]) for name, options in setting.items()]
    elif isinstance(setting, list):
        for index, item in enumerate(setting):
            name, options = item, None
            if isinstance(item, dict) and len(item) == 1:
                name, options = next(iter(item.items()))
            entries.append((name, options, [_SETTING, index]))
    elif setting is not None:
        result.problems.append(
            Problem(
                document.path,
                f"{_SETTING} must be a list, one `- name` per line",
                "start each extension with `- `",
                document.line_of([_SETTING]),
            )
        )
    for name, options, location in entries:
        if canonical_name(name) is None:
            # Skipped, never imported: real sites name their own extensions (a local module,
            # an API-docs generator), and the pages still read without them.
            line = document.line_of(location)
            result.warnings.append(
                with_fix(f"{document.path}:{line}: {refusal(name)}; it is skipped", EXTENSIONS_FIX)
            )
            continue
        result.names.append(name)
        if (line := document.line_of(location)) is not None:
            result.lines[str(name)] = line
        report = functools.partial(_report_code, result.warnings, document, name)
        if isinstance(options, dict):
            result.configs[name] = without_code(options, report)
        elif isinstance(options, CodeReference):
            report(options)
    return result


def _report_code(
    warnings: list[str], document: YamlDocument, name: str, reference: CodeReference
) -> None:
    warnings.append(
        with_fix(
            f"{document.path}:{reference.line}: in the settings of Markdown extension “{name}”, "
            f"“{reference.tag}” names Python code, which soundingboard never runs; "
            "that setting is ignored",
            "nothing, if the pages read well without it (check them); otherwise change the "
            "pages so that they do not need it",
        )
    )


def without_code(value: Any, report: Callable[[CodeReference], None]) -> Any:
    """`value` with every `!!python/...` tag taken out (a list item holding one goes whole),
    each reported once.

    YAML anchors let a short file repeat one value many times over, so each distinct value is
    looked at once: the work grows with the file, not with what it unfolds to.
    """
    found: dict[int, list[CodeReference]] = {}

    def references(item: Any) -> list[CodeReference]:
        if isinstance(item, CodeReference):
            return [item]
        if not isinstance(item, dict | list) or id(item) in found:
            return found.get(id(item), [])
        found[id(item)] = []  # a value that contains itself adds nothing more
        parts = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        found[id(item)] = list(dict.fromkeys(r for part in parts for r in references(part)))
        return found[id(item)]

    for reference in references(value):
        report(reference)
    cleaned: dict[int, Any] = {}

    def clean(item: Any) -> Any:
        if not references(item) or id(item) in cleaned:
            return cleaned.get(id(item), item)
        if isinstance(item, list):  # a custom fence without its function means nothing
            cleaned[id(item)] = [part for part in item if not references(part)]
            return cleaned[id(item)]
        kept: dict[Any, Any] = {}
        cleaned[id(item)] = kept  # before going in, for a value that contains itself
        for key, part in item.items():
            if not isinstance(key, CodeReference) and not isinstance(part, CodeReference):
                kept[key] = clean(part)
        return kept

    return clean(value)


def ignored_code_settings(document: YamlDocument) -> list[str]:
    """Warnings for the MkDocs settings that name Python code (plugins, hooks), never run."""
    data = document.data if isinstance(document.data, dict) else {}
    warnings: list[str] = []
    for key, what in _CODE_SETTINGS.items():
        value = data.get(key)
        if not value:
            continue
        names = value if isinstance(value, list) else [value]
        if key == "plugins" and all(isinstance(n, str) and n in _HARMLESS_PLUGINS for n in names):
            continue
        written = document.source_of(key)
        warnings.append(
            with_fix(
                f"{written.path}:{written.line_of([key])}: “{key}” is ignored: soundingboard "
                f"never runs {what}, which are Python code",
                "nothing, if the pages read well without them (check them); otherwise change "
                "the pages so that they do not need them",
            )
        )
    return warnings


class _FolderSnippetPreprocessor(SnippetPreprocessor):
    """Snippets whose real path (links followed) is inside one of the base folders."""

    def get_snippet_path(self, path: str) -> str | None:
        found = super().get_snippet_path(path)
        if found is None:
            return None
        real = os.path.realpath(found)
        bases = [os.path.join(os.path.realpath(base), "") for base in self.base_path]
        if os.path.isfile(real) and any(real.startswith(base) for base in bases):
            return found
        return None


class FolderSnippetExtension(SnippetExtension):
    """pymdownx.snippets, never reading a file whose real path is outside its base folders."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        self.md = md
        md.registerExtension(self)
        md.preprocessors.register(_FolderSnippetPreprocessor(self.getConfigs(), md), "snippet", 32)
