"""Text representations for candidate themes: each turns texts into unit-length vectors.

Three are offered, all offline:

- ``tfidf``: words and two-word phrases weighted by TF-IDF, reduced by latent semantic
  analysis (truncated SVD). Needs only scikit-learn; the fallback.
- ``static``: a static embedding distilled from the sentence model and shipped inside the
  package (``models/static-minilm``, made by ``static_embedding.py``). Fast, needs only
  Model2Vec's inference (NumPy), no torch; the default.
- ``sentence``: full sentence embeddings from all-MiniLM-L6-v2, shipped inside the package
  as ONNX with 8-bit weights (``models/sentence-minilm``, made by ``sentence_export.py``)
  and run by ONNX Runtime, no torch. The most accurate, and about 150 times slower than the
  static embedding: its vectors are best computed in the background (``store``).

Every representation is deterministic: the same texts give the same vectors.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .model_files import CHECKSUMS
from .sentence_model import (
    SENTENCE_MODEL_DIR,
    STATIC_MODEL_DIR,
    RepresentationUnavailable,
    sentence_model,
)

if TYPE_CHECKING:
    from model2vec import StaticModel
    from scipy import sparse

NAMES = ("tfidf", "static", "sentence")

Progress = Callable[[int, int], None]

# Latent semantic analysis dimensions for TF-IDF: as good as 256 on Banking77, and the
# decomposition of 100,000 answers takes a fifth of the time.
TFIDF_DIMENSIONS = 128
# Answers the decomposition is fitted on at most; every answer is then projected.
SVD_SAMPLE = 20_000
_NEGATIONS = frozenset({"not", "no", "nor", "cannot", "never", "against", "without"})
# Texts per step when reporting progress for the embedding models.
_CHUNK = 2048

_DESCRIPTIONS = {
    "tfidf": (
        "Word and phrase counts (TF-IDF with latent semantic analysis): needs no model, "
        "groups answers that use the same words."
    ),
    "static": (
        "Static word embeddings distilled from the all-MiniLM-L6-v2 sentence model: fast, "
        "and groups answers that mean the same thing in different words."
    ),
    "sentence": (
        "Sentence embeddings from the all-MiniLM-L6-v2 model: the most accurate, and the slowest."
    ),
}


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def availability() -> dict[str, str | None]:
    """Each representation's name, with None if it can be used here, else why not and the fix."""
    return {name: _unavailable(name) for name in NAMES}


def _unavailable(name: str) -> str | None:
    if name == "static":
        if not _installed("model2vec"):
            return "The model2vec package is not installed. Install it: pip install model2vec"
        if not (STATIC_MODEL_DIR / "model.safetensors").is_file():
            return (
                "The static embedding is missing from this installation. Install soundingboard "
                "again, or rebuild it with scripts/build_static_model.py."
            )
    if name == "sentence":
        if not _installed("onnxruntime", "tokenizers"):
            return (
                "The sentence model cannot run here: the onnxruntime or tokenizers package is "
                "missing. Install soundingboard again, from its lock."
            )
        if not (SENTENCE_MODEL_DIR / "model.onnx").is_file():
            return (
                "The sentence model is missing from this installation. Install soundingboard "
                "again, or rebuild it with scripts/build_sentence_model.py."
            )
    return None


@lru_cache(maxsize=2)
def _recorded_sums(folder: Path) -> str:
    sums = folder / CHECKSUMS
    return sums.read_text(encoding="utf-8") if sums.is_file() else ""


def model_version(name: str) -> str:
    """What tells this version of the representation's model from others ("" for TF-IDF,
    which has none): the shipped model's files' SHA-256."""
    folders = {"static": STATIC_MODEL_DIR, "sentence": SENTENCE_MODEL_DIR}
    return _recorded_sums(folders[name]) if name in folders else ""


def describe(name: str) -> str:
    """One sentence saying what the representation is, for the analyst's page and the CLI."""
    _check_name(name)
    return _DESCRIPTIONS[name]


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise ValueError(f"Unknown representation {name!r}: choose one of {', '.join(NAMES)}")


def embed(
    texts: Sequence[str],
    name: str = "tfidf",
    *,
    progress: Progress | None = None,
) -> np.ndarray:
    """A float32 matrix with one L2-normalised row per text (all zeros for a text with no
    usable words). Raises RepresentationUnavailable, with the fix, if the representation
    cannot be used here."""
    _check_name(name)
    texts = [text if isinstance(text, str) else str(text) for text in texts]
    reason = _unavailable(name)
    if reason:
        raise RepresentationUnavailable(reason)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if name == "tfidf":
        vectors = _tfidf(texts, progress)
    elif name == "static":
        vectors = _static(texts, STATIC_MODEL_DIR, progress)
    else:
        vectors = _sentence(texts, progress)
    return normalise(vectors)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (rows of zeros stay zeros), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def _stop_words() -> list[str]:
    """scikit-learn's English stop words, less those that turn a view round ("not", "no")."""
    # scikit-learn, here and below, is imported when texts are first read: it is slow to load.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS - _NEGATIONS)


def _tfidf(texts: list[str], progress: Progress | None) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    total = len(texts)
    many = total >= 50
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        strip_accents="unicode",
        stop_words=_stop_words(),
        min_df=2 if many else 1,
        max_df=0.5 if many else 1.0,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no text had a usable word
        return np.zeros((total, 1), dtype=np.float32)
    if progress:
        progress(total // 2, total)
    dimensions = min(TFIDF_DIMENSIONS, counts.shape[1] - 1, total - 1)
    if dimensions < 2:
        vectors = counts.toarray()
    else:
        # The directions are found from a fixed sample: as good, and much faster on big sets.
        sample = counts
        if total > SVD_SAMPLE:
            rng = np.random.default_rng(0)
            sample = counts[np.sort(rng.choice(total, size=SVD_SAMPLE, replace=False))]
        svd = TruncatedSVD(n_components=dimensions, algorithm="randomized", random_state=0)
        vectors = svd.fit(sample).transform(counts)
    if progress:
        progress(total, total)
    return vectors


# Texts per step for the static embedding: words are tokenised once per step, so big steps.
_STATIC_CHUNK = 25_000
# A text whose tokens must equal its words' tokens in turn for the shortcut in _static.
_PROBE = "Hello, world! It's fine... isn't it?  Café 3.5% (and\tso on)"


@lru_cache(maxsize=2)
def _static_model(path: str, _built: int) -> tuple[StaticModel, np.ndarray, bool]:
    """The model, its vectors as float32, and whether its tokenizer splits on whitespace
    first (true of the WordPiece models that build_static_embedding makes). `_built` (the
    time its weights were written) makes a rebuilt model load afresh. Loading needs
    Model2Vec's inference only (NumPy, tokenizers, safetensors), never torch."""
    from model2vec import StaticModel  # imported when the static embedding is first used

    model = StaticModel.from_pretrained(path)
    table = np.asarray(model.embedding, dtype=np.float32)
    whole = model.tokenize([_PROBE])[0]
    by_word = [token for tokens in model.tokenize(_PROBE.split()) for token in tokens]
    plain = model.token_mapping is None and model.weights is None
    return model, table, plain and whole == by_word


def _static(texts: list[str], model_dir: Path, progress: Progress | None) -> np.ndarray:
    built = (model_dir / "model.safetensors").stat().st_mtime_ns
    model, table, by_word = _static_model(str(model_dir), built)
    if not by_word:
        return _in_chunks(
            texts,
            lambda chunk: model.encode(chunk, use_multiprocessing=False, show_progress_bar=False),
            progress,
        )
    return _in_chunks(
        texts, lambda chunk: _mean_by_word(model, table, chunk), progress, _STATIC_CHUNK
    )


def _mean_by_word(model: StaticModel, table: np.ndarray, texts: list[str]) -> np.ndarray:
    """What model.encode gives (the mean of the text's token vectors), five times faster:
    each distinct word is tokenised once, and the means are two sparse products."""
    from scipy import sparse

    split = [text.split() for text in texts]
    index: dict[str, int] = {}
    for words in split:
        for word in words:
            index.setdefault(word, len(index))
    if not index:
        return np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    unknown = model.unk_token_id
    encodings = model.tokenizer.encode_batch_fast(list(index), add_special_tokens=False)
    tokens_of_word = [[t for t in encoding.ids if t != unknown] for encoding in encodings]

    def incidence(rows: list[list[int]], width: int) -> sparse.csr_matrix:
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        columns = np.fromiter((c for row in rows for c in row), np.int64, int(lengths.sum()))
        pointers = np.concatenate([[0], np.cumsum(lengths)])
        values = np.ones(len(columns), dtype=np.float32)
        return sparse.csr_matrix((values, columns, pointers), shape=(len(rows), width))

    words_of_text = [[index[word] for word in words] for words in split]
    counts = incidence(words_of_text, len(index)) @ incidence(tokens_of_word, len(table))
    sums = np.asarray(counts @ table)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    return sums / np.maximum(lengths, 1)[:, None]


def _sentence(texts: list[str], progress: Progress | None) -> np.ndarray:
    return _in_chunks(texts, sentence_model().encode, progress)


def _in_chunks(
    texts: list[str],
    encode: Callable[[list[str]], np.ndarray],
    progress: Progress | None,
    chunk: int = _CHUNK,
) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), chunk):
        parts.append(np.asarray(encode(texts[start : start + chunk]), dtype=np.float32))
        if progress:
            progress(min(start + chunk, len(texts)), len(texts))
    return np.concatenate(parts)
