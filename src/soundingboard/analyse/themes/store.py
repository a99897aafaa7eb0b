"""Stored vectors of responses' texts, so that a theme search need not compute them again.

A vector is kept per response, representation and text (a hash of the text read, so that
reading another field, or a changed text, gets a vector of its own). Only representations
that turn each text into a vector on its own are stored (`STORED`): TF-IDF vectors depend on
the whole set of texts they are computed with, so they are computed afresh every time.

    from . import store

    vectors = store.embed_items(items, "static")     # stored ones read, missing ones stored
    result = find_themes(items, representation="static", embed=store.cached_embed())
    store.embed_pending("my-consultation", "sentence")   # vectors for new responses

`embed_pending` is what `soundingboard embed --follow` runs again and again, so that the
slow sentence vectors are computed in the background as responses arrive, and a theme
search in the workspace finds them ready.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef

from ...collect.models import Response
from ..models import ResponseEmbedding
from .engine import representations
from .selection import select_texts

STORED = ("static", "sentence")
CHUNK = 500  # ids per query, to keep under every database's limit of parameters
DTYPE = np.dtype("<f4")

Items = Sequence[tuple[int, str]]
Progress = Callable[[int, int], None]


def text_hash(text: str, representation: str = "") -> str:
    """Which text (and, for the static embedding, which version of its model) a vector is
    of: a new soundingboard whose static embedding is another never reads the old vectors."""
    version = representations.model_version(representation)
    return hashlib.blake2b((version + text).encode("utf-8"), digest_size=16).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=DTYPE)


def stored_vectors(items: Items, representation: str) -> dict[int, np.ndarray]:
    """The stored vector of each item's text, by response id (items without one left out)."""
    return {
        response_id: from_bytes(vector)
        for response_id, vector in _stored_rows(items, representation, "vector")
    }


def stored_ids(items: Items, representation: str) -> set[int]:
    """The ids of the items whose text has a stored vector (the vectors themselves not read)."""
    return {response_id for response_id, _ in _stored_rows(items, representation, "pk")}


def _stored_rows(items: Items, representation: str, column: str) -> Iterator[tuple[int, Any]]:
    """(response id, `column`) of each item's stored row for its text as it is now."""
    wanted = {response_id: text_hash(text, representation) for response_id, text in items}
    ids = list(wanted)
    for start in range(0, len(ids), CHUNK):
        rows = ResponseEmbedding.objects.filter(
            representation=representation, response_id__in=ids[start : start + CHUNK]
        ).values_list("response_id", "text_hash", column)
        for response_id, digest, value in rows:
            if wanted[response_id] == digest:
                yield response_id, value


def save_vectors(items: Items, vectors: np.ndarray, representation: str) -> int:
    """Store one vector per item (those already stored are left as they are)."""
    rows = [
        ResponseEmbedding(
            response_id=response_id,
            representation=representation,
            text_hash=text_hash(text, representation),
            dimensions=len(vector),
            vector=to_bytes(vector),
        )
        for (response_id, text), vector in zip(items, vectors, strict=True)
    ]
    ResponseEmbedding.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
    return len(rows)


def embed_items(
    items: Items,
    representation: str,
    *,
    progress: Progress | None = None,
) -> np.ndarray:
    """One unit-length row per item, as `representations.embed` gives for the items' texts;
    for a stored representation, stored vectors are reused and new ones stored."""
    texts = [text for _, text in items]
    if representation not in STORED or not items:
        return representations.embed(texts, representation, progress=progress)
    found = stored_vectors(items, representation)
    missing = [i for i, (response_id, _) in enumerate(items) if response_id not in found]
    new = np.zeros((0, 0), dtype=np.float32)
    if missing:
        missing_items = [items[i] for i in missing]
        new = representations.embed(
            [text for _, text in missing_items],
            representation,
            progress=progress,
        )
        save_vectors(missing_items, new, representation)
    dimensions = Counter(len(v) for v in found.values())
    if new.size:
        dimensions[new.shape[1]] += len(missing)
    if len(dimensions) > 1:
        # Vectors of an older model (another static embedding, say): compute all anew.
        vectors = representations.embed(texts, representation, progress=progress)
        ResponseEmbedding.objects.filter(
            representation=representation, response_id__in=[i for i, _ in items]
        ).delete()
        save_vectors(items, vectors, representation)
        return vectors
    width = next(iter(dimensions))
    vectors = np.zeros((len(items), width), dtype=np.float32)
    for row, (response_id, _) in enumerate(items):
        if response_id in found:
            vectors[row] = found[response_id]
    if missing:
        vectors[missing] = new
    return vectors


def cached_embed(*, progress: Progress | None = None) -> Callable[[Items, str], np.ndarray]:
    """An `embed` for `find_themes(..., embed=...)` that reads and keeps stored vectors."""

    def embed(items: Items, representation: str) -> np.ndarray:
        return embed_items(items, representation, progress=progress)

    return embed


def embed_pending(
    consultation: str | None = None,
    representation: str = "sentence",
    *,
    batch: int = 256,
) -> int:
    """Compute and store the vectors that accepted responses (of one consultation, or of
    all) do not have yet, for all their text fields together (what a theme search reads by
    default), `batch` texts at a time. Returns how many new vectors were stored.

    Raises ValueError for a representation that is not stored, and
    `representations.RepresentationUnavailable` (saying how to fix it) for one that cannot
    be used here."""
    if representation not in STORED:
        raise ValueError(
            f"Vectors of {representation!r} are not stored: choose {' or '.join(STORED)}"
        )
    if batch < 1:
        raise ValueError("batch must be 1 or more")
    reason = representations.availability().get(representation)
    if reason:
        raise representations.RepresentationUnavailable(reason)
    pending = Response.objects.filter(status=Response.Status.ACCEPTED).filter(
        ~Exists(
            ResponseEmbedding.objects.filter(response=OuterRef("pk"), representation=representation)
        )
    )
    if consultation is not None:
        pending = pending.filter(consultation=consultation)
    slugs = sorted(set(pending.values_list("consultation", flat=True).distinct()))
    stored = 0
    for slug in slugs:
        pending_ids = set(pending.filter(consultation=slug).values_list("id", flat=True))
        items = [item for item in select_texts(slug) if item[0] in pending_ids]
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            vectors = representations.embed([text for _, text in chunk], representation)
            stored += save_vectors(chunk, vectors, representation)
    return stored
