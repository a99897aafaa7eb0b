"""The free-text fields a theme search reads, and how one response's texts are joined.

Page feedback has a summary and details, and the text read from documents attached to it
(headed as from an attachment); the main questionnaire has open comments. Which
responses are read is the Django side's (`themes.selection`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Field name -> what it is, in words (for messages and the command's help).
FIELDS = {
    "summary": "the summary of page feedback",
    "details": "the details of page feedback",
    "comments": "the open comments of the main questionnaire",
    "attachment_text": "the text of documents attached to page feedback",
}
# With no field named, every field is read; each response's texts are joined with this.
JOINER = "\n\n"


class SelectionError(ValueError):
    """A field or page that cannot be read; the message says what can."""


def check_field(field: str | None) -> None:
    """Raise SelectionError unless `field` is one of FIELDS (or None: all of them)."""
    if field is not None and field not in FIELDS:
        raise SelectionError(
            f"“{field}” is not a field of a response: choose {_choices(list(FIELDS))}"
        )


def answer_text(response: Any, field: str | None) -> str:
    """The text a search read of one response (any object with the fields as attributes):
    one field, or all of them joined."""
    return joined(getattr(response, name) for name in ([field] if field else FIELDS))


def joined(texts: Iterable[str | None]) -> str:
    """The non-blank texts, stripped, joined with JOINER."""
    return JOINER.join(t.strip() for t in texts if t and t.strip())


def _choices(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}"
