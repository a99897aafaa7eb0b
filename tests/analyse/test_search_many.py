"""Searches that find too many responses to put in order (more than `search.MANY`), and
previous and next along a best-match list: the list orders only the MANY added last and says
so, filters still narrow it, and tagging "all matching" still tags every match. MANY is made
small here, as a million responses would be too slow to make in a test."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from soundingboard.accounts.models import Role
from soundingboard.analyse import search
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.models import ResponseTag, Tag
from soundingboard.analyse.presentation.response_list import RELEVANCE, ListQuery, neighbours
from soundingboard.collect.models import Response
from soundingboard.publish.registry import get_consultation
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.conftest import write_consultation

from .conftest import SLUG
from .test_search import respond

pytestmark = pytest.mark.django_db

MANY = 4


@pytest.fixture
def served(tmp_path, use_consultations):
    use_consultations(
        write_consultation(
            tmp_path / "c",
            f"title: Search\nslug: {SLUG}\n",
            {"index.md": "# Home\n", "models.md": "# Models\n"},
        )
    )


@pytest.fixture
def few(monkeypatch):
    monkeypatch.setattr(search, "MANY", MANY)


def listed(text: str) -> list[str]:
    return re.findall(r'href="/-/analyse/[^"]+/responses/(SB-[^/"?]+)/(?:\?[^"]*)?"', text)


def query(text: str, sort: str = RELEVANCE) -> ListQuery:
    return ListQuery(ResponseFilter.for_consultation(get_consultation(SLUG)), text, sort=sort)


def ours():
    return Response.objects.filter(consultation=SLUG)


def test_too_many_matches_are_listed_the_most_recent_best_first_and_said_so(client, served, few):
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    oldest = respond("Library library library", details="library")  # the best, but oldest
    weak = [respond(details="Padding words " * 10 + f"a library {i}") for i in range(3)]
    strong = respond("Library", details="The library, the library")
    medium = respond("A library", details="library")
    respond("Nothing about it")
    url = reverse("analyse:responses", args=[SLUG])
    text = client.get(url, {"q": "library"}).content.decode()
    assert "More than <strong>4</strong> responses" in text
    assert "only the 4 added most recently are listed, best match first" in text
    shown = listed(text)
    # The 4 added last, best first among them; the oldest match is not listed.
    assert shown[:2] == [strong.reference, medium.reference]
    assert set(shown) == {strong.reference, medium.reference, weak[1].reference, weak[2].reference}
    assert oldest.reference not in shown
    newest = client.get(url, {"q": "library", "sort": "newest"}).content.decode()
    assert listed(newest) == [
        medium.reference,
        strong.reference,
        weak[2].reference,
        weak[1].reference,
    ]
    assert "newest first" in newest
    # Few enough: every match, counted and ranked, as before.
    few_text = client.get(url, {"q": "library -padding"}).content.decode()
    assert "More than" not in few_text and 'id="too-many"' not in few_text
    ranked = search.ranked(ours(), "library -padding").values_list("reference", flat=True)
    assert listed(few_text) == list(ranked)
    assert set(ranked) == {oldest.reference, strong.reference, medium.reference}


def test_filters_narrow_a_list_of_too_many(client, served, few):
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    kept = [respond(f"library {i}") for i in range(6)]
    spam = respond("library spam", status="spam")
    url = reverse("analyse:responses", args=[SLUG])
    shown = listed(client.get(url, {"q": "library"}).content.decode())
    assert spam.reference not in shown and len(shown) == MANY
    assert set(shown) == {r.reference for r in kept[-MANY:]}
    only_spam = client.get(url, {"q": "library", "status": "spam"}).content.decode()
    assert listed(only_spam) == [spam.reference] and "More than" not in only_spam


def test_tagging_all_matching_tags_every_match_not_only_those_listed(client, served, few):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    sign_in_verified(client, user, device)
    matches = [respond(f"library {i}") for i in range(MANY * 2 + 1)]
    respond("museum")
    tag = Tag.objects.create(consultation=SLUG, name="Libraries")
    list_query = urlencode({"q": "library"})
    bulk = reverse("analyse:responses-bulk", args=[SLUG])
    listing = client.get(f"{reverse('analyse:responses', args=[SLUG])}?{list_query}")
    assert f"All matching these filters (more than {MANY})" in listing.content.decode()
    confirm = client.post(bulk, {"action": "add-all", "tag": tag.pk, "query": list_query})
    assert f'<span id="bulk-count">{len(matches)}</span>' in confirm.content.decode()
    data = {"action": "add-all-confirmed", "tag": tag.pk, "query": list_query}
    client.post(bulk, {**data, "expected": len(matches)})
    tagged = set(ResponseTag.objects.filter(tag=tag).values_list("response_id", flat=True))
    assert tagged == {r.pk for r in matches}


@pytest.mark.parametrize("capped", [False, True])
def test_previous_and_next_follow_a_best_match_list_by_place(served, monkeypatch, capped):
    monkeypatch.setattr(search, "MANY", 3 if capped else 1000)
    weak = respond(details="Padding words here " * 20 + "one library")
    strong = respond("Library library library", details="library")
    middle = respond("A library", details="Something else entirely, at some length")
    order = [strong, middle, weak]  # best first, not the order they came in
    q = query("library")
    if capped:
        extra = respond(details="Other padding words " * 20 + "a library")
        order = [strong, middle, extra]  # the 3 added last, best first: weak is left out
        assert q.searched(ours()) == ([r.pk for r in order], True)
    else:
        assert q.searched(ours()) == ([r.pk for r in order], False)
        assert list(q.apply(ours()).values_list("pk", flat=True)) == [r.pk for r in order]
    listed_refs = [r.reference for r in order]
    for place, response in enumerate(order):
        before, after = neighbours(q, ours(), response)
        assert before == (listed_refs[place - 1] if place else None)
        assert after == (listed_refs[place + 1] if place + 1 < len(order) else None)
    # By date, the neighbours would differ: the list's order is followed, not the dates.
    by_date = neighbours(query("library", "newest"), ours(), order[0])
    assert by_date[1] != neighbours(q, ours(), order[0])[1]
