"""Which representations this server can use, for the workspace and the commands: the
engine's (`engine.representations`) answer, in one place for the Django side."""

from __future__ import annotations

from .engine import representations


def availability() -> dict[str, str | None]:
    """Each representation's name, with None if it can be used here, else why not and the fix."""
    return representations.availability()
