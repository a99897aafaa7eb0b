"""The machine's assignment rule: vectors centred before comparing, and a second theme when
it is nearly as close (SECOND_THEME_RATIO)."""

from __future__ import annotations

import numpy as np

from soundingboard.analyse.themes.engine.assignment import (
    SECOND_THEME_RATIO,
    by_centroid,
    centred,
    choose,
)


def test_centring_takes_out_what_every_answer_shares():
    rng = np.random.default_rng(0)
    shared = np.full(8, 3.0, dtype=np.float32)
    vectors = shared + rng.normal(size=(50, 8)).astype(np.float32)
    vectors[7] = 0  # no usable words
    result = centred(vectors)
    usable = np.ones(50, bool)
    usable[7] = False
    assert np.allclose(np.linalg.norm(result[usable], axis=1), 1.0, atol=1e-5)
    assert not result[7].any()
    # Before, every pair of answers looked alike; after, they differ.
    assert (vectors[usable] @ vectors[usable].T).min() > 0
    assert (result[usable] @ result[usable].T).min() < 0


def test_answers_leaning_one_way_still_go_to_their_own_theme():
    rng = np.random.default_rng(1)
    shared = np.zeros(6, dtype=np.float32)
    shared[0] = 10.0
    a = shared + np.array([0, 1, 0, 0, 0, 0], np.float32) + 0.3 * rng.normal(size=(20, 6))
    b = shared + np.array([0, 0, 1, 0, 0, 0], np.float32) + 0.3 * rng.normal(size=(20, 6))
    vectors = np.vstack([a, b]).astype(np.float32)
    row_of = {i: i for i in range(40)}
    choices = by_centroid(vectors, [1, 2], [list(range(10)), list(range(20, 30))], 0, row_of)
    assert [c.theme_id for c in choices[10:20]] == [1] * 10
    assert [c.theme_id for c in choices[30:40]] == [2] * 10


def test_a_second_theme_when_it_is_nearly_as_close():
    assert SECOND_THEME_RATIO == 0.9
    scores = np.array([[0.8, 0.75, 0.1], [0.8, 0.7, 0.1], [0.01, 0.0, 0.0]])
    first, second, weak = choose(scores, [1, 2, 3], 0.05, 0)
    assert (first.theme_id, first.second_id) == (1, 2)  # 0.75 >= 0.9 * 0.8
    assert (second.theme_id, second.second_id) == (1, None)  # 0.7 < 0.72
    assert weak.theme_id == 0  # below the floor: Other / unclear
