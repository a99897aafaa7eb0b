"""Identical and near-identical answers (template or campaign text) are grouped, with their
count; short common answers and different answers on one subject are not."""

from __future__ import annotations

import random

from soundingboard.analyse.themes.engine.duplicates import (
    MIN_WORDS,
    NEAR_MIN_WORDS,
    find_duplicates,
    normalise,
)

from .test_pipeline import CAMPAIGN, campaign_answers, topic_answers


def test_normalising_ignores_case_punctuation_and_spacing():
    assert normalise("  Don’t CLOSE the   library!!\n") == "dont close the library"
    assert normalise("well-being, for all") == normalise("Well being for all.")
    assert normalise("Ｃａｆé") == "café"  # full-width letters read as ordinary ones


def test_plain_ascii_text_is_normalised_as_any_other_text():
    # ASCII takes a faster path; appending "é" sends the same text down the general one.
    rng = random.Random(7)
    alphabet = [chr(code) for code in range(128)]
    for _ in range(3_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        assert normalise(text + " é") == f"{normalise(text)} é".lstrip(), repr(text)


def test_identical_answers_are_one_exact_group_represented_by_the_lowest_id():
    text = "Please keep the library open on Sundays for families"
    items = [
        (30, text),
        (12, text.upper() + "!!!"),
        (20, "please keep the library, open on sundays for families."),
        (40, "Something else altogether about buses in the town"),
    ]
    [group] = find_duplicates(items)
    assert group.response_ids == [12, 20, 30]
    assert group.count == 3
    assert group.exact
    assert group.sample == text.upper() + "!!!"


def test_campaign_text_with_small_edits_is_one_near_identical_group():
    campaign = campaign_answers(50)
    items = [(i, text) for i, text in enumerate(campaign)]
    others = [t for answers in topic_answers().values() for t in answers]
    items += [(1000 + i, text) for i, text in enumerate(others)]
    [group] = find_duplicates(items)
    assert group.response_ids == list(range(50))
    assert not group.exact
    assert group.sample == CAMPAIGN.format(name="Ana")


def test_an_added_sentence_or_a_changed_word_is_still_the_same_template():
    base = (
        "I object to the closure of the Riverside day centre because it is the only "
        "place where my mother meets other people during the week"
    )
    items = [
        (1, base),
        (2, base + ". Please think again."),
        (3, base.replace("mother", "father")),
        (4, "The Riverside day centre should stay open: my mother goes there every week"),
    ]
    [group] = find_duplicates(items)
    assert group.response_ids == [1, 2, 3]  # the fourth says the same in its own words


def test_short_answers_are_not_duplicates():
    short = "Yes I agree"
    assert len(short.split()) < MIN_WORDS
    assert find_duplicates([(1, short), (2, short), (3, "yes, I agree!")]) == []
    # Near-identical needs a longer text: in a short one, one word changes the meaning.
    one, two = "I would like to change my address please", "I would like to change my pin please"
    assert len(one.split()) < NEAR_MIN_WORDS
    assert find_duplicates([(1, one), (2, two)]) == []


def test_answers_on_the_same_subject_in_different_words_are_not_duplicates():
    items = [(i, text) for i, text in enumerate(t for a in topic_answers().values() for t in a)]
    assert find_duplicates(items) == []


def test_groups_come_largest_first_and_the_same_every_time():
    rng = random.Random(5)
    items = []
    templates = {
        "Fund the youth club again so that teenagers have somewhere safe to go": 3,
        "Stop the new road through the meadow because it will ruin the river": 7,
        "Keep the swimming pool open in the winter for older residents": 5,
    }
    for text, copies in templates.items():
        items += [(len(items) + 1, text) for _ in range(copies)]
    items += [
        (len(items) + 1, f"Answer {i} " + " ".join(rng.sample(CAMPAIGN.split(), 8)))
        for i in range(200)
    ]
    rng.shuffle(items)
    groups = find_duplicates(items)
    assert [g.count for g in groups][:3] == [7, 5, 3]
    assert find_duplicates(items) == groups


def test_nothing_to_compare():
    assert find_duplicates([]) == []
    assert find_duplicates([(1, "A single answer with enough words in it")]) == []
