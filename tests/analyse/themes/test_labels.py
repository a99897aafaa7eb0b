"""Labels from a group's distinctive words and phrases, and its representative quotes."""

from __future__ import annotations

import numpy as np

from soundingboard.analyse.themes.engine import representations
from soundingboard.analyse.themes.engine.labels import (
    LABEL_LENGTH,
    STOP_WORDS,
    distinctive_terms,
    make_label,
    representative_quotes,
    terms_of,
)

from .test_pipeline import topic_answers

HEALTH = [
    "Mental health support for teenagers is missing in our town",
    "Waiting lists for mental health services are far too long",
    "Schools should teach pupils about mental health",
    "My son waited a year for mental health care",
    "Mental health nurses in every surgery would help",
    "Fund mental health charities properly",
]
HOUSING = [
    "Rents are too high for young families",
    "Build more social housing near the station",
    "Landlords ignore damp and mould",
    "Young families cannot afford rents here",
    "Social housing waiting lists are far too long",
    "Empty homes should be brought back into use",
]


def test_terms_are_words_and_phrases_without_stop_words_at_their_edges():
    terms = terms_of("The cost of living is rising. Rents, too!")
    assert "cost of living" in terms
    assert "cost" in terms and "living" in terms and "rents" in terms
    assert not any(t.split()[0] in STOP_WORDS or t.split()[-1] in STOP_WORDS for t in terms)
    assert "rising rents" not in terms  # a phrase stays within its clause
    assert all(1 <= len(t.split()) <= 3 for t in terms)


def test_a_groups_terms_are_its_own_distinctive_words():
    answers = topic_answers()
    groups = [answers["bus"], answers["library"], answers["park"]]
    terms = distinctive_terms(groups)
    for topic, found in zip(["bus", "library", "park"], terms, strict=True):
        assert found[0] == topic  # the word every one of its answers uses, and no other's
        assert not any(other in t for t in found for other in {"bus", "library", "park"} - {topic})
        assert len(found) == len(set(found))


def test_a_phrase_is_preferred_to_words_that_always_come_together():
    health, housing = distinctive_terms([HEALTH, HOUSING])
    assert health[0] == "mental health"
    assert "mental" not in health and "health" not in health
    # One answer of a group is not enough to describe it.
    assert "waiting lists" not in health and "surgery" not in health
    assert housing[0] in {"social housing", "young families", "rents"}
    assert "housing" not in housing  # always "social housing" here


def test_words_common_to_every_group_rank_below_distinctive_ones():
    shared = " The council must act."
    health, housing = distinctive_terms(
        [[t + shared for t in HEALTH], [t + shared for t in HOUSING]]
    )
    assert health[0] == "mental health"
    assert "council" not in health[:3] and "council" not in housing[:3]


def test_labels_are_short_and_start_with_a_capital():
    assert make_label(["mental health", "waiting lists", "schools", "nurses"], "x") == (
        "Mental health, waiting lists, schools"
    )
    assert make_label(["park", "park gates", "lighting"], "x") == "Park, lighting"
    assert make_label([], "Theme 3") == "Theme 3"
    long = ["a" * 40, "b" * 30, "c"]
    assert make_label(long, "x") == "A" + "a" * 39  # the first term always, then what fits
    assert len(make_label(["word"] * 1 + ["x" * 20] * 5, "x")) <= LABEL_LENGTH


def test_an_empty_or_wordless_group_has_no_terms():
    assert distinctive_terms([[], ["???", "!!!"]]) == [[], []]
    assert distinctive_terms([]) == []


def test_quotes_are_the_most_central_different_texts():
    texts = [
        "Mental health support for teenagers is missing",
        "Mental health support for teenagers is missing!",  # the same text, differently typed
        "Waiting lists for mental health services are long",
        "Schools should teach pupils about mental health",
        "Fund mental health charities properly",
        "Something else entirely about bus fares in town",
        "ok",
    ]
    vectors = representations.embed(texts, "tfidf")
    quotes = representative_quotes(texts, vectors)
    assert 3 <= len(quotes) <= 5
    assert len(set(quotes)) == len(quotes)
    assert not {0, 1} <= set(quotes)  # never the same text twice
    assert 5 not in quotes[:3] and 6 not in quotes  # far from the centre; too short
    closeness = vectors @ (vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0)))
    assert closeness[quotes[0]] == closeness[[0, 2, 3, 4]].max()


def test_few_texts_give_what_there_is():
    texts = ["Bus fares are high", "Bus stops need shelters"]
    vectors = representations.embed(texts, "tfidf")
    assert sorted(representative_quotes(texts, vectors)) == [0, 1]
    assert representative_quotes([], np.zeros((0, 3))) == []
