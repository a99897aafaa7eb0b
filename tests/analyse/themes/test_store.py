"""Stored vectors: computed once per response and text, in the background for new answers
(`embed_pending`), reused by theme searches; TF-IDF's are never stored."""

from __future__ import annotations

import numpy as np
import pytest

from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.models import ResponseEmbedding
from soundingboard.analyse.themes import store
from soundingboard.analyse.themes.engine import representations
from soundingboard.analyse.themes.runs import start_run
from soundingboard.analyse.themes.selection import select_texts
from soundingboard.collect.models import Response
from tests.analyse.conftest import SLUG

from .workspace_data import ana_fixture, served_fixture, topic_text  # noqa: F401

pytestmark = pytest.mark.django_db


def add(reference: str, summary: str, details: str = "", status: str = "accepted") -> Response:
    return Response.objects.create(
        reference=reference,
        consultation=SLUG,
        kind="page",
        page_path="models/",
        status=status,
        summary=summary,
        details=details,
    )


@pytest.fixture(name="few")
def few_fixture(db) -> list[Response]:
    topics = [(topic, i) for i in range(3) for topic in ("hours", "parking", "books", "rooms")]
    made = [add(f"SB-STOR-{n:04d}", *topic_text(*pair)) for n, pair in enumerate(topics)]
    add("SB-STOR-SPAM", "Cheap watches, visit now", status="spam")
    add("SB-STOR-BLNK", "   ")
    return made


def stored(representation: str) -> dict[int, np.ndarray]:
    return {
        row.response_id: store.from_bytes(row.vector)
        for row in ResponseEmbedding.objects.filter(representation=representation)
    }


def test_tfidf_vectors_are_computed_afresh_and_never_stored(few):
    items = select_texts(SLUG)
    vectors = store.embed_items(items, "tfidf")
    expected = representations.embed([text for _, text in items], "tfidf")
    assert np.array_equal(vectors, expected)
    assert not ResponseEmbedding.objects.exists()
    with pytest.raises(ValueError, match="not stored"):
        store.embed_pending(SLUG, "tfidf")
    with pytest.raises(ValueError, match="batch"):
        store.embed_pending(SLUG, "sentence", batch=0)


def test_vectors_survive_the_round_trip_through_bytes():
    vector = np.array([0.6, -0.8, 0.0], dtype=np.float32)
    assert np.array_equal(store.from_bytes(store.to_bytes(vector)), vector)
    assert store.text_hash("a") != store.text_hash("a ") and len(store.text_hash("a")) == 32


def test_sentence_vectors_are_stored_once_and_reused(few, served, ana):
    # Only accepted answers with words are read, in batches.
    assert store.embed_pending(SLUG, "sentence", batch=5) == len(few)
    vectors = stored("sentence")
    assert set(vectors) == {r.pk for r in few}
    items = select_texts(SLUG)
    expected = representations.embed([text for _, text in items], "sentence")
    for (response_id, _), row in zip(items, expected, strict=True):
        assert np.allclose(vectors[response_id], row, atol=1e-5)
    assert store.embed_pending(SLUG, "sentence") == 0
    assert store.embed_pending("another-consultation", "sentence") == 0

    # A new answer gets its vector; the others are not computed again.
    late = add("SB-STOR-LATE", "The mobile library van should visit the villages")
    assert store.embed_pending(None, "sentence") == 1
    assert set(stored("sentence")) == {r.pk for r in few} | {late.pk}

    # embed_items reads what is stored: a stored vector, changed, comes back changed.
    first = few[0]
    row = ResponseEmbedding.objects.get(response=first, representation="sentence")
    changed = np.zeros(len(vectors[first.pk]), dtype=np.float32)
    changed[0] = 1.0
    row.vector = store.to_bytes(changed)
    row.save()
    items = select_texts(SLUG)
    again = store.embed_items(items, "sentence")
    assert np.array_equal(again[[i for i, _ in items].index(first.pk)], changed)
    assert ResponseEmbedding.objects.count() == len(few) + 1

    # Another text of the same answer (one field only) gets a vector of its own.
    summaries = select_texts(SLUG, field="summary")
    store.embed_items(summaries, "sentence")
    assert ResponseEmbedding.objects.filter(response=first).count() == 2

    # A theme search with the sentence model uses the stored vectors: none are added.
    before = ResponseEmbedding.objects.count()
    run = start_run(
        ana[0],
        served,
        response_filter=ResponseFilter.for_consultation(served),
        k=2,
        representation="sentence",
    )
    assert run.representation == "sentence"
    assert ResponseEmbedding.objects.count() == before


def test_static_vectors_of_another_version_of_the_model_are_never_read(few, monkeypatch):
    items = select_texts(SLUG)
    vectors = store.embed_items(items, "static")
    assert set(stored("static")) == {r.pk for r in few}
    # Vectors stored by an earlier version of the static embedding: changed here to tell them.
    old = np.zeros(vectors.shape[1], dtype=np.float32)
    old[0] = 1.0
    ResponseEmbedding.objects.filter(representation="static").update(vector=store.to_bytes(old))
    assert np.array_equal(store.embed_items(items, "static")[0], old)  # same model: read

    monkeypatch.setattr(representations, "_recorded_sums", lambda folder: "another model")
    again = store.embed_items(items, "static")
    np.testing.assert_array_equal(again, vectors)  # computed afresh, not the old ones
    assert ResponseEmbedding.objects.filter(representation="static").count() == 2 * len(few)
