"""Cleaning text people type: what is never meant is dropped before anything is checked."""

from __future__ import annotations

import re

# Unicode's control characters (category Cc) but line feed and tab, and lone surrogates (Cs).
# A carriage return is dropped, so CR LF becomes a line feed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop control characters other than line breaks and tabs; they are never meant."""
    return _CONTROL.sub("", value)
