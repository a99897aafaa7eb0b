"""Search over the pages of one consultation, on the server, so it works without JavaScript.

A consultation has tens of pages, not thousands, so a scan per query is fast enough and needs
no index to keep in step with the files. Each page's words are read and stemmed once per
process and kept beside the page (`_index`), so a query stems only its own words.

A word of the query matches a word of a page when both have the same stem (Snowball's English
stemmer: "libraries", "librarys" and "library" all become "librari"), or when the page's word
begins with it, so a word still being typed ("librar") finds its pages too. A page is found
when every word of the query matches somewhere in it. Its result links to the section (the h2
or h3) where the most of the query's words are found, and the snippet is cut from that
section with every matching word marked.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

from .consultation import Consultation, Heading, Page

MAX_QUERY_LENGTH = 200
SNIPPET_RADIUS = 90
_WORD = re.compile(r"\w[\w’'-]*")
_stemmers = threading.local()  # a Snowball stemmer keeps state while it works: one a thread


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The English stem of a lower-case word."""
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word.replace("’", "'")))


@dataclass(frozen=True)
class Term:
    """A word of the query."""

    word: str  # lower-cased
    stem: str


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    lowered: str
    stem: str


@dataclass(frozen=True)
class _Stretch:
    """A stretch of a page's plain text (its title, a section) with its words, found by stem
    and, in alphabetical order, by how they begin."""

    text: str
    heading: Heading | None  # the section's heading; None for the title or the top
    by_stem: dict[str, list[_Word]]
    by_word: dict[str, list[_Word]]
    in_order: list[str]  # the different words, sorted

    @classmethod
    def of(cls, text: str, heading: Heading | None = None) -> _Stretch:
        by_stem: dict[str, list[_Word]] = {}
        by_word: dict[str, list[_Word]] = {}
        for m in _WORD.finditer(text):
            lowered = m.group().lower()
            word = _Word(m.start(), m.end(), lowered, stem(lowered))
            by_stem.setdefault(word.stem, []).append(word)
            by_word.setdefault(lowered, []).append(word)
        return cls(text, heading, by_stem, by_word, sorted(by_word))

    def matching(self, terms: Iterable[Term]) -> list[tuple[_Word, Term]]:
        """Each word that a term matches, with the term, in the order of the text."""
        found: list[tuple[_Word, Term]] = []
        for term in terms:
            words = set(self.by_stem.get(term.stem, ()))
            at = bisect.bisect_left(self.in_order, term.word)
            while at < len(self.in_order) and self.in_order[at].startswith(term.word):
                words.update(self.by_word[self.in_order[at]])
                at += 1
            found += [(word, term) for word in words]
        return sorted(found, key=lambda pair: pair[0].start)


@dataclass(frozen=True)
class _PageIndex:
    title: _Stretch
    top: _Stretch  # the text before the first h2 or h3 (all of it without any)
    sections: tuple[_Stretch, ...]  # each h2 or h3 with the text under it


_indexes: weakref.WeakKeyDictionary[Page, _PageIndex] = weakref.WeakKeyDictionary()


def _index(page: Page) -> _PageIndex:
    found = _indexes.get(page)
    if found is None:
        found = _indexes[page] = _PageIndex(
            _Stretch.of(page.title),
            _Stretch.of(_top_text(page)),
            tuple(_Stretch.of(f"{h.text} {h.body}".strip(), h) for h in page.headings),
        )
    return found


def _top_text(page: Page) -> str:
    if not page.headings:
        return page.text
    first = page.headings[0]
    start = page.text.find(f"{first.text} {first.body}".strip())
    return page.text[:start] if start >= 0 else ""


@dataclass(frozen=True)
class SearchHit:
    page: Page
    score: int
    section: Heading | None  # the section the result links to; None for the page's top
    snippet: list[tuple[str, bool]]  # pieces of text, each marked (True) or not

    @property
    def url(self) -> str:
        return f"{self.page.url}#{self.section.id}" if self.section else self.page.url


def query_terms(query: str) -> list[Term]:
    """The words of a query, lower-cased and stemmed, without repeats, in order."""
    words = _WORD.findall(query[:MAX_QUERY_LENGTH].lower())
    return [Term(word, stem(word)) for word in dict.fromkeys(words)]


def search(consultation: Consultation, query: str) -> list[SearchHit]:
    """Pages that match every word of the query, best first (title matches count most)."""
    terms = query_terms(query)
    if not terms:
        return []
    hits = []
    for order, page in enumerate(consultation.pages):
        index = _index(page)
        in_title = index.title.matching(terms)
        stretches = [index.top, *index.sections]
        in_text = [stretch.matching(terms) for stretch in stretches]
        found = {term for _, term in in_title} | {term for m in in_text for _, term in m}
        if len(found) < len(terms):
            continue
        score = 10 * len(in_title) + sum(len(m) for m in in_text)
        hits.append((score, -order, _hit(page, score, terms, stretches, in_text)))
    hits.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [hit for _, _, hit in hits]


def _hit(
    page: Page,
    score: int,
    terms: list[Term],
    stretches: list[_Stretch],
    matches: list[list[tuple[_Word, Term]]],
) -> SearchHit:
    # The stretch with the most different words of the query, then the most matches; the
    # earliest of equals.
    best = max(
        range(len(stretches)),
        key=lambda i: (len({term for _, term in matches[i]}), len(matches[i]), -i),
    )
    stretch, matched = stretches[best], matches[best]
    if not matched:  # every word was in the title
        return SearchHit(page, score, None, [(_shorten(stretch.text), False)])
    return SearchHit(page, score, stretch.heading, _snippet(stretch, [w for w, _ in matched]))


def _snippet(stretch: _Stretch, matched: list[_Word]) -> list[tuple[str, bool]]:
    """The text around the first match, with every match inside it marked."""
    text = stretch.text
    first = matched[0]
    start = max(0, first.start - SNIPPET_RADIUS)
    end = min(len(text), first.end + 2 * SNIPPET_RADIUS)
    if start > 0:  # begin and end on whole words
        start = text.find(" ", start, first.start) + 1 or start
    if end < len(text) and (space := text.rfind(" ", first.end, end)) > 0:
        end = space
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    position = start
    for word in sorted({w.start: w for w in matched}.values(), key=lambda w: w.start):
        if word.start < position or word.end > end:
            continue
        pieces += [(text[position : word.start], False), (text[word.start : word.end], True)]
        position = word.end
    pieces.append((text[position:end] + ("…" if end < len(text) else ""), False))
    return [(piece, marked) for piece, marked in pieces if piece]


def _shorten(text: str) -> str:
    limit = 2 * SNIPPET_RADIUS
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
