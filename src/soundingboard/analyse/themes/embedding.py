"""The text representations as this server offers them: the engine's
(`engine.representations`), with the static embedding looked for in the server's data
directory (settings.DATA_DIR) unless another is given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from django.conf import settings

from .engine import representations
from .engine.representations import Progress


def folder(data_dir: Path | None = None) -> Path:
    """`data_dir`, or the server's data directory."""
    return Path(data_dir) if data_dir is not None else Path(settings.DATA_DIR)


def availability(data_dir: Path | None = None) -> dict[str, str | None]:
    """Each representation's name, with None if it can be used here, else why not and the fix."""
    return representations.availability(folder(data_dir))


def embed(
    texts: Sequence[str],
    name: str = "tfidf",
    *,
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """`engine.representations.embed`, with the server's data directory by default."""
    return representations.embed(texts, name, data_dir=folder(data_dir), progress=progress)
