"""Search as a respondent uses it: stems, every word marked, results that open at their
section, and a query that cannot inject markup."""

from __future__ import annotations

import re

import pytest
from tests.conftest import write_consultation

from soundingboard.publish.search import query_terms, search, stem

pytestmark = pytest.mark.django_db

PAGES = {
    "index.md": "# Branches\n\nAn overview of the service.\n\n"
    "## Opening times\n\nEach library opens on weekday evenings.\n\n"
    "## Buildings\n\nTwo libraries need new roofs. A library van visits villages.\n",
    "other.md": "# Other page\n\nNothing about books here, only onerror and img as words.\n",
}


@pytest.fixture
def site(tmp_path, use_consultations):
    folder = write_consultation(tmp_path / "search", "title: Search test\n", PAGES)
    return use_consultations(folder).single


def results(client, query: str) -> str:
    reply = client.get("/-/search/", {"q": query})
    assert reply.status_code == 200
    return reply.content.decode()


def test_words_are_matched_by_their_stems():
    assert stem("librarys") == stem("libraries") == stem("library")
    assert [t.word for t in query_terms("Libraries LIBRARIES opening")] == ["libraries", "opening"]


def test_a_misspelt_plural_finds_the_page_and_marks_every_form_of_the_word(client, site):
    html = results(client, "librarys")
    assert "1 page found" in html
    marked = re.findall(r"<mark>([^<]*)</mark>", html)
    assert set(marked) == {"libraries", "library"}
    assert marked.count("library") == 1 and marked.count("libraries") == 1


def test_every_word_of_the_query_is_marked(client, site):
    html = results(client, "roofs villages")
    assert re.findall(r"<mark>([^<]*)</mark>", html) == ["roofs", "villages"]


def test_a_result_opens_at_the_section_that_matched(client, site):
    html = results(client, "roofs")
    assert 'href="/#buildings"' in html
    assert ">Branches: Buildings</a>" in html
    evenings = results(client, "evenings library")
    assert 'href="/#opening-times"' in evenings
    # Words in the title only: the page itself, from its top.
    assert 'href="/other/"' in results(client, "other page")


def test_a_page_must_match_every_word(client, site):
    assert "No pages found" in results(client, "roofs onerror")


def test_a_script_in_the_query_is_shown_as_text_and_marked_safely(client, site):
    attack = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    html = results(client, attack)
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # in the title and the search box
    # The words of the attack that are on a page are marked, as plain text.
    found = search(site, "img onerror")
    assert [hit.page.path for hit in found] == ["other/"]
    assert "<mark>onerror</mark>" in results(client, "img onerror")
