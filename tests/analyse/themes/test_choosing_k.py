"""How many themes: the smallest k within a margin of the best silhouette, capped for a
first view; nearly identical groups merged; stability across seeds measured and shown;
answers that fit their group badly sent to Other / unclear, not forced into a theme."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse

from soundingboard.analyse.models import ThemeRun
from soundingboard.analyse.presentation.themes import stability_words
from soundingboard.analyse.themes import find_themes
from soundingboard.analyse.themes.engine import grouping
from tests.analyse.conftest import SLUG

from .test_pipeline import corpus
from .workspace_data import (  # noqa: F401
    ana_fixture,
    analyst_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)


def blobs(k: int, per: int = 60, dims: int = 24, spread: float = 0.15, seed: int = 0):
    """k clear groups of unit vectors around random directions, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dims))
    labels = np.repeat(np.arange(k), per)
    vectors = centres[labels] + spread * np.linalg.norm(centres, axis=1).mean() * rng.normal(
        size=(len(labels), dims)
    ) / np.sqrt(dims)
    return vectors.astype(np.float32), labels


def test_the_smallest_k_within_the_margin_of_the_best_is_chosen():
    assert grouping.best_k({2: 0.10, 3: 0.30, 4: 0.50, 5: 0.49, 6: 0.51}) == 4
    assert grouping.best_k({2: 0.40, 3: 0.20}) == 2
    assert grouping.best_k({}) == 1
    # A peak: neither the cap nor the first candidate.
    scores = {2: 0.1, 5: 0.2, 8: 0.35, 12: 0.3, 20: 0.25, 30: 0.2}
    assert grouping.best_k(scores) == 8


def test_candidates_stop_at_the_cap_for_a_first_view():
    assert max(grouping.candidate_ks(1_000_000)) == grouping.MAX_AUTO_K == 30
    assert min(grouping.candidate_ks(1_000_000)) == 2


@pytest.mark.parametrize("k", [3, 6])
def test_clear_groups_are_found_at_their_number(k):
    vectors, labels = blobs(k)
    found = grouping.group(vectors)
    assert found.k == k
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(labels, found.labels) > 0.95


def test_groups_with_nearly_the_same_centre_are_merged():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 16))
    near = a + 0.05 * rng.normal(size=16)
    merged = grouping.merge_close(grouping._unit(np.stack([a, near, b])))
    assert len(merged) == 2
    assert merged[0] @ grouping._unit(a[None])[0] > 0.99
    apart = grouping.merge_close(grouping._unit(np.stack([a, b])))
    assert len(apart) == 2


def test_stability_is_high_for_clear_groups_and_low_for_noise():
    vectors, _ = blobs(4)
    assert grouping.stability(vectors, 4) > 0.9
    noise = np.random.default_rng(3).normal(size=(300, 24)).astype(np.float32)
    assert grouping.stability(noise, 8) < 0.6


def test_answers_that_fit_their_group_badly_go_to_other():
    vectors, _ = blobs(4, per=80)
    rng = np.random.default_rng(5)
    # Answers half-way between two groups, or pointing elsewhere: they fit none well.
    strays = rng.normal(size=(12, vectors.shape[1])).astype(np.float32)
    found = grouping.group(np.vstack([vectors, strays]), 4)
    other = found.labels == grouping.OTHER
    assert other[len(vectors) :].mean() >= 0.5  # most strays
    assert other[: len(vectors)].mean() < 0.05  # few members of the clear groups
    assert 0 < other.mean() < 0.1


def test_find_themes_reports_stability():
    items, _ = corpus()
    result = find_themes(items, k=3)
    assert result.stability is not None and 0.9 <= result.stability <= 1.0


@pytest.mark.parametrize(
    ("value", "words"),
    [(0.95, "Stable"), (0.6, "Fairly stable"), (0.2, "Unstable"), (None, "")],
)
def test_stability_in_plain_words(value, words):
    text = stability_words(ThemeRun(stability=value))
    assert text.startswith(words)
    if value is not None:
        assert f"{value:.2f}" in text


@pytest.mark.django_db
def test_the_run_page_says_how_stable_the_themes_are(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    assert run.stability is not None
    page = analyst.get(reverse("analyse:themes-run", args=[SLUG, run.pk])).content.decode()
    assert "How stable" in page and stability_words(run).split(":")[0] in page
