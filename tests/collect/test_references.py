"""References people can read out: their shape, and every letter equally likely anywhere."""

from __future__ import annotations

import re

from soundingboard.collect.storage import REFERENCE_ALPHABET, new_reference, new_references


def test_a_reference_has_two_groups_of_four_unambiguous_letters():
    for _ in range(200):
        assert re.fullmatch(
            rf"SB-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}", new_reference()
        )


def test_every_letter_turns_up_in_every_position():
    # 3,000 references: the chance a given letter never shows in a given place is (31/32)^3000,
    # about 1 in 10^41, so a gap means a letter or a place that cannot be drawn.
    letters = [ref[3:7] + ref[8:] for ref in (new_reference() for _ in range(3000))]
    for position in range(8):
        assert {ref[position] for ref in letters} == set(REFERENCE_ALPHABET)
    assert len(set(letters)) > 2990  # 40 random bits: repeats are rare


def test_references_drawn_together_are_as_random_as_one_at_a_time():
    references = new_references(3000)
    pattern = rf"SB-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}"
    assert all(re.fullmatch(pattern, ref) for ref in references)
    letters = [ref[3:7] + ref[8:] for ref in references]
    for position in range(8):
        assert {ref[position] for ref in letters} == set(REFERENCE_ALPHABET)
    assert len(set(letters)) > 2990
    assert new_references(0) == []
