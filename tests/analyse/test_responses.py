"""The responses list and one response's page: filters, search, pagination, personal data
and the audit log, tags, notes, spam and hidden, bulk tagging, escaping, and who may change
anything. Expected rows come from ORM queries written here, independently of the views."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.analyse import tagging
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.models import ChangeRecord, Note, ResponseTag, Tag
from soundingboard.analyse.stats import overview as overview_stats
from soundingboard.collect.models import Contact, Response
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG

pytestmark = pytest.mark.django_db

LIST = f"/-/analyse/{SLUG}/responses/"
BULK = f"/-/analyse/{SLUG}/responses/bulk/"
EMAIL = "pat@example.org"


def one(reference: str) -> str:
    return f"{LIST}{reference}/"


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture
def reader(client, served):
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    return client


@pytest.fixture
def analyst_user(served):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    return user, device


@pytest.fixture
def analyst(client, analyst_user):
    sign_in_verified(client, *analyst_user)
    return client


@pytest.fixture
def texts(records):
    """Some responses given words to search for, and one with a contact."""
    ours = Response.objects.filter(consultation=SLUG).order_by("id")
    first, second, third = ours[0], ours[1], ours[2]
    first.summary, first.details = "Funding for rural BROADBAND", "More money please"
    second.details = "We need broadband and funding in towns"
    third.comments = "Broadband is fine"
    third.contact = Contact.objects.create(email=EMAIL, organisation="Parish council")
    for r in (first, second, third):
        r.save()
    other = Response.objects.filter(consultation="another-consultation").first()
    other.summary = "broadband funding elsewhere"
    other.save()
    return first, second, third


def page(reply) -> str:
    assert reply.status_code == 200, reply.status_code
    return reply.content.decode()


def listed(text: str) -> list[str]:
    """References in the list, in order."""
    return re.findall(
        r'<a class="govuk-link" href="/-/analyse/[^"]+/responses/(SB-[^/"?]+)/(?:\?[^"]*)?">', text
    )


def count_shown(text: str) -> int:
    return int(re.search(r'id="responses-count"><strong>(\d+)</strong>', text).group(1))


def refs(queryset) -> list[str]:
    return list(queryset.values_list("reference", flat=True))


def newest_first(**lookups):
    return Response.objects.filter(consultation=SLUG, **lookups).order_by("-submitted_at", "-id")


# The list ----------------------------------------------------------------------------------


def test_the_list_shows_accepted_responses_newest_first_50_a_page(reader, records):
    expected = refs(newest_first(status="accepted"))
    assert len(expected) > 50
    first = page(reader.get(LIST))
    assert count_shown(first) == len(expected)
    assert listed(first) == expected[:50]
    second = page(reader.get(LIST + "?p=2"))
    assert listed(second) == expected[50:]
    assert page(reader.get(LIST + "?p=99")) and listed(reader.get(LIST + "?p=99").content.decode())
    oldest = page(reader.get(LIST + "?sort=oldest"))
    assert listed(oldest) == list(reversed(expected))[:50]


def test_the_list_filters_like_the_overview_and_by_status(reader, records):
    text = page(reader.get(LIST + "?page=/models/&nature=(not given)"))
    expected = newest_first(status="accepted", kind="page", page_path="models/", nature="")
    assert listed(text) == refs(expected)
    spam = page(reader.get(LIST + "?status=spam"))
    assert listed(spam) == refs(newest_first(status="spam"))
    assert "Suspected spam" in spam
    everything = page(reader.get(LIST + "?status=all"))
    assert count_shown(everything) == newest_first().count()


def test_search_finds_every_word_in_summary_details_or_comments(reader, texts):
    first, second, third = texts
    text = page(reader.get(LIST + "?" + urlencode({"q": "broadband"})))
    assert sorted(listed(text)) == sorted([first.reference, second.reference, third.reference])
    text = page(reader.get(LIST + "?" + urlencode({"q": "funding  Broadband"})))
    assert sorted(listed(text)) == sorted([first.reference, second.reference])
    # Contact details are never searched.
    assert listed(page(reader.get(LIST + "?q=pat%40example"))) == []
    assert listed(page(reader.get(LIST + "?q=Parish"))) == []


def test_tag_filter_and_untagged(reader, analyst_user, texts):
    user, _ = analyst_user
    first, second, _third = texts
    tag = tagging.create_tag(user, SLUG, "Connectivity")
    tagging.add_tag(user, [first, second], tag)
    text = page(reader.get(LIST + f"?tag={tag.pk}"))
    assert sorted(listed(text)) == sorted([first.reference, second.reference])
    untagged = newest_first(status="accepted").exclude(response_tags__isnull=False)
    text = page(reader.get(LIST + "?tag=untagged"))
    assert count_shown(text) == untagged.count() == newest_first(status="accepted").count() - 2
    # An unknown tag is left out, with a message.
    text = page(reader.get(LIST + "?tag=99999"))
    assert "no longer in the codebook" in text
    assert count_shown(text) == newest_first(status="accepted").count()


def test_hostile_text_is_escaped_everywhere(reader, analyst_user, records):
    user, _ = analyst_user
    response = newest_first(status="accepted").first()
    response.summary = '<script>alert("x")</script>'
    response.details = "<img src=x onerror=alert(1)>"
    response.save()
    tag = tagging.create_tag(user, SLUG, "<b>bold</b> tag")
    tagging.add_tag(user, [response], tag)
    tagging.add_note(user, response, "<iframe src=evil>")
    for address in (LIST, one(response.reference), f"/-/analyse/{SLUG}/codebook/"):
        text = page(reader.get(address))
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "<b>bold</b>" not in text and "<iframe" not in text
    text = page(reader.get(one(response.reference)))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt; tag" in text


def test_readers_see_no_bulk_form_and_cannot_post(reader, analyst_user, records):
    user, _ = analyst_user
    response = newest_first(status="accepted").first()
    tag = tagging.create_tag(user, SLUG, "Funding")
    text = page(reader.get(LIST))
    assert 'name="response"' not in text and "Add tag to selected" not in text
    detail = page(reader.get(one(response.reference)))
    assert "Add note" not in detail and "Save status" not in detail
    posts = [
        (BULK, {"action": "add", "tag": tag.pk, "response": response.reference}),
        (one(response.reference) + "tags/", {"tag": tag.pk}),
        (one(response.reference) + "notes/", {"text": "hello"}),
        (one(response.reference) + "status/", {"status": "spam"}),
        (f"/-/analyse/{SLUG}/codebook/new/", {"name": "New"}),
        (f"/-/analyse/{SLUG}/codebook/{tag.pk}/rename/", {"name": "Renamed"}),
        (f"/-/analyse/{SLUG}/codebook/{tag.pk}/delete/", {}),
    ]
    for address, data in posts:
        assert reader.post(address, data).status_code == 403, address
    assert not ResponseTag.objects.exists() and not Note.objects.exists()
    assert Response.objects.get(pk=response.pk).status == "accepted"
    assert list(Tag.objects.values_list("name", flat=True)) == ["Funding"]


def test_posts_need_a_csrf_token(analyst_user, served, records):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, *analyst_user)
    response = newest_first(status="accepted").first()
    reply = client.post(one(response.reference) + "notes/", {"text": "hello"})
    assert reply.status_code == 403
    assert not Note.objects.exists()


# One response and personal data -------------------------------------------------------------


def test_a_reader_sees_no_contact_details_and_nothing_is_audited(reader, texts):
    third = texts[2]
    text = page(reader.get(one(third.reference)))
    assert EMAIL not in text and "Parish council" not in text
    assert "Only analysts and administrators can see contact details" in text
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_VIEW).exists()


def test_an_analyst_sees_contact_details_and_the_view_is_audited(analyst, texts):
    third = texts[2]
    text = page(analyst.get(one(third.reference)))
    assert EMAIL in text and "Parish council" in text
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_VIEW)
    assert events.count() == 1
    event = events.get()
    assert event.username == "ana" and event.consultation == SLUG
    assert event.detail == {"response": third.reference}
    assert EMAIL not in str(event.detail)
    # A response without contact details shows none and records nothing.
    page(analyst.get(one(texts[0].reference)))
    assert events.count() == 1


def test_the_response_page_shows_everything_about_it(reader, records):
    questionnaire = Response.objects.filter(
        consultation=SLUG, kind="questionnaire", ticks__matched=False
    ).first()
    text = page(reader.get(one(questionnaire.reference)))
    assert "(main questionnaire)" in text
    for score in questionnaire.scores.all():
        assert score.idea.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in text
    assert "Not matched to an activity:</span> “Something else”" in text
    unmatched = Response.objects.filter(consultation=SLUG, page_matched=False).first()
    text = page(reader.get(one(unmatched.reference)))
    assert unmatched.page_path in text and "not a page of this consultation" in text
    matched = Response.objects.filter(consultation=SLUG, page_path="models/", kind="page").first()
    text = page(reader.get(one(matched.reference)))
    assert 'href="/models/"' in text and "Models for delivery" in text
    # Another consultation's response is not found here.
    other = Response.objects.filter(consultation="another-consultation").first()
    assert reader.get(one(other.reference)).status_code == 404


def test_a_summary_keeps_its_line_breaks_on_the_response_page(reader, records):
    """Details and comments were shown with their line breaks, the summary on one line."""
    response = Response.objects.filter(consultation=SLUG, kind="page").first()
    Response.objects.filter(pk=response.pk).update(summary="Line one\nLine two\n\nAnother")
    text = page(reader.get(one(response.reference)))
    assert "Line one<br>Line two<br><br>Another" in text


def test_tags_notes_and_status_from_the_response_page(analyst, analyst_user, records):
    user, _ = analyst_user
    response = newest_first(status="accepted").first()
    address = one(response.reference)
    reply = analyst.post(address + "tags/", {"new_tag": "  Rural   access "})
    assert reply.status_code == 302
    tag = Tag.objects.get(consultation=SLUG)
    assert tag.name == "Rural access"
    assert list(response.response_tags.values_list("tag__name", "added_by")) == [
        ("Rural access", user.pk)
    ]
    # Adding it again (by name, in another case, or by id) changes and records nothing.
    analyst.post(address + "tags/", {"new_tag": "rural ACCESS"})
    analyst.post(address + "tags/", {"tag": tag.pk})
    assert ResponseTag.objects.count() == 1
    assert ChangeRecord.objects.filter(action="tag-added").count() == 1
    assert Tag.objects.count() == 1

    assert analyst.post(address + "notes/", {"text": "  Call them back  "}).status_code == 302
    note = Note.objects.get()
    assert (note.author, note.author_name, note.text, note.response) == (
        user,
        "ana",
        "Call them back",
        response,
    )
    assert analyst.post(address + "notes/", {"text": "   "}).status_code == 400

    assert (
        analyst.post(address + "status/", {"status": "hidden", "reason": "Dup"}).status_code == 302
    )
    response.refresh_from_db()
    assert (response.status, response.spam_reason) == ("hidden", "Dup")
    assert analyst.post(address + "status/", {"status": "nonsense"}).status_code == 400

    analyst.post(address + "tags/", {"action": "remove", "tag": tag.pk})
    assert not ResponseTag.objects.exists()

    text = page(analyst.get(address))
    assert "Call them back" in text and "ana" in text
    history = list(tagging.history(response))
    assert [r.action for r in history] == [
        "tag-removed",
        "status-changed",
        "note-added",
        "tag-added",
    ]
    removed, status, _note, added = history
    assert (added.before, added.after) == ({"tags": []}, {"tags": ["Rural access"]})
    assert (removed.before, removed.after) == ({"tags": ["Rural access"]}, {"tags": []})
    assert status.before == {"status": "accepted", "reason": ""}
    assert status.after == {"status": "hidden", "reason": "Dup"}
    assert all(r.user == user and r.username == "ana" for r in history)
    assert "Status: Accepted" in text and "Status: Hidden by an analyst (Dup)" in text


# Spam, hidden and the overview's counts ------------------------------------------------------


def test_marking_spam_or_hidden_changes_the_overview_counts(served, analyst_user, records):
    user, _ = analyst_user
    flt = ResponseFilter.for_consultation(served)
    before = overview_stats.overview(served, flt)
    accepted = newest_first(status="accepted")
    first, second, third = accepted[0], accepted[1], accepted[2]
    assert tagging.set_status(user, first, "hidden", "Duplicate")
    assert tagging.set_status(user, second, "spam")
    assert not tagging.set_status(user, second, "spam")  # already: nothing recorded
    tag = tagging.create_tag(user, SLUG, "Access")
    tagging.add_tag(user, [third], tag)
    after = overview_stats.overview(served, flt)
    assert after.n == before.n - 2
    assert after.statuses.accepted == before.statuses.accepted - 2
    assert after.statuses.hidden == 1 == Response.objects.filter(status="hidden").count()
    assert after.statuses.spam == before.statuses.spam + 1
    expected_untagged = (
        Response.objects.filter(consultation=SLUG, status="accepted")
        .exclude(response_tags__isnull=False)
        .count()
    )
    assert after.statuses.untagged == expected_untagged == after.n - 1
    assert ChangeRecord.objects.filter(action="status-changed").count() == 2
    # The default filter (accepted only) leaves hidden responses out; asking includes them.
    assert not flt.apply(Response.objects.filter(pk=first.pk)).exists()
    hidden = ResponseFilter.for_consultation(served, statuses=("hidden",))
    assert list(hidden.apply(Response.objects.all())) == [first]


def test_hidden_responses_are_listed_with_the_status_filter(reader, analyst_user, records):
    user, _ = analyst_user
    response = newest_first(status="accepted").first()
    tagging.set_status(user, response, "hidden")
    assert response.reference not in listed(page(reader.get(LIST)))
    text = page(reader.get(LIST + "?status=hidden"))
    assert listed(text) == [response.reference]
    assert "Hidden by an analyst" in text  # the applied filter's words


# Bulk tagging --------------------------------------------------------------------------------


def test_bulk_tagging_ticked_responses_and_all_on_the_page(analyst, records):
    tag = Tag.objects.create(consultation=SLUG, name="Cost")
    chosen = refs(newest_first(status="accepted")[:3])
    reply = analyst.post(BULK, {"action": "add", "tag": tag.pk, "response": chosen, "query": ""})
    assert reply.status_code == 302 and reply["Location"] == LIST
    assert sorted(refs(Response.objects.filter(response_tags__tag=tag))) == sorted(chosen)
    analyst.post(BULK, {"action": "remove", "tag": tag.pk, "response": chosen[:1]})
    assert ResponseTag.objects.filter(tag=tag).count() == 2
    # "Select all on this page" takes every response listed on the page.
    on_page = refs(newest_first(status="accepted")[:50])
    data = {"action": "add", "tag": tag.pk, "all_on_page": "1", "on_page": on_page}
    analyst.post(BULK, data)
    assert sorted(refs(Response.objects.filter(response_tags__tag=tag))) == sorted(on_page)
    assert ChangeRecord.objects.filter(action="tag-added").count() == 3 + 48  # 2 had it


def test_bulk_tagging_every_response_matching_a_filter(analyst, analyst_user, texts):
    tag = Tag.objects.create(consultation=SLUG, name="Broadband")
    query = urlencode([("q", "broadband"), ("status", "accepted"), ("status", "spam")])
    expected = (
        Response.objects.filter(consultation=SLUG, status__in=["accepted", "spam"]).filter(
            summary__icontains="broadband"
        )
        | Response.objects.filter(
            consultation=SLUG, status__in=["accepted", "spam"], details__icontains="broadband"
        )
        | Response.objects.filter(
            consultation=SLUG, status__in=["accepted", "spam"], comments__icontains="broadband"
        )
    )
    n = expected.count()
    assert n == 3
    # Already tagged: counted, left as it is.
    tagging.add_tag(analyst_user[0], [texts[0]], tag)
    confirm = analyst.post(BULK, {"action": "add-all", "tag": tag.pk, "query": query})
    text = page(confirm)
    assert f'<span id="bulk-count">{n}</span>' in text and "1 of them already has it" in text
    assert ResponseTag.objects.count() == 1  # nothing yet
    # A stale count is not applied.
    stale = {"action": "add-all-confirmed", "tag": tag.pk, "query": query, "expected": n + 1}
    assert "changed since you asked" in page(analyst.post(BULK, stale))
    assert ResponseTag.objects.count() == 1
    data = {"action": "add-all-confirmed", "tag": tag.pk, "query": query, "expected": n}
    reply = analyst.post(BULK, data)
    assert reply.status_code == 302 and reply["Location"] == f"{LIST}?{query}"
    assert set(Response.objects.filter(response_tags__tag=tag)) == set(expected)
    # The other consultation's response with the same words is untouched.
    assert not ResponseTag.objects.filter(response__consultation="another-consultation").exists()
    assert ChangeRecord.objects.filter(action="tag-added", tag=tag).count() == n


def test_bulk_tagging_a_filter_of_many(analyst, records):
    tag = Tag.objects.create(consultation=SLUG, name="Models")
    query = "page=%2Fmodels%2F&status=all"
    expected = Response.objects.filter(consultation=SLUG, kind="page", page_path="models/")
    n = expected.count()
    data = {"action": "add-all-confirmed", "tag": tag.pk, "query": query, "expected": n}
    analyst.post(BULK, data)
    assert ResponseTag.objects.filter(tag=tag).count() == n
    assert set(Response.objects.filter(response_tags__tag=tag)) == set(expected)


def test_tags_by_response_for_exports(analyst_user, records, django_assert_num_queries):
    user, _ = analyst_user
    a, b, c = newest_first()[:3]
    x = tagging.create_tag(user, SLUG, "Xylophone")
    y = tagging.create_tag(user, SLUG, "Apple")
    tagging.add_tag(user, [a, b], x)
    tagging.add_tag(user, [a], y)
    with django_assert_num_queries(1):
        found = tagging.tags_by_response([a.pk, b.pk, c.pk])
    assert found == {a.pk: ["Apple", "Xylophone"], b.pk: ["Xylophone"]}
