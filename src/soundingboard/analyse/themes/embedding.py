"""Where this server keeps the static embedding: in its data directory (settings.DATA_DIR)
unless another is given. The engine (`engine.representations`) is told the folder."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .engine import representations


def folder(data_dir: Path | None = None) -> Path:
    """`data_dir`, or the server's data directory."""
    return Path(data_dir) if data_dir is not None else Path(settings.DATA_DIR)


def availability(data_dir: Path | None = None) -> dict[str, str | None]:
    """Each representation's name, with None if it can be used here, else why not and the fix."""
    return representations.availability(folder(data_dir))
