"""Names a person would write: a phrase most of a group's answers share (negation kept), or
its most central answer shortened; word forms joined by a real stemmer but shown as written;
placeholders, redaction marks and a form's repeated lines never used."""

from __future__ import annotations

import pytest

from soundingboard.analyse.themes import find_themes
from soundingboard.analyse.themes.engine.labels import (
    NAME_SHARE,
    boilerplate_lines,
    distinctive_terms,
    name_theme,
    shorten,
    stem,
    terms_of,
    terms_with_shares,
    without_placeholders,
)

NURSES = [
    "The nurses were kind and patient",
    "A nurse explained everything to me",
    "Nursing staff were kind",
    "The nurses on the ward were lovely",
    "Every nurse had time for us",
    "The nurses checked on me at night",
]
FOOD = [
    "The food was cold by the time it came",
    "Cold food at lunch and dinner",
    "Food choices were poor and cold",
    "The food was cold and soggy",
    "More hot food please, it was cold",
    "The toast was cold, the food bland",
]
PARKING = [
    "No parking spaces near the entrance",
    "Parking was impossible, no spaces",
    "The car park was full and parking costs too much",
    "Parking charges are too high",
    "I could not find parking",
    "parking is a nightmare",
]
NO_COMPLAINTS = [
    "No complaints, the care was excellent",
    "No complaints at all about the ward, everyone was kind",
    "No complaints, treated well by everyone",
    "No complaints from me, the doctors were great",
    "No complaints, thank you all for the excellent care",
]


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["nurse", "nurses", "nursing"], True),
        (["house", "houses"], True),
        (["response", "responses"], True),
        (["case", "cases"], True),
        (["bus", "buses"], True),
        (["wait", "waiting", "waited"], True),
        (["nurse", "purse"], False),
        (["care", "car"], False),
    ],
)
def test_word_forms_are_joined_by_the_snowball_stemmer(words, same):
    assert (len({stem(w) for w in words}) == 1) is same


def test_a_group_lists_a_word_once_as_written_never_as_a_stem():
    nurses, _, _ = distinctive_terms([NURSES, FOOD, PARKING])
    nursey = [t for t in nurses if stem(t.split()[0]) == "nurs" and " " not in t]
    assert len(nursey) == 1 and nursey[0] in {"nurses", "nurse", "nursing"}
    assert "nurs" not in nurses


@pytest.mark.parametrize(
    "text",
    [
        "XXXX was rude to me at reception",
        "[name] was rude to me at reception",
        "<redacted> was rude to me at reception",
        "*** was rude to me at reception",
        "Dr {name} was rude to me at reception",
        "REDACTED was rude to me at reception",
    ],
)
def test_placeholders_and_redaction_marks_are_never_terms(text):
    terms = terms_of(text)
    assert "rude" in terms and "reception" in terms
    assert not any(mark in term for term in terms for mark in ("xxxx", "name", "redacted", "*"))
    assert "rude to me" not in without_placeholders(text).split("rude")[0]


def test_a_theme_of_placeholders_is_not_named_by_them():
    group = [f"XXXX told me about the {w} at reception" for w in ("delay", "wait", "queue")]
    group += [f"[name] at reception was helpful about the {w}" for w in ("form", "letter")]
    terms = distinctive_terms([group, FOOD])[0]
    assert terms and all("xx" not in t and "name" not in t for t in terms)


def test_a_forms_repeated_lines_are_boilerplate_and_never_named():
    answers = [f"Rang pt before visit: Yes\n{text}" for text in NURSES + FOOD]
    assert boilerplate_lines(answers) == {"rang pt before visit yes"}
    nurses, food = distinctive_terms([answers[: len(NURSES)], answers[len(NURSES) :]])
    for terms in (nurses, food):
        assert not any(w in t for t in terms for w in ("rang", "visit", "pt"))
    # A line in a few answers only is what they say, not boilerplate.
    assert boilerplate_lines(["Too slow\nfood", "Too slow\nnurses", "fine"]) == frozenset()


def test_negation_is_kept_in_phrases():
    assert "no complaints" in terms_of("No complaints, the care was excellent")
    assert "not enough staff" in terms_of("There were not enough staff")
    assert "no" not in terms_of("no complaints") and "not" not in terms_of("not enough")
    terms = distinctive_terms([NO_COMPLAINTS, FOOD])[0]
    assert terms[0] == "no complaints"


def test_the_name_is_a_phrase_most_answers_share():
    groups = terms_with_shares([NO_COMPLAINTS, FOOD, PARKING, NURSES])
    names = [name_theme(terms, "", "x") for terms in groups]
    assert names[0] == "No complaints"
    assert names[1].startswith("Food") or names[1].startswith("Cold")
    assert "arking" in names[2]
    assert names[3].casefold().startswith("nurs")
    for name in names:
        assert name.count(",") <= 1  # at most two terms, each shared widely


def test_without_a_shared_term_the_name_is_the_central_answer_shortened():
    scattered = [("soggy", 0.1), ("toast", 0.1), ("alzheimers", 0.1)]
    central = "My mother was not helped to eat her meals, and nobody noticed for days"
    assert name_theme(scattered, central, "Theme 4") == "My mother was not helped to eat her…"
    assert name_theme([], "", "Theme 4") == "Theme 4"
    assert name_theme([("soggy", NAME_SHARE)], central, "x") == "Soggy"


def test_shortening_keeps_the_first_clause_without_placeholders():
    assert shorten("Parking. Then more about other things") == "Parking"
    assert shorten("XXXX was great - really kind") == "Was great"
    assert shorten("???") == ""
    assert shorten("one two three four five six seven eight nine ten") == (
        "One two three four five six seven eight…"
    )


def test_found_themes_have_readable_names():
    items = list(enumerate(NURSES * 3 + FOOD * 3 + PARKING * 3))
    items = [(i, f"{text} ({i})") for i, text in items]
    result = find_themes(items, k=3)
    names = sorted(t.label.casefold() for t in result.themes if t.key >= 0)
    assert any("food" in n or "cold" in n for n in names)
    assert any("parking" in n for n in names)
    assert any(n.startswith("nurs") for n in names)
    assert all(n.count(",") <= 1 for n in names)
