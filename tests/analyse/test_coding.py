"""Coding responses at volume: the list (page sizes, numbered pages, bulk actions above it with
"all on this page" and "all matching", the filter kept everywhere, bounded queries), the
response page's previous and next within the list, and the record of consideration (new,
read, coded, with who and when) with its place in the overview and the exports. Expected
responses come from ORM queries written here, independently of the views."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soundingboard.accounts.models import Role
from soundingboard.analyse import review, tagging
from soundingboard.analyse.erasure import erase_contact
from soundingboard.analyse.models import ResponseTag, Review, ReviewChange, Tag
from soundingboard.collect.models import Contact, Response
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG

pytestmark = pytest.mark.django_db


def list_url(query: str = "") -> str:
    return reverse("analyse:responses", args=[SLUG]) + (f"?{query}" if query else "")


def one_url(reference: str, query: str = "") -> str:
    url = reverse("analyse:response", args=[SLUG, reference])
    return url + (f"?{query}" if query else "")


def progress_url(reference: str) -> str:
    return reverse("analyse:response-progress", args=[SLUG, reference])


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture
def ana(served):
    return make_account("ana", Role.ANALYST, two_factor=True)


@pytest.fixture
def analyst(client, ana):
    sign_in_verified(client, *ana)
    return client


@pytest.fixture
def reader(client, served):
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    return client


def html(reply) -> str:
    assert reply.status_code == 200, reply.status_code
    return reply.content.decode()


def listed(text: str) -> list[str]:
    """References in the list, in order."""
    base = re.escape(reverse("analyse:responses", args=[SLUG]))
    return re.findall(rf'<a class="govuk-link" href="{base}(SB-[^/"?]+)/(?:\?[^"]*)?">', text)


def hrefs(text: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


def newest_first(**lookups):
    return Response.objects.filter(consultation=SLUG, **lookups).order_by("-submitted_at", "-id")


def refs(queryset) -> list[str]:
    return list(queryset.values_list("reference", flat=True))


def state(reference: str) -> str:
    found = Review.objects.filter(response__reference=reference).first()
    return found.state if found else "new"


# The list ------------------------------------------------------------------------------------


def test_page_sizes_of_50_100_and_250(reader, records):
    expected = refs(newest_first(status="accepted"))
    assert 50 < len(expected) < 100
    assert listed(html(reader.get(list_url()))) == expected[:50]
    assert listed(html(reader.get(list_url("size=100")))) == expected
    assert listed(html(reader.get(list_url("size=250")))) == expected
    assert listed(html(reader.get(list_url("size=7")))) == expected[:50]  # not offered: 50
    page = html(reader.get(list_url("size=100")))
    assert '<option value="100" selected>100</option>' in page


def test_numbered_pages_keep_the_filter(reader, records):
    query = "progress=new&sort=oldest"
    wanted = refs(newest_first(status="accepted"))
    pages = -(-len(wanted) // 50)
    assert pages == 2
    page = html(reader.get(list_url(query + "&size=50")))
    nav = page[page.index('aria-label="Pages of responses"') :]
    assert re.findall(r'aria-label="Page (\d+)"', nav) == ["1", "2"]
    for href in hrefs(nav[: nav.index("</nav>")]):
        params = parse_qs(urlsplit(href).query)
        assert params["progress"] == ["new"] and params["sort"] == ["oldest"]
    second = html(reader.get(list_url(query + "&p=2")))
    assert listed(second) == list(reversed(wanted))[50:]


def test_the_pagination_shows_first_last_and_neighbours_with_gaps(reader, records, ana):
    # 12 pages of 5: from page 6, pages 1, 5, 6, 7 and 12 with a gap either side.
    from soundingboard.analyse.presentation import response_list

    for n in range(600 - Response.objects.filter(consultation=SLUG).count()):
        Response.objects.create(reference=f"SB-MANY-{n:04d}", consultation=SLUG, summary="x")
    count = Response.objects.filter(consultation=SLUG, status="accepted").count()
    page = html(reader.get(list_url("size=50&p=6")))
    nav = page[page.index('aria-label="Pages of responses"') :]
    last = -(-count // 50)
    assert re.findall(r'aria-label="Page (\d+)"', nav) == ["1", "5", "6", "7", str(last)]
    assert nav.count("govuk-pagination__item--ellipses") == 2
    assert 'aria-current="page">6<' in nav
    assert response_list.PAGE_SIZES == (50, 100, 250)


def test_a_page_of_the_list_takes_the_same_few_queries_at_any_size(analyst, ana, records):
    tag = tagging.create_tag(ana[0], SLUG, "Funding")
    everything = Response.objects.filter(consultation=SLUG)
    tagging.add_tag(ana[0], everything, tag)
    review.mark(ana[0], everything.values_list("pk", flat=True), review.READ, "test")
    html(analyst.get(list_url()))  # the session's first request does more
    counts = []
    for size in (50, 100, 250):
        with CaptureQueriesContext(connection) as queries:
            html(analyst.get(list_url(f"size={size}")))
        counts.append(len(queries))
        counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert len(counted) == 1, counted  # the number of responses, counted once
    assert counts[0] == counts[1] == counts[2], counts


def test_rows_show_the_questionnaires_comments_tags_as_chips_and_progress(analyst, ana, records):
    questionnaire = newest_first(status="accepted", kind="questionnaire").first()
    questionnaire.comments = "Please keep the mobile library open on Saturdays"
    questionnaire.save()
    tag = tagging.create_tag(ana[0], SLUG, "Opening hours and access to buildings")
    tagging.add_tag(ana[0], [questionnaire], tag)
    review.mark(ana[0], [questionnaire.pk], review.CODED, "test")
    page = html(analyst.get(list_url("kind=questionnaire&size=250")))
    row = page[page.index(f"select-{questionnaire.reference}") :]
    row = row[: row.index("</tr>")]
    assert "Please keep the mobile library open on Saturdays" in row
    assert (
        '<ul class="sb-chips"><li class="govuk-tag govuk-tag--grey sb-code-tag">'
        "Opening hours and access to buildings</li></ul>" in row
    )
    assert ">Coded</strong>" in row


def test_bulk_actions_come_before_the_list_with_every_scope(analyst, ana, records):
    tagging.create_tag(ana[0], SLUG, "Funding")
    page = html(analyst.get(list_url("nature=(not given)")))
    n = newest_first(status="accepted", nature="").count()
    assert page.index('id="bulk"') < page.index('class="govuk-table sb-responses-table"')
    assert 'value="ticked" checked' in page and 'value="page"' in page
    assert f"All {n} matching these filters" in page or n <= 50
    # The box that ticks all is hidden until JavaScript shows it (it could do nothing else).
    assert '<div class="sb-select-all" hidden>' in page and "data-select-all" in page


def test_bulk_tagging_all_on_the_page_keeps_the_filter_and_page_and_marks_coded(
    analyst, ana, records
):
    tag = tagging.create_tag(ana[0], SLUG, "Funding")
    query = "sort=oldest&size=50"
    expected = list(reversed(refs(newest_first(status="accepted"))))[50:100]
    page = html(analyst.get(list_url(query + "&p=2")))
    hidden = re.search(r'name="query" value="([^"]+)"', page)[1]
    on_page = re.findall(r'name="on_page" value="([^"]+)"', page)
    assert on_page == expected
    reply = analyst.post(
        reverse("analyse:responses-bulk", args=[SLUG]),
        {
            "query": unescape(hidden),
            "scope": "page",
            "tag": tag.pk,
            "action": "add",
            "on_page": on_page,
        },
    )
    assert reply.status_code == 302
    assert parse_qs(urlsplit(reply["Location"]).query) == {"sort": ["oldest"], "p": ["2"]}
    tagged = set(ResponseTag.objects.filter(tag=tag).values_list("response__reference", flat=True))
    assert tagged == set(expected)
    assert {state(r) for r in expected} == {"coded"}
    change = ReviewChange.objects.filter(response__reference=expected[0]).get()
    assert (change.before, change.after, change.username) == ("new", "coded", "ana")


def test_bulk_tagging_all_matching_works_without_javascript(analyst, ana, records):
    tag = tagging.create_tag(ana[0], SLUG, "Funding")
    query = "nature=(not given)"
    matching = newest_first(status="accepted", nature="")
    n = matching.count()
    bulk = reverse("analyse:responses-bulk", args=[SLUG])
    reply = analyst.post(
        bulk, {"query": query, "scope": "matching", "tag": tag.pk, "action": "add"}
    )
    page = html(reply)
    assert f'<span id="bulk-count">{n}</span>' in page and not ResponseTag.objects.exists()
    reply = analyst.post(
        bulk,
        {"query": query, "tag": tag.pk, "action": "add-all-confirmed", "expected": str(n)},
    )
    assert (
        reply.status_code == 302 and urlsplit(reply["Location"]).query == "nature=%28not+given%29"
    )
    assert set(ResponseTag.objects.values_list("response_id", flat=True)) == set(
        matching.values_list("pk", flat=True)
    )
    assert Review.objects.filter(state="coded").count() == n
    # Removing a tag from all matching at once is refused, with a message.
    reply = analyst.post(
        bulk, {"query": query, "scope": "matching", "tag": tag.pk, "action": "remove"}
    )
    assert reply.status_code == 302 and ResponseTag.objects.count() == n


def test_every_link_and_form_of_the_list_keeps_the_filter(analyst, ana, records):
    tagging.create_tag(ana[0], SLUG, "Funding")
    query = "nature=(not given)&sort=oldest&size=100&progress=new"
    page = html(analyst.get(list_url(query)))
    for reference in listed(page):
        link = re.search(rf'href="([^"]*/{reference}/[^"]*)"', page)[1]
        params = parse_qs(urlsplit(unescape(link)).query)
        assert params == {
            "nature": ["(not given)"],
            "sort": ["oldest"],
            "size": ["100"],
            "progress": ["new"],
        }
    search_form = page[page.index('role="search"') :]
    search_form = search_form[: search_form.index("</form>")]
    for name, value in (("nature", "(not given)"), ("sort", "oldest"), ("size", "100")):
        assert f'name="{name}" value="{value}"' in search_form


def test_the_progress_filter(analyst, ana, records):
    ours = newest_first(status="accepted")
    first, second = ours[0], ours[1]
    review.mark(ana[0], [first.pk], review.READ, "test")
    review.mark(ana[0], [second.pk], review.CODED, "test")
    assert listed(html(analyst.get(list_url("progress=read")))) == [first.reference]
    assert listed(html(analyst.get(list_url("progress=coded")))) == [second.reference]
    new = listed(html(analyst.get(list_url("progress=new&size=250"))))
    assert new == [r for r in refs(ours) if r not in (first.reference, second.reference)]


# One response after another ------------------------------------------------------------------


def test_previous_and_next_follow_the_filter_and_order(reader, records):
    for query, ordered in (
        ("nature=(not given)", refs(newest_first(status="accepted", nature=""))),
        (
            "nature=(not given)&sort=oldest",
            list(reversed(refs(newest_first(status="accepted", nature="")))),
        ),
    ):
        assert len(ordered) >= 3
        middle = html(reader.get(one_url(ordered[1], query)))
        prev_link = re.search(r'href="([^"]+)" rel="prev"', middle)[1]
        next_link = re.search(r'href="([^"]+)" rel="next"', middle)[1]
        assert unescape(prev_link) == one_url(
            ordered[0], query.replace("(", "%28").replace(")", "%29").replace(" ", "+")
        )
        assert unescape(next_link).startswith(one_url(ordered[2]) + "?")
        assert parse_qs(urlsplit(unescape(next_link)).query) == parse_qs(query)
        first = html(reader.get(one_url(ordered[0], query)))
        assert 'rel="prev"' not in first and 'rel="next"' in first
        last = html(reader.get(one_url(ordered[-1], query)))
        assert 'rel="next"' not in last


def test_next_still_works_once_a_response_leaves_the_filter(analyst, ana, records):
    ordered = refs(newest_first(status="accepted").filter(response_tags__isnull=True))
    tag = tagging.create_tag(ana[0], SLUG, "Funding")
    query = "tag=untagged"
    reply = analyst.post(
        reverse("analyse:response-tags", args=[SLUG, ordered[0]]),
        {"tag": tag.pk, "list": query},
    )
    assert reply["Location"] == one_url(ordered[0], query) + "#tags"
    page = html(analyst.get(one_url(ordered[0], query)))  # no longer untagged
    assert re.search(r'href="([^"]+)" rel="next"', page)[1] == one_url(ordered[1], query)


def test_viewing_does_not_mark_read_marking_does_and_then_next(analyst, ana, records):
    query = "nature=(not given)"
    ordered = refs(newest_first(status="accepted", nature=""))
    page = html(analyst.get(one_url(ordered[0], query)))
    assert state(ordered[0]) == "new" and not ReviewChange.objects.exists()
    assert "Mark as read, then next" in page and 'aria-keyshortcuts="r"' in page
    reply = analyst.post(progress_url(ordered[0]), {"state": "read", "then": "next", "list": query})
    assert reply.status_code == 302
    assert unescape(reply["Location"]) == one_url(ordered[1], "nature=%28not+given%29")
    assert state(ordered[0]) == "read"
    change = ReviewChange.objects.get()
    assert (change.before, change.after, change.via, change.username) == (
        "new",
        "read",
        "Marked as read",
        "ana",
    )
    assert change.user == ana[0]
    page = html(analyst.get(one_url(ordered[0])))
    assert "by ana" in page and ">Read</strong>" in page
    # Marking new again undoes it, recorded too.
    analyst.post(progress_url(ordered[0]), {"state": "new", "then": "stay", "list": ""})
    assert state(ordered[0]) == "new" and ReviewChange.objects.count() == 2


def test_marking_read_leaves_a_coded_response_coded(analyst, ana, records):
    response = newest_first(status="accepted").first()
    tag = tagging.create_tag(ana[0], SLUG, "Funding")
    analyst.post(reverse("analyse:response-tags", args=[SLUG, response.reference]), {"tag": tag.pk})
    assert state(response.reference) == "coded"
    analyst.post(progress_url(response.reference), {"state": "read"})
    assert state(response.reference) == "coded"
    assert list(review.history(response).values_list("after", flat=True)) == ["coded"]


def test_marking_read_on_the_last_goes_back_to_the_list(analyst, records):
    last = newest_first(status="accepted").last()
    reply = analyst.post(progress_url(last.reference), {"state": "read", "then": "next"})
    assert reply["Location"] == list_url()


def test_readers_cannot_mark_and_see_no_buttons(reader, records):
    response = newest_first(status="accepted").first()
    page = html(reader.get(one_url(response.reference)))
    assert "Mark as read" not in page and "Keyboard shortcuts" not in page
    reply = reader.post(progress_url(response.reference), {"state": "read"})
    assert reply.status_code == 403 and not Review.objects.exists()


def test_the_shortcuts_are_documented_and_wired(analyst, ana, records):
    tagging.create_tag(ana[0], SLUG, "Funding")
    ordered = refs(newest_first(status="accepted"))
    page = html(analyst.get(one_url(ordered[1])))
    assert 'id="shortcuts"' in page and 'aria-live="polite"' in page
    for key in ("n", "p", "r", "t"):
        assert f"<kbd>{key}</kbd>" in page and f'aria-keyshortcuts="{key}"' in page
    assert 'data-shortcut="t"' in page  # the tag chooser, which Enter sends
    assert 'data-shortcut-link="n"' in page and 'data-shortcut-link="p"' in page


# The record of consideration ----------------------------------------------------------------


def test_mark_counts_changes_once_and_writes_each_in_history(ana, records):
    ids = list(newest_first(status="accepted").values_list("pk", flat=True)[:3])
    assert review.mark(ana[0], ids, review.READ, "Marked as read") == 3
    assert review.mark(ana[0], ids, review.READ, "Marked as read") == 0
    assert review.mark(ana[0], ids[:1], review.CODED, "Tag") == 1
    assert review.mark(ana[0], ids, review.READ, "Marked as read") == 0
    states = review.states_of(ids)
    assert [states[i].state for i in ids] == ["coded", "read", "read"]
    assert ReviewChange.objects.count() == 4
    with pytest.raises(ValueError):
        review.mark(ana[0], ids, "skimmed", "")


def test_the_overview_shows_progress_by_page_and_questionnaire(analyst, ana, records, served):
    accepted = Response.objects.filter(consultation=SLUG, status="accepted")
    models = list(accepted.filter(kind="page", page_path="models/").values_list("pk", flat=True))
    questionnaires = list(accepted.filter(kind="questionnaire").values_list("pk", flat=True))
    review.mark(ana[0], models[:3], review.READ, "test")
    review.mark(ana[0], models[3:5] + questionnaires[:1], review.CODED, "test")
    page = html(analyst.get(reverse("analyse:overview", args=[SLUG])))
    total = accepted.count()
    assert re.search(
        rf'id="progress-summary"><strong>6</strong> of {total} accepted responses read or coded',
        page,
    )
    title = served.page("models/").title
    row = re.search(
        rf'<th scope="row" class="govuk-table__header">{re.escape(title)}</th>(.*?)</tr>', page
    )[1]
    cells = re.findall(r">(\d+%?)</td>", row)
    n = len(models)
    assert cells == [str(n), str(n - 5), "3", "2", f"{5 * 100 // n}%"]
    row = re.search(
        r'<th scope="row" class="govuk-table__header">Main questionnaire</th>(.*?)</tr>', page
    )[1]
    assert re.findall(r">(\d+%?)</td>", row)[2:4] == ["0", "1"]


def test_the_export_has_progress_who_and_when(analyst, ana, records):
    response = Response.objects.filter(consultation=SLUG, status="accepted").order_by("id").first()
    review.mark(ana[0], [response.pk], review.CODED, "test")
    download = reverse("analyse:export-download", args=[SLUG])
    reply = analyst.post(download, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(reply.streaming_content).decode("utf-8-sig"))))
    by_ref = {r["reference"]: r for r in rows}
    assert by_ref[response.reference]["progress"] == "coded"
    assert by_ref[response.reference]["progress_by"] == "ana"
    assert by_ref[response.reference]["progress_at"].endswith("Z")
    others = [r for ref, r in by_ref.items() if ref != response.reference]
    assert {(r["progress"], r["progress_by"], r["progress_at"]) for r in others} == {
        ("new", "", "")
    }
    reply = analyst.post(download, {"format": "json"})
    items = json.loads(b"".join(reply.streaming_content))
    item = next(i for i in items if i["reference"] == response.reference)
    assert (item["progress"], item["progress_by"]) == ("coded", "ana")


def test_erasing_a_response_erases_its_progress_and_history(ana, records):
    response = Response.objects.filter(consultation=SLUG, status="accepted").first()
    response.contact = Contact.objects.create(email="pat@example.org")
    response.save()
    review.mark(ana[0], [response.pk], review.READ, "Marked as read")
    review.mark(ana[0], [response.pk], review.CODED, "Tag")
    assert ReviewChange.objects.filter(response=response).count() == 2
    erase_contact("pat@example.org", responses=True, by=None)
    assert not Response.objects.filter(pk=response.pk).exists()
    assert not Review.objects.filter(response_id=response.pk).exists()
    assert not ReviewChange.objects.filter(response_id=response.pk).exists()


def test_progress_survives_a_fresh_read_from_the_database(ana, records):
    """Stored, not cached: read back through a new query on SQLite and PostgreSQL alike."""
    response = Response.objects.filter(consultation=SLUG).first()
    review.mark(ana[0], [response.pk], review.CODED, "Tag “Funding” added")
    stored = Review.objects.get(response_id=response.pk)
    assert (stored.state, stored.by_name, stored.by_id) == ("coded", "ana", ana[0].pk)
    change = ReviewChange.objects.get(response_id=response.pk)
    assert change.via == "Tag “Funding” added" and change.at == stored.at
    assert Response.objects.filter(review__state="coded").get() == response
    assert Tag.objects.count() == 0  # marking alone adds no tag
