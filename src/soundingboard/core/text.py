"""Cleaning text people type: what is never meant is dropped before anything is checked, and
what shows nothing is not counted."""

from __future__ import annotations

import functools
import re
import unicodedata

# Unicode's control characters (category Cc) but line feed and tab, and lone surrogates (Cs).
# A carriage return is dropped, so CR LF becomes a line feed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# A carriage return alone ends a line too (old Mac files, and their cells): a line feed.
_LONE_CR = re.compile("\r(?!\n)")


def clean_text(value: str) -> str:
    """Drop control characters other than line breaks and tabs; they are never meant. Line
    breaks become line feeds."""
    # Printable text holds no control character or surrogate (categories Cc and Cs are not
    # printable): most single-line answers are returned without running the expression.
    if value.isprintable():
        return value
    if "\r" in value:
        value = _LONE_CR.sub("\n", value)
    return _CONTROL.sub("", value)


# Characters that show nothing: spaces and line breaks, control and format characters (such
# as the zero-width space U+200B and the bidirectional controls), and letters and symbols
# drawn blank (the Hangul fillers and the blank Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(char: str) -> bool:
    """Whether one character shows something on the screen."""
    return not (
        char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or char in _BLANK_GLYPHS
    )


# In ASCII, what shows nothing is the control characters and spaces (is_visible's rule).
_ASCII_INVISIBLE = re.compile("[\x00-\x20\x7f]")


def visible_length(text: str) -> int:
    """The characters of a text that show something: what a minimum length counts, so that
    six zero-width spaces are not a summary. The text itself is kept as it was sent."""
    if text.isascii():  # most text: counted without looking up each character
        return len(text) - len(_ASCII_INVISIBLE.findall(text))
    return sum(1 for char in text if is_visible(char))


@functools.cache
def invisible_characters_class() -> str:
    """The characters `is_visible` refuses, as the inside of a regular expression's [...]
    (for the OpenAPI description). Planes 0, 1 and 14 hold every one of them."""
    ranges: list[list[int]] = []
    for point in (*range(0x20000), *range(0xE0000, 0xF0000)):
        if not is_visible(chr(point)):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])

    def escaped(point: int) -> str:
        return f"\\u{point:04x}" if point <= 0xFFFF else chr(point)

    return "".join(escaped(a) if a == b else f"{escaped(a)}-{escaped(b)}" for a, b in ranges)
