"""Identical and near-identical answers: template or campaign text, found before counting.

Two answers are identical when they are the same after normalising (case, punctuation,
spacing and Unicode variants of the same letter ignored). They are near-identical when they
share most of their words and word pairs (cosine similarity of the sets of words and
two-word phrases at least `NEAR_SIMILARITY`): the same template with a name changed or a
sentence added.

Short answers ("I agree with this", "No comment") are often the same by chance, not copied:
an answer needs `MIN_WORDS` words to be grouped at all, and `NEAR_MIN_WORDS` to be
near-identical to another (in a short answer, one changed word can change its meaning).

Finding near-identical answers among 100,000 compares only candidates: answers whose word
sets agree on a band of MinHash values (locality-sensitive hashing), so the work grows with
the number of answers, not its square. Everything is deterministic: the hashes are fixed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_WORDS = 8
NEAR_MIN_WORDS = 12
NEAR_SIMILARITY = 0.8
# MinHash locality-sensitive hashing: BANDS bands of ROWS hashes each. Two answers become
# candidates when all the hashes of any one band agree; with 10 bands of 3, pairs of word
# sets sharing two-thirds of their members are found 97% of the time.
BANDS = 10
ROWS = 3
_PAIRS_PER_STEP = 200_000

_NOT_WORDS = re.compile(r"[\W_]+")
_APOSTROPHES = ("'", "’", "‘", "`")
# The same rule for ASCII text in one translation, without the regular expression: the
# apostrophes dropped, every other character that is not a letter or digit a space.
_ASCII_MARKS = {
    code: None if chr(code) in _APOSTROPHES else " "
    for code in range(128)
    if not chr(code).isalnum()
}


@dataclass(frozen=True)
class DuplicateGroup:
    """Answers that are the same text, or the same template with small edits."""

    response_ids: list[int]  # in order of id: the first is the representative
    sample: str  # the representative's text
    exact: bool  # True when all are identical after normalising

    @property
    def count(self) -> int:
        return len(self.response_ids)


def normalise(text: str) -> str:
    """The text as compared: case folded, apostrophes dropped, other punctuation as spaces,
    runs of spaces as one."""
    if text.isascii():  # NFKC leaves ASCII as it is, and casefold is lower
        return " ".join(text.lower().translate(_ASCII_MARKS).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    return _NOT_WORDS.sub(" ", text).strip()


def find_duplicates(
    items: Sequence[tuple[int, str]], normalised: Sequence[str] | None = None
) -> list[DuplicateGroup]:
    """Groups of two or more (response id, text) items that are identical or near-identical,
    largest first (then by first id). `normalised`: each item's text already `normalise`d,
    when the caller has it."""
    if normalised is None:
        normalised = [normalise(text) for _, text in items]
    # Identical after normalising: one node per distinct text, with its items.
    nodes: dict[str, list[int]] = {}
    for index, key in enumerate(normalised):
        if key.count(" ") + 1 >= MIN_WORDS:
            nodes.setdefault(key, []).append(index)
    keys = list(nodes)
    members = list(nodes.values())
    component = _near_identical_components(keys)

    grouped: dict[int, list[int]] = {}
    distinct: dict[int, int] = {}
    for node, comp in enumerate(component):
        grouped.setdefault(int(comp), []).extend(members[node])
        distinct[int(comp)] = distinct.get(int(comp), 0) + 1
    groups = []
    for comp, indexes in grouped.items():
        if len(indexes) < 2:
            continue
        ordered = sorted(indexes, key=lambda i: (items[i][0], i))
        groups.append(
            DuplicateGroup(
                response_ids=[items[i][0] for i in ordered],
                sample=items[ordered[0]][1],
                exact=distinct[comp] == 1,
            )
        )
    groups.sort(key=lambda g: (-len(g.response_ids), g.response_ids[0]))
    return groups


def _near_identical_components(keys: list[str]) -> np.ndarray:
    """For each normalised text, the number of its group of near-identical texts."""
    count = len(keys)
    if count < 2:
        return np.arange(count)
    from scipy.sparse import coo_matrix, csr_matrix
    from scipy.sparse.csgraph import connected_components

    rows, features = _shingles(keys)
    shingles = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, features)),
        shape=(count, int(features.max()) + 1 if len(features) else 1),
    )
    shingles.sum_duplicates()
    shingles.data[:] = 1.0  # a set of shingles, not counts
    sizes = np.diff(shingles.indptr).astype(np.float32)
    signatures = _minhash(shingles.indices, shingles.indptr, BANDS * ROWS)
    first, second = _candidate_pairs(signatures)
    # Only long enough texts are near-identical: a one-word change in a short one matters.
    long_enough = np.array([k.count(" ") + 1 >= NEAR_MIN_WORDS for k in keys])
    keep = long_enough[first] & long_enough[second]
    first, second = first[keep], second[keep]
    similar = np.zeros(len(first), dtype=bool)
    for start in range(0, len(first), _PAIRS_PER_STEP):
        a = first[start : start + _PAIRS_PER_STEP]
        b = second[start : start + _PAIRS_PER_STEP]
        shared = np.asarray(shingles[a].multiply(shingles[b]).sum(axis=1)).ravel()
        cosine = shared / np.sqrt(sizes[a] * sizes[b])
        similar[start : start + len(a)] = cosine >= NEAR_SIMILARITY - 1e-6
    graph = coo_matrix(
        (np.ones(int(similar.sum())), (first[similar], second[similar])), shape=(count, count)
    )
    _, labels = connected_components(graph, directed=False)
    return labels


def _shingles(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, feature) for every word and every pair of neighbouring words of each text;
    words are numbered from 0 in order of first appearance, and pairs after them in order
    of their two words' numbers."""
    words = " ".join(keys).split(" ")
    number = dict(zip(dict.fromkeys(words), itertools.count(), strict=False))
    ids = np.fromiter(map(number.__getitem__, words), dtype=np.int64, count=len(words))
    lengths = np.array([k.count(" ") + 1 for k in keys], dtype=np.int64)
    rows = np.repeat(np.arange(len(keys)), lengths)
    size = len(number)
    follows = rows[1:] == rows[:-1]
    pairs = ids[:-1][follows] * size + ids[1:][follows]
    all_rows = np.concatenate([rows, rows[:-1][follows]])
    return all_rows, np.concatenate([ids, size + _rank(pairs)])


def _rank(values: np.ndarray) -> np.ndarray:
    """Each value's position among the distinct values, smallest 0 (np.unique's inverse,
    without the distinct values themselves, in half the time)."""
    if not len(values):
        return values
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return rank


def _minhash(indices: np.ndarray, indptr: np.ndarray, hashes: int) -> np.ndarray:
    """rows x hashes: the least of each fixed random hash over each row's features (which
    are numbered below 2**32). Multiply-shift hashing: wrapping 64-bit arithmetic, top bits."""
    rng = np.random.RandomState(20260401)
    a = rng.randint(1, 2**62, size=hashes, dtype=np.int64).astype(np.uint64) * 2 + 1
    b = rng.randint(0, 2**62, size=hashes, dtype=np.int64).astype(np.uint64)
    values = indices.astype(np.uint64)
    starts = indptr[:-1]
    signatures = np.zeros((len(starts), hashes), dtype=np.uint64)
    if not len(values):
        return signatures
    # Rows without features (none here: every text has a word) would take a neighbour's value.
    starts = np.minimum(starts, len(values) - 1)
    shift = np.uint64(32)
    for h in range(hashes):
        signatures[:, h] = np.minimum.reduceat((values * a[h] + b[h]) >> shift, starts)
    return signatures


def _candidate_pairs(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) row numbers of the texts that agree on a whole band: within each run
    of equal band values, each text with the run's first and with the one before it."""
    firsts, seconds = [], []
    positions = np.arange(len(signatures))
    for band in range(BANDS):
        block = signatures[:, band * ROWS : (band + 1) * ROWS]
        key = np.zeros(len(block), dtype=np.uint64)
        for column in range(ROWS):
            key = key * np.uint64(1_000_003) + block[:, column]
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        same = np.empty(len(ordered), dtype=bool)
        same[0] = False
        same[1:] = ordered[1:] == ordered[:-1]
        if not same.any():
            continue
        run_start = np.maximum.accumulate(np.where(same, 0, positions))
        later = np.nonzero(same)[0]
        firsts.append(order[later - 1])
        seconds.append(order[later])
        leaders = run_start[later]
        not_adjacent = leaders != later - 1
        firsts.append(order[leaders[not_adjacent]])
        seconds.append(order[later[not_adjacent]])
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    size = np.int64(len(signatures))
    pairs = np.unique(np.minimum(first, second) * size + np.maximum(first, second))
    return pairs // size, pairs % size
