"""The machine's rule for assigning answers to confirmed themes, on vectors alone.

The answers' vectors are first centred (the mean answer subtracted, then scaled to unit
length again), so that what every answer shares does not drown what sets them apart: on
human-coded feedback this raised TF-IDF's sample-F1 from 0.50 to 0.57. Each confirmed theme
has anchors: its answers when the set was confirmed, or, for a theme the analyst added, the
answers with its phrases.

Centres learnt from every answer (`by_spreading`). A theme's centre is half the mean of its
anchors and half the mean of the answers that its anchors reach through their nearest
neighbours (label spreading, `spread_centres`), people's corrections counting as anchors of
the theme they were put in. So a theme known by a few examples takes the answers like them,
and learns from the first corrections, not only from the twentieth. Every answer gets the
theme whose centre is nearest (cosine similarity), and a second theme at a similarity of at
least `SECOND_THEME_RATIO` (90%) of the first's. `by_centroid`, the rule before it, takes
the mean of the anchors alone.

A classifier trained from the start (`by_self_training`, the rule). The centres of
`by_spreading` give every answer a theme; a linear classifier (scikit-learn's
LogisticRegression, C = `SELF_TRAINING_C`, classes balanced) then learns from the anchors,
people's corrections (each weighing `CORRECTION_WEIGHT` times as much) and every other
answer with the theme of its nearest centre, weighing as much as that theme is ahead of the
next (the margin of similarity, scaled so that the largest is 1), on at most
`SELF_TRAINING_SAMPLE` answers (the anchors and corrections first, the rest drawn with the
seed). Every answer gets the theme the classifier finds most probable, and a second theme
when that one's probability is at least `SECOND_PROBABILITY_RATIO` (70%) of the first's.
On Banking77 with a 5% seed this raised sample-F1 by 0.01–0.02 over `by_spreading` on three
sets (0.575 to 0.588, static, on the test set) and gives a second theme to 7–11% of the
messages, which carry one intent each, instead of 22–27% (docs/performance.md). An answer
with no usable words, or whose similarity to every centre of `by_spreading` is below
`MIN_SIMILARITY`, goes to Other / unclear, and teaches the classifier nothing.

The classifier. Once people have corrected at least `MIN_CORRECTIONS` (20) answers across
at least `MIN_CORRECTED_THEMES` (2) themes, and the themes have at least
`CLASSIFIER_EXAMPLES_PER_THEME` (20) examples a theme (anchors and corrections), a linear
classifier is used instead: scikit-learn's LogisticRegression (fixed random_state), trained
on the corrected answers (each weighing `CORRECTION_WEIGHT` times as much) and on up to
`ANCHORS_PER_THEME` anchors of each theme. Its second theme follows the 90% rule, on the
classifier's probabilities.

Themes are given as ids with the response ids of their anchors, answers as rows of a matrix
(`row_of`: response id -> row); storing the outcome is the Django side's
(`themes.assignment`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Embed = Callable[[Sequence[tuple[int, str]], str], np.ndarray]
Anchors = Sequence[Sequence[int]]  # response ids of each theme's anchors, in theme order

SECOND_THEME_RATIO = 0.9
MIN_SIMILARITY = 0.05
MIN_CORRECTIONS = 20
MIN_CORRECTED_THEMES = 2
CORRECTION_WEIGHT = 5.0
ANCHORS_PER_THEME = 500
CLASSIFIER_C = 1.0
# With fewer examples a theme, the classifier's probabilities are flat and it does worse
# than the nearest centre learnt by spreading (level at about 20 on Banking77).
CLASSIFIER_EXAMPLES_PER_THEME = 20
# Learning the centres from every answer (`by_spreading`): see docs/performance.md.
ANCHOR_SHARE = 0.5
SPREAD_NEIGHBOURS = 10
SPREAD_POWER = 3
SPREAD_ALPHA = 0.8
SPREAD_STEPS = 20
SPREAD_SAMPLE = 10_000
SPREAD_BLOCK = 1024
# The classifier trained from the start (`by_self_training`): see docs/performance.md.
SELF_TRAINING_C = 10.0
SELF_TRAINING_SAMPLE = 10_000
SELF_TRAINING_ITERATIONS = 100
SECOND_PROBABILITY_RATIO = 0.7


@dataclass(frozen=True)
class Choice:
    theme_id: int
    score: float
    second_id: int | None = None
    second_score: float | None = None


def uses_classifier(
    corrected: dict[int, int], examples: int | None = None, themes: int | None = None
) -> bool:
    """Whether the classifier takes over: people's corrections (response id -> theme id)
    are enough to learn from, and, when given, the themes' `examples` (anchors and
    corrections together) number at least `CLASSIFIER_EXAMPLES_PER_THEME` a theme."""
    enough = (
        len(corrected) >= MIN_CORRECTIONS and len(set(corrected.values())) >= MIN_CORRECTED_THEMES
    )
    if examples is None or themes is None:
        return enough
    return enough and examples >= CLASSIFIER_EXAMPLES_PER_THEME * themes


def distinct_vectors(
    items: Sequence[tuple[int, str]], representation: str, embed: Embed
) -> np.ndarray:
    """One vector per item, each distinct text read once: thousands of copies of a campaign's
    text would otherwise weigh on TF-IDF's word weights (and cost time)."""
    if not items:
        return np.zeros((0, 1), dtype=np.float32)
    distinct = first_of_each_text(items)
    vectors = np.asarray(embed(distinct, representation), dtype=np.float32)
    position = {text: i for i, (_, text) in enumerate(distinct)}
    return vectors[[position[text] for _, text in items]]


def first_of_each_text(items: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """The first item of each distinct text, in order: the one whose vector stands for all."""
    first: dict[str, tuple[int, str]] = {}
    for item in items:
        first.setdefault(item[1], item)
    return list(first.values())


def choose(scores: np.ndarray, theme_ids: list[int], floor: float, other_id: int) -> list[Choice]:
    """For each row of scores (one column per theme): the best theme, and a second when it
    scores at least SECOND_THEME_RATIO of the first; Other / unclear when the best is below
    `floor`."""
    if scores.shape[1] == 0:
        return [Choice(other_id, 0.0) for _ in range(scores.shape[0])]
    order = np.argsort(-scores, axis=1, kind="stable")
    choices = []
    for row, ranked in zip(scores, order, strict=True):
        best = float(row[ranked[0]])
        if best < floor:
            choices.append(Choice(other_id, best))
            continue
        second_id = second_score = None
        if len(ranked) > 1:
            runner_up = float(row[ranked[1]])
            if runner_up >= max(floor, SECOND_THEME_RATIO * best) and theme_ids[ranked[1]] != (
                other_id
            ):
                second_id, second_score = theme_ids[ranked[1]], runner_up
        choices.append(Choice(theme_ids[ranked[0]], best, second_id, second_score))
    return choices


def centred(vectors: np.ndarray) -> np.ndarray:
    """The rows less the mean of the rows that have words, each scaled to unit length again;
    a row of zeros (no usable words) stays zeros."""
    vectors = np.asarray(vectors, dtype=np.float32)
    usable = np.linalg.norm(vectors, axis=1) > 0
    if usable.sum() < 2:
        return vectors
    result = np.zeros_like(vectors)
    result[usable] = vectors[usable] - vectors[usable].mean(axis=0)
    norms = np.linalg.norm(result, axis=1, keepdims=True)
    np.divide(result, norms, out=result, where=norms > 0)
    return result


def centres(vectors: np.ndarray, anchors: Anchors, row_of: dict[int, int]) -> np.ndarray:
    """One unit-length centre per theme: the mean of its anchors' vectors (zeros if none of
    its anchors can be read any more)."""
    result = np.zeros((len(anchors), vectors.shape[1]), dtype=np.float32)
    for i, anchor_ids in enumerate(anchors):
        rows = [row_of[a] for a in anchor_ids if a in row_of]
        if rows:
            mean = vectors[rows].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            if norm > 0:
                result[i] = mean / norm
    return result


def by_centroid(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    other_id: int,
    row_of: dict[int, int],
) -> list[Choice]:
    vectors = centred(vectors)
    similarity = vectors @ centres(vectors, anchors, row_of).T
    return choose(similarity, theme_ids, MIN_SIMILARITY, other_id)


def by_spreading(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    other_id: int,
    row_of: dict[int, int],
    corrected: dict[int, int] | None = None,
    seed: int = 0,
) -> list[Choice]:
    """The nearest theme, with each theme's centre learnt from every answer as well as its
    anchors (see the module's docstring): half the mean of its anchors, half the mean of the
    answers its anchors reach through their neighbours; an answer people corrected (response
    id -> theme id in `corrected`) is an anchor of the theme they gave it, and of no other."""
    _, _, _, similarity = _spread(vectors, theme_ids, anchors, row_of, corrected, seed)
    return choose(similarity, theme_ids, MIN_SIMILARITY, other_id)


def _spread(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    row_of: dict[int, int],
    corrected: dict[int, int] | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`by_spreading`'s working: the centred vectors, each row's label (`anchor_labels`),
    the themes' centres (`spread_mixed_centres`) and every row's similarity to each."""
    vectors = centred(vectors)
    labels = anchor_labels(vectors.shape[0], theme_ids, anchors, row_of, corrected)
    mixed = spread_mixed_centres(vectors, labels, len(theme_ids), seed)
    return vectors, labels, mixed, vectors @ mixed.T


def anchor_labels(
    rows: int,
    theme_ids: list[int],
    anchors: Anchors,
    row_of: dict[int, int],
    corrected: dict[int, int] | None = None,
) -> np.ndarray:
    """Each row's theme, as its index in `theme_ids`, or -1: a theme's anchors, less those
    people moved elsewhere (or to Other / unclear), with those people moved into it."""
    index = {theme_id: i for i, theme_id in enumerate(theme_ids)}
    labels = np.full(rows, -1, dtype=np.int64)
    for i, anchor_ids in enumerate(anchors):
        labels[[row_of[a] for a in anchor_ids if a in row_of]] = i
    for response_id, theme_id in (corrected or {}).items():
        if response_id in row_of:  # Other / unclear, or a theme gone: no longer a label
            labels[row_of[response_id]] = index.get(theme_id, -1)
    return labels


def spread_mixed_centres(
    vectors: np.ndarray, labels: np.ndarray, themes: int, seed: int
) -> np.ndarray:
    """`by_spreading`'s centres, from centred vectors: half the mean of each theme's
    labelled rows, half the mean of the rows label spreading gives it (`spread_centres`)."""
    anchored = np.zeros((themes, vectors.shape[1]), dtype=np.float32)
    np.add.at(anchored, labels[labels >= 0], vectors[labels >= 0])
    norms = np.linalg.norm(anchored, axis=1, keepdims=True)
    np.divide(anchored, norms, out=anchored, where=norms > 0)
    reached = spread_centres(vectors, labels, themes, seed)
    mixed = ANCHOR_SHARE * anchored + (1 - ANCHOR_SHARE) * reached
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    np.divide(mixed, norms, out=mixed, where=norms > 0)
    return mixed


def by_self_training(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    other_id: int,
    row_of: dict[int, int],
    corrected: dict[int, int] | None = None,
    seed: int = 0,
) -> list[Choice]:
    """A linear classifier trained from the start on the anchors, people's corrections and
    every other answer's theme by `by_spreading` (see the module's docstring): each answer
    gets the theme the classifier finds most probable, and a second theme when its
    probability is at least `SECOND_PROBABILITY_RATIO` of the first's. An answer with no
    usable words, or whose similarity to every spreading centre is below `MIN_SIMILARITY`,
    goes to Other / unclear, as with `by_spreading`."""
    # NumPy's BLAS held to one thread, as in grouping: these many small products (the
    # classifier's 100 steps above all) ran 2-3 times faster so on this 2-core machine.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _self_trained(vectors, theme_ids, anchors, other_id, row_of, corrected, seed)


def _self_trained(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    other_id: int,
    row_of: dict[int, int],
    corrected: dict[int, int] | None,
    seed: int,
) -> list[Choice]:
    vectors, labels, mixed, similarity = _spread(
        vectors, theme_ids, anchors, row_of, corrected, seed
    )
    count, themes = vectors.shape[0], len(theme_ids)
    best = similarity.max(axis=1) if themes else np.zeros(count)
    usable = np.linalg.norm(vectors, axis=1) > 0
    if themes < 2 or not usable.any():
        return choose(similarity, theme_ids, MIN_SIMILARITY, other_id)
    # Every other answer that is not Other / unclear learns as the theme whose spreading
    # centre is nearest (a theme with no centre is nobody's), weighing the more the further
    # ahead that theme is of the next (0 to 1).
    known = np.where(np.linalg.norm(mixed, axis=1) > 0, similarity, -np.inf)
    order = np.argsort(-known, axis=1, kind="stable")
    guessed = order[:, 0]
    margin = np.take_along_axis(similarity, order[:, :2], axis=1)
    margin = np.clip(margin[:, 0] - margin[:, 1], 0, None)
    margin[best < MIN_SIMILARITY] = 0
    top = float(margin[usable & (labels < 0)].max(initial=0.0))
    weight = margin / top if top > 0 else np.zeros(count)
    people = np.zeros(count, dtype=bool)
    people[[row_of[r] for r in (corrected or {}) if r in row_of]] = True
    # An answer people put in Other / unclear teaches nothing either.
    weight = np.where(labels >= 0, np.where(people, CORRECTION_WEIGHT, 1.0), weight)
    weight[people & (labels < 0)] = 0
    target = np.where(labels >= 0, labels, guessed)
    learn_from = np.flatnonzero(usable & (weight > 0))
    if learn_from.size > SELF_TRAINING_SAMPLE:
        rng = np.random.default_rng(seed)
        given, rest = learn_from[labels[learn_from] >= 0], learn_from[labels[learn_from] < 0]
        if given.size > SELF_TRAINING_SAMPLE:
            given = rng.choice(given, SELF_TRAINING_SAMPLE, replace=False)
        more = rng.choice(rest, SELF_TRAINING_SAMPLE - given.size, replace=False)
        learn_from = np.sort(np.concatenate([given, more]))
    if np.unique(target[learn_from]).size < 2:
        return choose(similarity, theme_ids, MIN_SIMILARITY, other_id)
    # scikit-learn's classifier is slow to import, and needed only once answers are assigned.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=SELF_TRAINING_C, class_weight="balanced", max_iter=SELF_TRAINING_ITERATIONS
    )
    with warnings.catch_warnings():  # a fit that stops at max_iter is still a good one
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        model.fit(vectors[learn_from], target[learn_from], sample_weight=weight[learn_from])
    probabilities = np.zeros((count, themes), dtype=np.float64)
    probabilities[:, model.classes_] = model.predict_proba(vectors)
    choices = []
    ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, :2]
    for row in range(count):
        if not usable[row] or best[row] < MIN_SIMILARITY:
            choices.append(Choice(other_id, float(max(best[row], 0.0))))
            continue
        first, second = ranked[row]
        p_first, p_second = probabilities[row, first], probabilities[row, second]
        if p_second >= SECOND_PROBABILITY_RATIO * p_first and p_second > 0:
            choices.append(
                Choice(theme_ids[first], float(p_first), theme_ids[second], float(p_second))
            )
        else:
            choices.append(Choice(theme_ids[first], float(p_first)))
    return choices


def spread_centres(vectors: np.ndarray, labels: np.ndarray, themes: int, seed: int) -> np.ndarray:
    """One unit-length centre per theme (zeros for a theme that reaches no answer): the mean
    of the distinct answers whose label, spread over the graph of nearest neighbours from
    the labelled ones (`labels`: a theme's index, or -1), is that theme.

    Label spreading (Zhou et al., 2004): each distinct answer is joined to its
    `SPREAD_NEIGHBOURS` most similar ones, with weight similarity^`SPREAD_POWER`, the graph
    made symmetric and normalised; labels are passed along its edges `SPREAD_STEPS` times,
    each answer keeping `1 - SPREAD_ALPHA` of its own. An answer takes the theme that reaches
    it most, a labelled one its own. Over `SPREAD_SAMPLE` distinct answers, a sample of them
    (labelled ones first, then drawn with `seed`) makes the graph."""
    from scipy import sparse

    result = np.zeros((themes, vectors.shape[1]), dtype=np.float32)
    usable = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    if themes == 0 or usable.size == 0:
        return result
    # Each distinct answer once: copies of a campaign would be one another's only neighbours.
    distinct = np.ascontiguousarray(vectors[usable]).view(
        np.dtype((np.void, vectors.itemsize * vectors.shape[1]))
    )
    _, first = np.unique(distinct.ravel(), return_index=True)
    rows = usable[np.sort(first)]
    if rows.size > SPREAD_SAMPLE:
        rng = np.random.default_rng(seed)
        labelled, rest = rows[labels[rows] >= 0], rows[labels[rows] < 0]
        if labelled.size > SPREAD_SAMPLE:
            labelled = rng.choice(labelled, SPREAD_SAMPLE, replace=False)
        more = rng.choice(rest, SPREAD_SAMPLE - labelled.size, replace=False)
        rows = np.sort(np.concatenate([labelled, more]))
    points, given = vectors[rows], labels[rows]
    count = points.shape[0]
    reach = min(SPREAD_NEIGHBOURS, count - 1)
    if reach < 1:
        result[given[given >= 0]] = points[given >= 0]
        return result
    near, weight = [], []
    for start in range(0, count, SPREAD_BLOCK):
        similarity = points[start : start + SPREAD_BLOCK] @ points.T
        block = np.arange(similarity.shape[0])
        similarity[block, start + block] = -np.inf
        top = np.argpartition(similarity, -reach, axis=1)[:, -reach:]
        near.append(top)
        weight.append(np.clip(similarity[block[:, None], top], 0, None) ** SPREAD_POWER)
    graph = sparse.csr_matrix(
        (
            np.concatenate(weight).ravel(),
            (np.repeat(np.arange(count), reach), np.concatenate(near).ravel()),
        ),
        shape=(count, count),
    )
    graph = graph + graph.T
    degree = np.asarray(graph.sum(axis=1)).ravel()
    scale = sparse.diags(1 / np.sqrt(np.where(degree > 0, degree, 1)))
    graph = scale @ graph @ scale
    start_with = np.zeros((count, themes))
    start_with[np.flatnonzero(given >= 0), given[given >= 0]] = 1.0
    spread = start_with
    for _ in range(SPREAD_STEPS):
        spread = SPREAD_ALPHA * (graph @ spread) + (1 - SPREAD_ALPHA) * start_with
    taken = np.where(given >= 0, given, spread.argmax(axis=1))
    reached = (given >= 0) | (spread.max(axis=1) > 0)
    np.add.at(result, taken[reached], points[reached])
    norms = np.linalg.norm(result, axis=1, keepdims=True)
    np.divide(result, norms, out=result, where=norms > 0)
    return result


def by_classifier(
    vectors: np.ndarray,
    theme_ids: list[int],
    anchors: Anchors,
    other_id: int,
    corrected: dict[int, int],
    row_of: dict[int, int],
    seed: int,
) -> list[Choice]:
    # scikit-learn's classifier is slow to import, and needed only once people correct.
    from sklearn.linear_model import LogisticRegression

    vectors = centred(vectors)
    rng = np.random.default_rng(seed)
    rows, labels, weights = [], [], []
    for theme_id, anchor_ids in zip(theme_ids, anchors, strict=True):
        kept = [row_of[a] for a in anchor_ids if a in row_of and a not in corrected]
        if len(kept) > ANCHORS_PER_THEME:
            kept = sorted(rng.choice(kept, ANCHORS_PER_THEME, replace=False).tolist())
        rows.extend(kept)
        labels.extend([theme_id] * len(kept))
        weights.extend([1.0] * len(kept))
    for response_id, theme_id in sorted(corrected.items()):
        rows.append(row_of[response_id])
        labels.append(theme_id)
        weights.append(CORRECTION_WEIGHT)
    if len(set(labels)) < 2:
        return by_centroid(vectors, theme_ids, anchors, other_id, row_of)
    model = LogisticRegression(C=CLASSIFIER_C, max_iter=1000, random_state=0)
    model.fit(vectors[rows], np.array(labels), sample_weight=np.array(weights))
    probabilities = model.predict_proba(vectors)
    classes = [int(c) for c in model.classes_]
    choices = choose(probabilities, classes, 0.0, other_id)
    # An answer with no usable words has no vector: nothing to learn from or about.
    empty = np.linalg.norm(vectors, axis=1) == 0
    return [Choice(other_id, 0.0) if empty[i] else c for i, c in enumerate(choices)]
