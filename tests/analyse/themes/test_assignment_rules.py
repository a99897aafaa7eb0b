"""The machine's assignment rule: vectors centred before comparing, a second theme when it
is nearly as close (SECOND_THEME_RATIO), and each theme's centre learnt from the answers its
anchors and people's corrections reach through their neighbours (by_spreading), and the
classifier trained from the start on the anchors, the corrections and what spreading gives
every other answer (by_self_training)."""

from __future__ import annotations

import numpy as np
import pytest

from soundingboard.analyse.themes.engine import assignment
from soundingboard.analyse.themes.engine.assignment import (
    SECOND_PROBABILITY_RATIO,
    SECOND_THEME_RATIO,
    by_centroid,
    by_self_training,
    by_spreading,
    centred,
    choose,
    uses_classifier,
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


def on_circle(degrees: list[float], dims: int = 6) -> np.ndarray:
    """Unit vectors at these angles in a plane: how alike two answers are is their angle."""
    radians = np.radians(np.asarray(degrees, dtype=float))
    vectors = np.zeros((len(radians), dims), dtype=np.float32)
    vectors[:, 0], vectors[:, 1] = np.cos(radians), np.sin(radians)
    return vectors


def three_themes() -> tuple[np.ndarray, list[int], list[int], list[int], list[int]]:
    """Theme 1: 20 anchors around 0°. Theme 2: two example answers at 60° and 62°, at one
    end of 16 answers like them (64° to 94°, 2° apart) that have no theme yet. Theme 3: 20
    anchors from 120° to 128°. And 40 answers of no theme across the far side (230° to
    310°), so that centring moves nothing much."""
    degrees = [*np.linspace(-4, 4, 20), 60, 62, *range(64, 96, 2), *np.linspace(120, 128, 20)]
    degrees += list(np.linspace(230, 310, 40))
    first, examples, like_them = list(range(20)), [20, 21], list(range(22, 38))
    third = list(range(38, 58))
    return on_circle(degrees), first, examples, like_them, third


def test_a_theme_known_by_a_few_examples_gets_the_answers_like_them():
    vectors, first, examples, like_them, third = three_themes()
    row_of = {row: row for row in range(len(vectors))}
    anchors = [first, examples, third]
    learnt = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [learnt[row].theme_id for row in like_them] == [2] * len(like_them)
    # Nearest to the examples' mean alone, the far end went to the theme next to it.
    alone = by_centroid(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [alone[row].theme_id for row in like_them[-2:]] == [3, 3]
    # The anchored themes keep their own answers.
    assert {learnt[row].theme_id for row in first} == {1}
    assert {learnt[row].theme_id for row in third} == {3}


def test_a_theme_with_no_anchors_learns_from_a_few_corrections():
    vectors, first, examples, like_them, third = three_themes()
    row_of = {row: row for row in range(len(vectors))}
    anchors = [first, [], third]  # theme 2's anchors can no longer be read
    before = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of)
    assert 2 not in {choice.theme_id for choice in before}
    corrected = {examples[0]: 2, examples[1]: 2}  # two answers a person put in theme 2
    after = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of, corrected)
    assert [after[row].theme_id for row in like_them] == [2] * len(like_them)
    # A correction to Other / unclear (id 0 here) is no theme's example.
    ignored = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of, {examples[0]: 0})
    assert 2 not in {choice.theme_id for choice in ignored}
    # An anchor a person moved to another theme is an example of that theme only: with all
    # of theme 2's anchors moved to theme 1, theme 2 is nobody's any more.
    moved = {row: 1 for row in [*examples, *like_them]}
    gone = by_spreading(
        vectors, [1, 2, 3], [first, [*examples, *like_them], third], 0, row_of, moved
    )
    assert 2 not in {choice.theme_id for choice in gone}


def test_copies_and_answers_without_words_do_not_spread(monkeypatch: pytest.MonkeyPatch):
    vectors, first, examples, like_them, third = three_themes()
    # A campaign: 30 copies of one answer, anchored in theme 3, and two answers with no words.
    vectors = np.vstack([vectors, np.repeat(vectors[third[:1]], 30, axis=0), np.zeros((2, 6))])
    rows = len(vectors)
    row_of = {row: row for row in range(rows)}
    anchors = [first, examples, [*third, *range(rows - 32, rows - 2)]]
    learnt = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [learnt[row].theme_id for row in like_them] == [2] * len(like_them)
    assert [learnt[row].theme_id for row in (rows - 2, rows - 1)] == [0, 0]
    # Over SPREAD_SAMPLE distinct answers, a sample of them makes the graph: drawn with the
    # run's seed, so the same seed gives the same themes.
    monkeypatch.setattr(assignment, "SPREAD_SAMPLE", 60)
    sampled = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of, seed=3)
    assert sampled == by_spreading(vectors, [1, 2, 3], anchors, 0, row_of, seed=3)
    assert {sampled[row].theme_id for row in first} == {1}


def test_the_classifier_waits_for_enough_examples_a_theme():
    corrected = {response_id: 1 + response_id % 2 for response_id in range(20)}
    assert uses_classifier(corrected)  # 20 corrections across 2 themes
    # Two themes with 2 anchors each and the 20 corrections: 12 examples a theme, too few
    # for the classifier's probabilities to mean much; spreading stays the rule.
    assert not uses_classifier(corrected, examples=24, themes=2)
    assert uses_classifier(corrected, examples=40, themes=2)
    assert not uses_classifier(dict(list(corrected.items())[:19]), examples=400, themes=2)


def test_the_classifier_from_the_start_gives_the_answers_like_a_themes_examples():
    vectors, first, examples, like_them, third = three_themes()
    row_of = {row: row for row in range(len(vectors))}
    anchors = [first, examples, third]
    learnt = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [learnt[row].theme_id for row in like_them] == [2] * len(like_them)
    assert {learnt[row].theme_id for row in first} == {1}
    assert {learnt[row].theme_id for row in third} == {3}
    # Its scores are the classifier's probabilities; answers unlike every theme (most of the
    # far side) go to Other / unclear, the same ones as with by_spreading.
    assert all(0 < choice.score <= 1 for choice in learnt if choice.theme_id)
    spread = by_spreading(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [c.theme_id == 0 for c in learnt] == [c.theme_id == 0 for c in spread]
    assert sum(c.theme_id == 0 for c in learnt[58:]) > 20
    # The same answers and seed, the same themes.
    assert learnt == by_self_training(vectors, [1, 2, 3], anchors, 0, row_of)


def test_the_classifier_from_the_start_learns_from_corrections():
    vectors, first, examples, like_them, third = three_themes()
    row_of = {row: row for row in range(len(vectors))}
    anchors = [first, [], third]  # theme 2's anchors can no longer be read
    before = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of)
    assert 2 not in {choice.theme_id for choice in before}
    corrected = {examples[0]: 2, examples[1]: 2}
    after = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of, corrected)
    assert [after[row].theme_id for row in like_them] == [2] * len(like_them)
    # A correction to Other / unclear is no theme's example.
    ignored = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of, {examples[0]: 0})
    assert 2 not in {choice.theme_id for choice in ignored}


def test_a_second_theme_when_the_classifier_finds_it_nearly_as_probable():
    assert SECOND_PROBABILITY_RATIO == 0.7
    # Two themes of 20 answers each, around 0° and 90°, known by three examples at their
    # outer ends, three answers half way (44° to 46°), and 30 answers of no theme on the far
    # side: the answers half way are nearly as like one theme as the other, and get both;
    # the others get one.
    degrees = [*np.linspace(-10, 10, 20), *np.linspace(80, 100, 20), 44, 45, 46]
    vectors = on_circle([*degrees, *np.linspace(200, 250, 30)])
    row_of = {row: row for row in range(len(vectors))}
    anchors = [[0, 1, 2], [37, 38, 39]]
    choices = by_self_training(vectors, [1, 2], anchors, 0, row_of)
    for choice in choices[40:43]:
        assert {choice.theme_id, choice.second_id} == {1, 2}
        assert choice.second_score >= SECOND_PROBABILITY_RATIO * choice.score
    assert [c.second_id for c in choices[:40]] == [None] * 40
    assert [c.theme_id for c in choices[:40]] == [1] * 20 + [2] * 20


def test_the_classifier_from_the_start_leaves_empty_answers_and_samples_with_the_seed(
    monkeypatch: pytest.MonkeyPatch,
):
    vectors, first, examples, _, third = three_themes()
    vectors = np.vstack([vectors, np.zeros((2, 6))])
    rows = len(vectors)
    row_of = {row: row for row in range(rows)}
    anchors = [first, examples, third]
    learnt = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of)
    assert [learnt[row].theme_id for row in (rows - 2, rows - 1)] == [0, 0]
    # Over SELF_TRAINING_SAMPLE answers, the classifier learns from a sample of them: the
    # anchors, and others drawn with the run's seed.
    monkeypatch.setattr(assignment, "SELF_TRAINING_SAMPLE", 50)
    sampled = by_self_training(vectors, [1, 2, 3], anchors, 0, row_of, seed=3)
    assert sampled == by_self_training(vectors, [1, 2, 3], anchors, 0, row_of, seed=3)
    assert {sampled[row].theme_id for row in first} == {1}
    assert {sampled[row].theme_id for row in third} == {3}
    # With one theme there is nothing to classify: the nearest centre, as by_spreading.
    one = by_self_training(vectors, [1], [first], 0, row_of)
    assert one == by_spreading(vectors, [1], [first], 0, row_of)
