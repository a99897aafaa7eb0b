"""Cleaning typed text: the quick path for printable text drops exactly what the expressions
drop (nothing), so every text is cleaned the same either way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soundingboard.core import text
from soundingboard.core.text import clean_text

# Text of every category, surrogates and control characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@given(ANY_TEXT)
def test_cleaning_is_the_expressions_whatever_the_text(value):
    assert clean_text(value) == text._CONTROL.sub("", text._LONE_CR.sub("\n", value))


def test_control_characters_are_dropped_and_line_breaks_kept():
    assert clean_text("a\x00b\r\nc\td\x7f\x85e\ud800") == "ab\nc\tde"
    assert clean_text("Plain, printable — café") == "Plain, printable — café"


def test_a_carriage_return_alone_is_a_line_break():
    """Old Mac files end lines, inside cells too, with a carriage return alone: dropped as a
    control character, it joined the two lines."""
    assert clean_text("line one\rline two\r\nline three\r") == "line one\nline two\nline three\n"
