"""Cleaning typed text: the quick path for printable text drops exactly what the expression
drops (nothing), so every text is cleaned the same either way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soundingboard.core import text
from soundingboard.core.text import clean_text

# Text of every category, surrogates and control characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@given(ANY_TEXT)
def test_cleaning_is_the_expressions_whatever_the_text(value):
    assert clean_text(value) == text._CONTROL.sub("", value)


def test_control_characters_are_dropped_and_line_breaks_kept():
    assert clean_text("a\x00b\r\nc\td\x7f\x85e\ud800") == "ab\nc\tde"
    assert clean_text("Plain, printable — café") == "Plain, printable — café"
