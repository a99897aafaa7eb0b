"""Candidate themes in free-text answers (issue 5): the engine, and the Django side.

The engine (`engine`, no Django in it) finds themes in texts: duplicates, representations,
grouping, labels, the pipeline, and the assignment rule. The Django side, here, reads the
answers from the database (`selection`), keeps vectors (`store`) with the server's data
directory (`embedding`), and stores theme runs (`runs`), their assignment (`assignment`) and
their tags in the codebook (`tags`).

The public API is re-exported here, imported when first used: importing the package is
cheap, and the selection needs Django set up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .embedding import availability
    from .engine.candidates import OTHER, OTHER_LABEL, CandidateTheme, ThemeResult, find_themes
    from .engine.duplicates import DuplicateGroup, find_duplicates
    from .engine.fields import FIELDS, SelectionError
    from .engine.representations import NAMES, RepresentationUnavailable, describe, embed
    from .selection import select_texts

_EXPORTS = {
    "OTHER": "engine.candidates",
    "OTHER_LABEL": "engine.candidates",
    "CandidateTheme": "engine.candidates",
    "ThemeResult": "engine.candidates",
    "find_themes": "engine.candidates",
    "DuplicateGroup": "engine.duplicates",
    "find_duplicates": "engine.duplicates",
    "NAMES": "engine.representations",
    "RepresentationUnavailable": "engine.representations",
    "availability": "embedding",
    "describe": "engine.representations",
    "embed": "engine.representations",
    "FIELDS": "engine.fields",
    "SelectionError": "engine.fields",
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
