"""Text representations for candidate themes: TF-IDF, the static embedding and the sentence model.

The static embedding is distilled once for this module into a temporary data directory. To
keep the tests quick it keeps only the vocabulary's short lower-case words (about 3,400
tokens instead of 30,522), so it is a real distillation of the real model, only smaller.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from soundingboard.analyse.themes.engine import representations
from soundingboard.analyse.themes.engine.representations import RepresentationUnavailable, embed
from soundingboard.analyse.themes.engine.sentence_model import static_model_dir
from soundingboard.analyse.themes.engine.static_embedding import build_static_embedding

TEXTS = [
    "The library should open on Sunday afternoons.",
    "Please keep the library open at weekends, Sundays especially.",
    "Parking near the station is too expensive.",
    "Car parking charges at the station are far too high.",
    "",
    "The library should open on Sunday afternoons.",
]
needs_embeddings = pytest.mark.skipif(
    representations.availability().get("sentence") is not None,
    reason="the sentence model (the embeddings extra) is not installed",
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


def test_a_static_embedding_not_built_says_how_to_build_it(tmp_path):
    reason = representations.availability(tmp_path)["static"]
    assert "soundingboard build-static-embedding" in reason
    assert representations.availability(tmp_path)["tfidf"] is None
    with pytest.raises(RepresentationUnavailable, match="build-static-embedding"):
        embed(["a text"], "static", data_dir=tmp_path)


def test_a_missing_sentence_model_says_what_to_install(monkeypatch):
    real = representations._installed
    monkeypatch.setattr(
        representations,
        "_installed",
        lambda *modules: "sentence_transformers" not in modules and real(*modules),
    )
    reason = representations.availability()["sentence"]
    assert "pip install 'soundingboard[embeddings]'" in reason
    with pytest.raises(RepresentationUnavailable, match=r"soundingboard\[embeddings\]"):
        embed(["a text"], "sentence")


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory):
    if representations.availability()["sentence"] is not None:
        pytest.skip("building the static embedding needs the embeddings extra")
    data_dir = tmp_path_factory.mktemp("static-data")
    seen = []
    folder = build_static_embedding(
        data_dir, keep_tokens="[a-z]{1,4}", progress=lambda done, total: seen.append((done, total))
    )
    assert folder == static_model_dir(data_dir)
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 3000
    return data_dir


SHORT = [
    "the cat sat on my bed",
    "a dog sat on the sofa",
    "tax bill due this year",
    "pay less tax next year",
    "",
    "zzzz qqqq",
]


@needs_embeddings
def test_the_static_embedding_is_built_and_gives_unit_vectors(static_dir):
    assert representations.availability(static_dir)["static"] is None
    assert not [p for p in static_dir.joinpath("models").iterdir() if p.name.startswith(".")]
    vectors = embed(SHORT, "static", data_dir=static_dir)
    assert vectors.dtype == np.float32 and vectors.shape == (len(SHORT), 256)
    assert unit_or_zero(vectors) and not vectors[4].any()
    np.testing.assert_array_equal(vectors, embed(SHORT, "static", data_dir=static_dir))
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    assert similarity[2, 3] > similarity[2, 1]


@needs_embeddings
def test_static_vectors_are_model2vecs_own(static_dir):
    from model2vec import StaticModel

    texts = [*SHORT, "Mixed  CASE,\tpunctuation... and, tabs!", "café naïve"]
    model = StaticModel.from_pretrained(str(static_model_dir(static_dir)))
    np.testing.assert_allclose(
        embed(texts, "static", data_dir=static_dir), model.encode(texts), atol=2e-3
    )


@needs_embeddings
def test_sentence_embeddings_come_from_the_bundled_model_offline():
    vectors = embed(TEXTS, "sentence")
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(vectors, embed(TEXTS, "sentence"), atol=1e-6)
    similarity = vectors @ vectors.T
    # The same meaning in other words: what TF-IDF cannot see.
    assert similarity[0, 1] > 0.5 > similarity[0, 3]
    assert similarity[2, 3] > similarity[2, 1]
