"""Which page of a consultation an address from another site refers to.

The original site sent the full address of the page in the reader's browser, such as
`https://example.github.io/paper/models-for-delivery/#hub`, or a `?page=` value. Sites are
often served under a path of their own (`/paper/` here), so the address is matched from its
end: the longest tail of it that is a page's address wins.

The home page has no tail to match, so only the addresses where the site is known to live lead
to it: the root, the path of the consultation's `site_url`, and the consultation's own address
on this instance. Any other address that is no page, `/retired-page/` as much as
`/paper/retired/page/`, matches nothing and is kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from ..publish.consultation import Consultation, Heading, Page

_DROPPED_SUFFIXES = (".html", ".htm", ".md")


@dataclass(frozen=True)
class PageMatch:
    page: Page | None  # None when no page matches
    section: Heading | None
    address: str  # the address as sent, for the record when nothing matched


def match_page(consultation: Consultation, address: str) -> PageMatch:
    address = address.strip()
    parts = urlsplit(address)
    given = parse_qs(parts.query).get("page")
    named_elsewhere = False
    if given and given[0] != address:
        named_elsewhere = True
        inner = match_page(consultation, given[0])
        if inner.page is not None:
            return PageMatch(inner.page, inner.section, address)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments and segments[-1] in ("index.html", "index.htm", "index.md"):
        segments.pop()
    elif segments:
        for suffix in _DROPPED_SUFFIXES:
            segments[-1] = segments[-1].removesuffix(suffix)
    if segments in _home_paths(consultation):
        # Not when ?page= named a page that is not one: that page, not the home, was meant.
        page = None if named_elsewhere else consultation.page("")
    else:
        page = _longest_tail(consultation, segments)
    section = page.heading(unquote(parts.fragment)) if page and parts.fragment else None
    return PageMatch(page, section, address)


def _home_paths(consultation: Consultation) -> list[list[str]]:
    """The paths, as segments, where the site's home page is published."""
    addresses = ("/", consultation.url_prefix, urlsplit(consultation.settings.site_url).path)
    return [[unquote(s) for s in address.split("/") if s] for address in addresses]


def _longest_tail(consultation: Consultation, segments: list[str]) -> Page | None:
    for start in range(len(segments)):
        page = consultation.page("/".join(segments[start:]))
        if page is not None and page.path:
            return page
    return None
