"""Search over the pages of one consultation, on the server, so it works without JavaScript.

A consultation has tens of pages, not thousands, so a scan of their plain text per query is
fast enough and needs no index to keep in step with the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .consultation import Consultation, Page

MAX_QUERY_LENGTH = 200
SNIPPET_RADIUS = 90


@dataclass(frozen=True)
class SearchHit:
    page: Page
    score: int
    snippet_before: str
    snippet_match: str
    snippet_after: str


def query_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, without repeats, in order."""
    words = re.findall(r"\w[\w’'-]*", query[:MAX_QUERY_LENGTH].lower())
    return list(dict.fromkeys(words))


def search(consultation: Consultation, query: str) -> list[SearchHit]:
    """Pages that contain every word of the query, best first (title matches count most)."""
    terms = query_terms(query)
    if not terms:
        return []
    hits = []
    for order, page in enumerate(consultation.pages):
        text, title = page.text.lower(), page.title.lower()
        if not all(term in text or term in title for term in terms):
            continue
        score = sum(10 * title.count(term) + text.count(term) for term in terms)
        hits.append((score, -order, _hit(page, terms, score)))
    hits.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [hit for _, _, hit in hits]


def _hit(page: Page, terms: list[str], score: int) -> SearchHit:
    lowered = page.text.lower()
    positions = [(lowered.find(term), term) for term in terms if term in lowered]
    if not positions:
        return SearchHit(page, score, "", "", page.text[: 2 * SNIPPET_RADIUS])
    start, term = min(positions)
    end = start + len(term)
    before = page.text[max(0, start - SNIPPET_RADIUS) : start]
    after = page.text[end : end + SNIPPET_RADIUS]
    if start > SNIPPET_RADIUS:
        before = "…" + before.split(" ", 1)[-1]
    if end + SNIPPET_RADIUS < len(page.text):
        after = after.rsplit(" ", 1)[0] + "…"
    return SearchHit(page, score, before, page.text[start:end], after)
