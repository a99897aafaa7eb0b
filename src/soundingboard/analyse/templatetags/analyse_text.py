"""Respondents' text on analysts' pages, with the characters that change its reading
direction shown instead of obeyed.

Unicode's bidirectional controls (right-to-left override, isolates, embeddings and marks) are
invisible, and reorder the text around them: "pay £100 to ⟨RLO⟩rehto" reads on screen as
something else. Anyone may send them, so an analyst could be shown one thing while the
response says another. `{{ text|mark_bidi }}` escapes the text and replaces each such
character with a visible marker, such as ⟨RLO⟩, that a screen reader reads out in words; the
text then reads in the order it was typed. What is stored, and exported, is left exactly as
it was sent. `{% if text|has_bidi %}` says whether a text has any, for a notice.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()

# Each control: the short name shown, and what it is, in words.
BIDI_CONTROLS = {
    "\u202a": ("LRE", "left-to-right embedding"),
    "\u202b": ("RLE", "right-to-left embedding"),
    "\u202c": ("PDF", "pop directional formatting"),
    "\u202d": ("LRO", "left-to-right override"),
    "\u202e": ("RLO", "right-to-left override"),
    "\u2066": ("LRI", "left-to-right isolate"),
    "\u2067": ("RLI", "right-to-left isolate"),
    "\u2068": ("FSI", "first strong isolate"),
    "\u2069": ("PDI", "pop directional isolate"),
    "\u200e": ("LRM", "left-to-right mark"),
    "\u200f": ("RLM", "right-to-left mark"),
    "\u061c": ("ALM", "Arabic letter mark"),
}
_BIDI = re.compile(f"[{''.join(BIDI_CONTROLS)}]")


def _marker(found: re.Match[str]) -> str:
    short, words = BIDI_CONTROLS[found.group()]
    return format_html(
        '<span class="sb-bidi-mark" title="A hidden character that changes the reading '
        'direction: {words}"><span aria-hidden="true">⟨{short}⟩</span>'
        '<span class="govuk-visually-hidden"> (hidden {words} character) </span></span>',
        short=short,
        words=words,
    )


@register.filter
def mark_bidi(value: object) -> SafeString:
    """The text, escaped (always: the markers make it HTML), with each bidirectional control
    shown as a marker."""
    # Django escapes any value as its str(); text that is safe already is kept as it is.
    text = conditional_escape(value if isinstance(value, SafeData) else str(value))
    if not _BIDI.search(text):
        return text
    return mark_safe(_BIDI.sub(_marker, str(text)))  # escaped above; markers are our own


@register.filter
def has_bidi(value: object) -> bool:
    """Whether the text has any bidirectional control characters."""
    return bool(value) and _BIDI.search(str(value)) is not None
