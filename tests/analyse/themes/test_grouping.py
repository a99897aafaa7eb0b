"""Grouping vectors into candidate themes: deterministic, automatic k, Other / unclear."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from soundingboard.analyse.themes.engine import grouping
from soundingboard.analyse.themes.engine.grouping import OTHER, group


def clusters(sizes: list[int], dims: int = 32, spread: float = 0.15, seed: int = 7):
    """Points around len(sizes) orthogonal directions, and which direction each is from."""
    rng = np.random.default_rng(seed)
    directions = np.linalg.qr(rng.normal(size=(dims, len(sizes))))[0].T
    truth = np.repeat(np.arange(len(sizes)), sizes)
    points = directions[truth] + spread * rng.normal(size=(len(truth), dims))
    order = rng.permutation(len(truth))
    return points[order].astype(np.float32), truth[order]


def test_the_same_vectors_give_the_same_groups():
    vectors, _ = clusters([80, 60, 40, 30])
    first, second = group(vectors), group(vectors.copy())
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.centroids, second.centroids)
    np.testing.assert_array_equal(first.similarity, second.similarity)
    assert first.k == second.k


def test_well_separated_groups_are_found_with_k_chosen_automatically():
    vectors, truth = clusters([90, 70, 50, 40, 30])
    found = group(vectors)
    assert found.k == 5
    kept = found.labels != OTHER
    assert kept.mean() > 0.95
    assert adjusted_rand_score(truth[kept], found.labels[kept]) == 1.0


def test_groups_are_numbered_by_size_with_unit_centroids():
    vectors, _ = clusters([30, 90, 60])
    found = group(vectors, 3)
    sizes = np.bincount(found.labels[found.labels >= 0])
    assert found.k == 3 and list(sizes) == sorted(sizes, reverse=True)
    assert found.labels.shape == (len(vectors),) and set(found.labels) <= {-1, 0, 1, 2}
    assert found.centroids.shape == (3, vectors.shape[1])
    assert np.allclose(np.linalg.norm(found.centroids, axis=1), 1, atol=1e-5)
    # Similarity is to the group's centroid, in the space of the vectors given.
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = int(np.flatnonzero(found.labels == 1)[0])
    assert found.similarity[row] == pytest.approx(unit[row] @ found.centroids[1], abs=1e-5)
    assert found.similarity.shape == (len(vectors),)


def test_rows_that_fit_nowhere_are_other():
    vectors, _ = clusters([60, 60, 60], seed=3)
    rng = np.random.default_rng(11)
    stray = rng.normal(size=(1, vectors.shape[1])).astype(np.float32)
    blank = np.zeros((1, vectors.shape[1]), dtype=np.float32)
    found = group(np.vstack([vectors, stray, blank]), 3)
    assert found.labels[-1] == OTHER and found.similarity[-1] == 0
    assert found.labels[-2] == OTHER
    assert (found.labels[:-2] != OTHER).mean() > 0.95


def test_a_group_too_small_to_be_a_theme_is_other():
    vectors, truth = clusters([60, 60, 2], spread=0.03, seed=5)
    found = group(vectors, 3)
    assert found.k == 2
    assert set(found.labels[truth == 2]) == {OTHER}


def test_a_different_seed_still_finds_clear_groups():
    vectors, truth = clusters([50, 50, 50, 50])
    for seed in (1, 2):
        found = group(vectors, 4, seed=seed)
        kept = found.labels != OTHER
        assert adjusted_rand_score(truth[kept], found.labels[kept]) == 1.0


def test_more_groups_asked_for_than_rows():
    vectors, _ = clusters([2, 2])
    found = group(vectors, 10)
    assert len(found.labels) == 4 and found.k <= 4


def test_nothing_to_group():
    assert group(np.zeros((0, 8), dtype=np.float32)).k == 0
    found = group(np.zeros((3, 8), dtype=np.float32))
    assert found.k == 0 and list(found.labels) == [OTHER] * 3


def test_k_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        group(np.ones((3, 2)), 0)


def test_progress_is_told_of_each_step():
    vectors, _ = clusters([20, 20])
    seen = []
    group(vectors, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_the_silhouette_is_the_usual_one_computed_faster():
    vectors, _ = clusters([40, 30, 20, 1], seed=9)
    unit = grouping._unit(vectors)
    labels = np.random.default_rng(0).integers(0, 4, len(unit))
    labels[0] = 4  # a group of one
    assert grouping.silhouette(unit, labels, 5) == pytest.approx(
        silhouette_score(unit, labels, metric="cosine"), abs=1e-5
    )


def test_candidate_numbers_of_themes_grow_with_the_rows():
    assert grouping.candidate_ks(4) == [2]
    small, large = grouping.candidate_ks(100), grouping.candidate_ks(100_000)
    assert small[0] == 2 and small[-1] == 10
    assert large[-1] == grouping.MAX_AUTO_K and len(large) < 25 and large == sorted(set(large))


def test_the_groups_are_wards_as_scikit_learn_finds_them():
    from sklearn.cluster import AgglomerativeClustering

    vectors, _ = clusters([40, 30, 25, 20, 10], spread=0.6, seed=4)
    unit = grouping._unit(vectors)
    centres = grouping.ward_centres(unit, 5)
    theirs = AgglomerativeClustering(5, linkage="ward").fit_predict(unit.astype(np.float64))
    ours_centres = grouping._unit(grouping._sums(unit, theirs, 5))
    # The same five groups: each of our centres is one of scikit-learn's groups' centres.
    assert centres.shape == (5, unit.shape[1])
    matched = np.abs(centres @ ours_centres.T).max(axis=1)
    assert np.allclose(matched, 1.0, atol=1e-5)


def test_ward_gives_k_groups_even_with_repeated_rows():
    vectors, _ = clusters([10, 10])
    repeated = grouping._unit(np.vstack([vectors] * 3))
    assert len(grouping.ward_centres(repeated, 7)) == 7
    assert len(grouping.ward_centres(repeated[:1], 3)) == 1


def test_the_groups_of_a_set_ward_sees_whole_do_not_depend_on_the_seed():
    vectors, _ = clusters([50, 40, 30, 20], spread=0.5, seed=8)
    first = group(vectors, 4, seed=0)
    for seed in (1, 2):
        np.testing.assert_array_equal(group(vectors, 4, seed=seed).labels, first.labels)


def test_more_rows_than_ward_sees_are_grouped_from_a_sample(monkeypatch):
    monkeypatch.setattr(grouping, "WARD_ROWS", 60)
    vectors, truth = clusters([90, 70, 50, 40])
    found = group(vectors, 4, seed=3)
    kept = found.labels != OTHER
    assert kept.mean() > 0.95
    assert adjusted_rand_score(truth[kept], found.labels[kept]) == 1.0
