"""Answers that say nothing: "Nothing", "N/A", "No comment", "Can't think of anything".

They are found before grouping and kept together as one named group, "No comment or nothing
to add", instead of being spread over themes or lost in "Other / unclear" (in people's coding
of feedback they are often the largest single code).

The rule, with the words in `data/non_answers_<language>.txt` (one entry a line, easy to
extend): the answer is normalised (case folded, apostrophes dropped, other punctuation as
spaces); its known non-answer phrases are taken out, longest first; then its filler words
("it", "the", "really"...), and, only when a phrase was found, its courtesies ("thanks").
The answer says nothing when nothing is left. So an answer of punctuation or stop words says
nothing, "Nothing, thank you" says nothing, but "Nothing, it was great" ("great" is left),
"No complaints about the nurses" ("nurses") and "Thank you" (thanks, not nothing) say
something, and are grouped with the other answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .duplicates import normalise

LABEL = "No comment or nothing to add"
DATA = Path(__file__).with_name("data")
# An answer longer than this (in words) is never taken as saying nothing: a long answer that
# only chains phrases of the list is rare, and reading it costs nothing to the analyst.
MOST_WORDS = 15


@dataclass(frozen=True)
class Vocabulary:
    """The phrases, filler words and courtesies of one or more languages."""

    phrases: frozenset[tuple[str, ...]]
    filler: frozenset[str]
    courtesy: frozenset[str]
    longest: int
    known: frozenset[str]  # every word of the three lists: an answer with another says something

    @classmethod
    def of(cls, entries: Mapping[str, Iterable[str]]) -> Vocabulary:
        phrases = frozenset(tuple(p.split()) for p in entries.get("phrases", ()) if p.split())
        filler = frozenset(entries.get("filler", ()))
        courtesy = frozenset(entries.get("courtesy", ()))
        return cls(
            phrases=phrases,
            filler=filler,
            courtesy=courtesy,
            longest=max((len(p) for p in phrases), default=0),
            known=frozenset(word for p in phrases for word in p) | filler | courtesy,
        )


def read_vocabulary(path: Path) -> dict[str, list[str]]:
    """The sections of one data file: section name -> its entries, normalised."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.append(normalise(line))
    return sections


@lru_cache(maxsize=4)
def vocabulary(languages: tuple[str, ...] = ("en",)) -> Vocabulary:
    """The vocabulary of the given languages' data files, together."""
    merged: dict[str, list[str]] = {}
    for language in languages:
        path = DATA / f"non_answers_{language}.txt"
        if not path.is_file():
            raise ValueError(f"No list of non-answers for the language {language!r}")
        for section, entries in read_vocabulary(path).items():
            merged.setdefault(section, []).extend(entries)
    return Vocabulary.of(merged)


def says_nothing(text: str, words: Vocabulary | None = None, normalised: str | None = None) -> bool:
    """Whether the answer says nothing (see the module's docstring for the rule).
    `normalised`: the text already `normalise`d, when the caller has it."""
    words = words or vocabulary()
    if len(text) > MOST_WORDS * 20:  # far too long, whatever its words
        return False
    tokens = (normalise(text) if normalised is None else normalised).split()
    if len(tokens) > MOST_WORDS or not words.known.issuperset(tokens):
        return False
    left: list[str] = []
    found = False
    i = 0
    while i < len(tokens):
        for n in range(min(words.longest, len(tokens) - i), 0, -1):
            if tuple(tokens[i : i + n]) in words.phrases:
                found = True
                i += n
                break
        else:
            left.append(tokens[i])
            i += 1
    left = [token for token in left if token not in words.filler]
    if found:
        left = [token for token in left if token not in words.courtesy]
    return not left


def find_non_answers(
    texts: Sequence[str],
    words: Vocabulary | None = None,
    *,
    normalised: Sequence[str] | None = None,
) -> list[bool]:
    """For each text, whether it says nothing. Each distinct text is read once.
    `normalised`: each text already `normalise`d, when the caller has it."""
    words = words or vocabulary()
    seen: dict[str, bool] = {}
    result = []
    for i, text in enumerate(texts):
        if text not in seen:
            seen[text] = says_nothing(text, words, None if normalised is None else normalised[i])
        result.append(seen[text])
    return result
