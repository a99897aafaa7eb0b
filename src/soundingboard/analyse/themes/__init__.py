"""Candidate themes in free-text answers (issue 5).

Which answers to read (`selection`), duplicates and campaigns (`duplicates`), text
representations (`representations`), grouping (`grouping`), labels and quotes (`labels`),
and the whole pipeline (`candidates`). The public API is re-exported here, imported when
first used: importing the package is cheap, and the selection needs Django set up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .candidates import OTHER, OTHER_LABEL, CandidateTheme, ThemeResult, find_themes
    from .duplicates import DuplicateGroup, find_duplicates
    from .representations import (
        NAMES,
        RepresentationUnavailable,
        availability,
        describe,
        embed,
    )
    from .selection import FIELDS, SelectionError, select_texts

_EXPORTS = {
    "OTHER": "candidates",
    "OTHER_LABEL": "candidates",
    "CandidateTheme": "candidates",
    "ThemeResult": "candidates",
    "find_themes": "candidates",
    "DuplicateGroup": "duplicates",
    "find_duplicates": "duplicates",
    "NAMES": "representations",
    "RepresentationUnavailable": "representations",
    "availability": "representations",
    "describe": "representations",
    "embed": "representations",
    "FIELDS": "selection",
    "SelectionError": "selection",
    "select_texts": "selection",
}
__all__ = [
    "FIELDS",
    "NAMES",
    "OTHER",
    "OTHER_LABEL",
    "CandidateTheme",
    "DuplicateGroup",
    "RepresentationUnavailable",
    "SelectionError",
    "ThemeResult",
    "availability",
    "describe",
    "embed",
    "find_duplicates",
    "find_themes",
    "select_texts",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
