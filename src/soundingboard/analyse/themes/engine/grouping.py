"""Grouping answers' vectors into candidate themes, deterministically.

The vectors are scaled to unit length, so that closeness is cosine similarity, and centred
(the average answer subtracted) when they all lean one way, as embeddings' vectors do, so that
what every answer shares does not drown what sets them apart. The groups are those of Ward's
agglomerative clustering (`ward_centres`: starting from every row alone, the two groups whose
joining adds least to the squared distances to the groups' means are joined, until k are
left), on a fixed sample of `WARD_ROWS` when there are more, then refined with a few passes of
spherical k-means over every row, which keeps 100,000 rows within a few seconds; each row
belongs to the group whose centre is nearest. On Banking77 at 77 groups Ward's groups agree
with the human labels better than the k-means fits did (NMI +0.02 to +0.03 for the static
embedding, +0.01 to +0.02 for the sentence model: docs/performance.md). When k is not given
it is chosen from the silhouette scores of k-means fits of candidates from 2 to at most
`MAX_AUTO_K` (`choose_k`): the smallest k whose score is within `K_MARGIN` of the best, so
that a k barely better than a much smaller one is not taken. (Where the scores still rise at
the largest candidate, as TF-IDF's do on short answers with many topics, that is the cap: a
first view, to split further where needed.) Groups whose centres are nearly the same (cosine
similarity at least `MERGE_SIMILARITY`) are then merged.
`stability` runs the grouping again on other random samples of the rows and says how far
they agree (adjusted Rand index).
Rows that fit nowhere (no usable words, far from their group's centre compared with its
other members, or in a group too small to be a theme) go into "Other / unclear", numbered -1.

Everything random comes from a generator seeded with `seed`, so the same vectors, k and seed
always give the same groups. The centroids and similarities returned are in the caller's
space (the vectors as given), so a new answer's vector can be compared with them directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

OTHER = -1

# Rows the choice of k draws its sample from at most.
FIT_SAMPLE = 10_000
# Rows Ward's clustering is built on at most (its time and memory grow with the square of the
# rows: 0.7 s of CPU and 130 MB at 4,000); the rest go to the nearest centre found. A sample
# of 2,000 of Banking77's 3,080 messages cost 0.01 NMI against all of them.
WARD_ROWS = 4_000
# Rows each candidate k is fitted and scored on, when k is chosen automatically, and the
# passes each fit may take (an approximate fit ranks the candidates as well as a full one).
CHOICE_SAMPLE = 4_000
CHOICE_ITERATIONS = 15
# Up to this many rows each candidate is fitted from a few seedings too.
CHOICE_RESTART_ROWS = 1_000
# Passes of spherical k-means over every row after the fit on the sample.
REFINE_PASSES = 3
MAX_ITERATIONS = 50
# A fit has settled when no more than this share of rows changed group in a pass.
SETTLED = 0.001
# Fits from different seedings, the best kept, while rows x k is at most this (small sets).
RESTARTS = 4
RESTART_LIMIT = 300_000
# More candidate themes than this are more than an analyst can take in at a first view.
MAX_AUTO_K = 30
# A k whose silhouette is within this share of the best is as good: the smallest is taken.
K_MARGIN = 0.05
# A row less similar to its group's centre than this share of the group's median similarity
# fits it badly, and goes to Other / unclear. Tuned on Banking77 and the other labelled sets
# (docs/performance.md): the rows it sends there are misgrouped more often than the rest.
OTHER_RATIO = 0.5
# The share of the rows each of `stability`'s groupings is found from.
STABILITY_SHARE = 0.8
# Two groups whose centres (in the centred space) are at least this similar are one theme.
MERGE_SIMILARITY = 0.8
# The vectors are centred when their mean is longer than this. The sentence model's and the
# static embedding's vectors all lean one way (the mean of unit vectors is 0.45-0.5 and 0.7
# long on Banking77, whatever the mix of topics), which drowns the differences: removing it
# gains 0.015-0.03 NMI there. TF-IDF's mean is short (0.2), and centring would only let a
# dominant theme pull the centre towards itself.
CENTRE_ABOVE = 0.4


@dataclass(frozen=True)
class Grouping:
    labels: np.ndarray  # int per row; -1 = "Other / unclear"; groups numbered 0..k-1 by size
    k: int
    centroids: np.ndarray  # k x d, L2-normalised
    similarity: np.ndarray  # per row, cosine similarity to its own group's centroid


def _unit(vectors: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """The rows scaled to unit length (rows of zeros stay zeros), as float32."""
    vectors = np.array(vectors, dtype=np.float32, copy=copy)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def min_group_size(n: int) -> int:
    """Groups smaller than this go into Other / unclear."""
    return max(3, n // 1000)


def candidate_ks(n: int) -> list[int]:
    """The numbers of themes tried when k is chosen automatically: from 2 up to the square
    root of n, at most MAX_AUTO_K; every one up to 12, then six spaced evenly on a log scale."""
    top = int(min(MAX_AUTO_K, max(2, round(math.sqrt(n)))))
    ks = set(range(2, min(top, 12) + 1))
    if top > 12:
        ks.update(int(k) for k in np.round(np.geomspace(12, top, num=6)))
    return sorted(ks)


def _sums(vectors: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Each group's sum of rows (rows labelled below 0 left out)."""
    members = np.flatnonzero(labels >= 0)
    onehot = sparse.csr_matrix(
        (np.ones(len(members), dtype=np.float32), (labels[members], members)),
        shape=(k, len(vectors)),
    )
    return np.asarray(onehot @ vectors)


def _seed_centres(vectors: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++: each new centre is the best of a few rows drawn with probability
    proportional to their distance (1 - cosine similarity, half the squared distance
    between unit vectors) from the nearest centre so far."""
    n = len(vectors)
    trials = 2 + int(math.log(k))
    chosen = [int(rng.integers(n))]
    distance = np.maximum(0.0, 1.0 - vectors @ vectors[chosen[0]]).astype(np.float64)
    for _ in range(1, k):
        cumulative = np.cumsum(distance)
        if cumulative[-1] <= 0:
            chosen.append(int(rng.integers(n)))
            continue
        draws = rng.random(trials) * cumulative[-1]
        picks = np.minimum(np.searchsorted(cumulative, draws, side="right"), n - 1)
        candidates = np.maximum(0.0, 1.0 - vectors[picks] @ vectors.T)
        np.minimum(candidates, distance, out=candidates)
        best = int(np.argmin(candidates.sum(axis=1)))
        chosen.append(int(picks[best]))
        distance = candidates[best].astype(np.float64)
    return vectors[chosen].copy()


def _lloyd(
    vectors: np.ndarray, centres: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Spherical k-means passes until (almost) no row moves: (centres, labels, total
    similarity)."""
    k = len(centres)
    labels = np.full(len(vectors), -2)
    for _ in range(iterations):
        scores = vectors @ centres.T
        new = np.argmax(scores, axis=1)
        moved = np.count_nonzero(new != labels)
        labels = new
        if moved <= len(vectors) * SETTLED:
            break
        sums = _sums(vectors, labels, k)
        empty = np.flatnonzero(~sums.any(axis=1))
        if len(empty):  # restart an empty group at the rows worst served by theirs
            worst = np.argsort(scores[np.arange(len(vectors)), labels], kind="stable")
            sums[empty] = vectors[worst[: len(empty)]]
        centres = _unit(sums)
    total = float((vectors @ centres.T).max(axis=1).sum())
    return centres, labels, total


def spherical_kmeans(
    vectors: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    restarts: int | None = None,
    iterations: int = MAX_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """k unit-length centres for unit-length rows, and each row's group: the best of a few
    seedings on small sets (rows x k at most RESTART_LIMIT), of one on large ones."""
    if restarts is None:
        restarts = RESTARTS if len(vectors) * k <= RESTART_LIMIT else 1
    rng = np.random.default_rng(seed)
    best: tuple[np.ndarray, np.ndarray] | None = None
    best_total = -np.inf
    for _ in range(restarts):
        centres, labels, total = _lloyd(vectors, _seed_centres(vectors, k, rng), iterations)
        if best is None or total > best_total:
            best, best_total = (centres, labels), total
    if best is None:
        raise ValueError("restarts must be 1 or more")
    return best


def ward_centres(vectors: np.ndarray, k: int) -> np.ndarray:
    """The unit-length centres of the k groups of Ward's agglomerative clustering of unit
    rows (Euclidean distances, which for unit rows order pairs as cosine similarity does):
    from every row alone, the two groups whose joining least increases the sum of squared
    distances to the groups' means are joined, until k are left. Deterministic: no seeding."""
    from scipy.cluster.hierarchy import linkage

    n = len(vectors)
    k = max(1, min(k, n))
    if n < 2:
        return _unit(vectors[:1])
    gram = vectors @ vectors.T
    distances = np.empty(n * (n - 1) // 2, dtype=np.float64)  # the condensed upper triangle
    start = 0
    for i in range(n - 1):
        distances[start : start + n - 1 - i] = gram[i, i + 1 :]
        start += n - 1 - i
    del gram
    distances *= -2.0
    distances += 2.0  # |a - b|^2 = 2 - 2 a.b for unit rows
    np.maximum(distances, 0.0, out=distances)
    np.sqrt(distances, out=distances)
    tree = linkage(distances, method="ward")
    del distances
    # Replay the first n - k joins: each row then points, through its parents, to its group.
    parent = np.arange(2 * n - 1)
    joins = tree[: n - k, :2].astype(np.int64)
    parent[joins[:, 0]] = n + np.arange(len(joins))
    parent[joins[:, 1]] = n + np.arange(len(joins))
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            break
        parent = up
    _, labels = np.unique(parent[:n], return_inverse=True)
    return _unit(_sums(vectors, labels.astype(np.int64), int(labels.max()) + 1))


def silhouette(vectors: np.ndarray, labels: np.ndarray, k: int) -> float:
    """The mean silhouette of unit-length rows with cosine distance, computed exactly from
    each group's sum of rows (the mean distance from a row to a group is one minus its dot
    product with the group's mean), so it costs rows x k, not rows squared."""
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    sums = _sums(vectors, labels, k)
    similarity = (vectors @ sums.T).astype(np.float64)  # to each group, summed over members
    rows = np.arange(len(vectors))
    own = sizes[labels]
    # Own group, leaving the row itself out (its similarity to itself is 1).
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = 1.0 - (similarity[rows, labels] - 1.0) / (own - 1.0)
        mean_distance = 1.0 - similarity / sizes
    mean_distance[:, sizes == 0] = np.inf
    mean_distance[rows, labels] = np.inf
    nearest_other = mean_distance.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (nearest_other - inside) / np.maximum(inside, nearest_other)
    score[(own <= 1) | ~np.isfinite(score)] = 0.0  # alone in its group, or 0/0: scores 0
    return float(score.mean())


def k_scores(vectors: np.ndarray, *, seed: int = 0) -> dict[int, float]:
    """The silhouette of each candidate k, fitted on a sample of the rows."""
    n = len(vectors)
    ks = [k for k in candidate_ks(n) if k < n]
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(n, size=min(n, CHOICE_SAMPLE), replace=False))]
    scores = {}
    for k in ks:
        restarts = RESTARTS if len(sample) <= CHOICE_RESTART_ROWS else 1
        _, labels = spherical_kmeans(
            sample, k, seed=seed + k, restarts=restarts, iterations=CHOICE_ITERATIONS
        )
        if len(np.unique(labels)) >= 2:
            scores[k] = silhouette(sample, labels, k)
    return scores


def best_k(scores: dict[int, float]) -> int:
    """The smallest k whose score is within K_MARGIN (a share) of the best score."""
    if not scores:
        return 1
    best = max(scores.values())
    floor = best - K_MARGIN * abs(best)
    return min(k for k, score in scores.items() if score >= floor)


def choose_k(vectors: np.ndarray, *, seed: int = 0) -> int:
    """The number of groups for the rows, chosen from their silhouette scores (`best_k`)."""
    return best_k(k_scores(vectors, seed=seed))


def merge_close(centres: np.ndarray, similarity: float = MERGE_SIMILARITY) -> np.ndarray:
    """Centres with the nearly identical ones merged (the mean of each set, unit length):
    joined greedily, the closest pair first, while a pair is at least `similarity`."""
    groups = [[i] for i in range(len(centres))]
    current = centres.copy()
    while len(current) > 1:
        close = current @ current.T
        np.fill_diagonal(close, -np.inf)
        i, j = np.unravel_index(int(np.argmax(close)), close.shape)
        if close[i, j] < similarity:
            break
        i, j = min(i, j), max(i, j)
        groups[i] += groups.pop(j)
        merged = _unit(centres[groups[i]].mean(axis=0, keepdims=True))[0]
        current = np.delete(current, j, axis=0)
        current[i] = merged
    return current


def stability(
    vectors: np.ndarray,
    k: int,
    *,
    seeds: tuple[int, ...] = (1, 2, 3),
    sample: int = 2_000,
    share: float = STABILITY_SHARE,
) -> float:
    """How far the grouping into k stays the same when the rows change a little: the mean
    adjusted Rand index (1 the same, 0 no better than chance) between the groups of a sample
    of the rows as Ward's clustering finds them from a random `share` of the sample drawn
    with seed 0 and from one drawn with each of `seeds` (every row of the sample goes to its
    nearest centre). Ward's clustering has no seeding to vary, so the rows are varied."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # as in `group`: small products
        return _stability(vectors, k, seeds, sample, share)


def _stability(
    vectors: np.ndarray, k: int, seeds: tuple[int, ...], sample: int, share: float
) -> float:
    from sklearn.metrics import adjusted_rand_score

    rows = _unit(np.atleast_2d(vectors))
    rows = rows[np.flatnonzero(rows.any(axis=1))]
    if len(rows) < 3 or k < 2:
        return 1.0
    mean = rows.mean(axis=0)
    if np.linalg.norm(mean) > CENTRE_ABOVE:
        rows = _unit(rows - mean)
    rng = np.random.default_rng(0)
    if len(rows) > sample:
        rows = rows[np.sort(rng.choice(len(rows), size=sample, replace=False))]
    k = min(k, len(rows))
    size = max(k, round(share * len(rows)))

    def labels(seed: int) -> np.ndarray:
        drawn = np.random.default_rng(seed).choice(len(rows), size=size, replace=False)
        return np.argmax(rows @ ward_centres(rows[np.sort(drawn)], k).T, axis=1)

    first = labels(0)
    return float(np.mean([adjusted_rand_score(first, labels(seed)) for seed in seeds]))


def group(
    vectors: np.ndarray,
    k: int | None = None,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Grouping:
    """Group the rows; deterministic for the same input, k and seed. k None = automatic.
    `progress(done, total)` is told of each of three steps: choosing k, fitting, finishing."""
    from threadpoolctl import threadpool_limits

    # Many small matrix products: one BLAS thread does them three times faster on two cores
    # than two threads waiting for each other.
    with threadpool_limits(limits=1, user_api="blas"):
        return _group(vectors, k, seed, progress)


def _group(
    vectors: np.ndarray,
    k: int | None,
    seed: int,
    progress: Callable[[int, int], None] | None,
) -> Grouping:
    if k is not None and k < 1:
        raise ValueError("The number of themes must be at least 1")
    given = _unit(np.atleast_2d(vectors)) if len(vectors) else np.zeros((0, 0), np.float32)
    n, dims = given.shape
    usable = np.flatnonzero(given.any(axis=1))
    if len(usable) == 0:
        return Grouping(
            np.full(n, OTHER, dtype=np.int64),
            0,
            np.zeros((0, dims), np.float32),
            np.zeros(n, np.float32),
        )
    steps = 3
    if progress:
        progress(0, steps)
    rows = given[usable] if len(usable) < n else given.copy()
    mean = rows.mean(axis=0)
    if np.linalg.norm(mean) > CENTRE_ABOVE:
        rows -= mean
    rows = _unit(rows, copy=False)
    rng = np.random.default_rng(seed)
    fit = rows
    if len(rows) > FIT_SAMPLE:
        fit = rows[np.sort(rng.choice(len(rows), size=FIT_SAMPLE, replace=False))]
    automatic = k is None
    if k is None:
        k = choose_k(fit, seed=seed) if len(rows) > 2 else 1
    k = max(1, min(k, len(rows)))
    if progress:
        progress(1, steps)
    if k == 1:
        centres, _ = spherical_kmeans(fit, k, seed=seed)
    else:
        ward = rows
        if len(rows) > WARD_ROWS:
            ward = rows[np.sort(rng.choice(len(rows), size=WARD_ROWS, replace=False))]
        centres = ward_centres(ward, k)
    if automatic:
        centres = merge_close(centres)
    if len(rows) > WARD_ROWS:
        centres, _, _ = _lloyd(rows, centres, REFINE_PASSES)
    if progress:
        progress(2, steps)
    labels = np.full(n, OTHER, dtype=np.int64)
    labels[usable] = _other(rows, centres)
    labels, centroids = _number_by_size(given, labels)
    similarity = np.zeros(n, dtype=np.float32)
    members = np.flatnonzero(labels >= 0)
    similarity[members] = np.einsum("ij,ij->i", given[members], centroids[labels[members]])
    if progress:
        progress(steps, steps)
    return Grouping(labels, len(centroids), centroids, similarity)


def _other(rows: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's nearest group, or Other / unclear for rows that fit their group badly
    and rows in groups too small to be a theme. Badly is a similarity to the group's centre
    below OTHER_RATIO of the group's median: judged within each group, as some themes are
    tighter than others (docs/performance.md has how it was tuned)."""
    scores = rows @ centres.T
    labels = np.argmax(scores, axis=1)
    similarity = scores[np.arange(len(rows)), labels]
    for group in np.unique(labels):
        members = labels == group
        median = float(np.median(similarity[members]))
        labels[members & (similarity < OTHER_RATIO * median)] = OTHER
    labels[similarity <= 0] = OTHER
    sizes = np.bincount(labels[labels >= 0], minlength=len(centres))
    small = np.flatnonzero(sizes < min_group_size(len(rows)))
    labels[np.isin(labels, small)] = OTHER
    return labels


def _number_by_size(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber the groups 0..k-1, largest first (ties: the group whose first row comes
    first), and compute their centroids from the given vectors."""
    members = np.flatnonzero(labels >= 0)
    groups, first_row, sizes = np.unique(labels[members], return_index=True, return_counts=True)
    order = np.lexsort((members[first_row], -sizes))
    renumber = np.full(int(groups.max(initial=-1)) + 1, OTHER, dtype=np.int64)
    renumber[groups[order]] = np.arange(len(groups))
    labels = labels.copy()
    labels[members] = renumber[labels[members]]
    return labels, _unit(_sums(vectors, labels, len(groups)))
