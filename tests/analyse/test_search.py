"""Full-text search over responses (analyse.search, over collect.search_index), on SQLite's
FTS5 and PostgreSQL's full-text search: stems, any case, ranking, the index kept current by
every way a response is written, changed or erased, and searches that can never fail."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from soundingboard.accounts.models import Role
from soundingboard.analyse import erasure, search
from soundingboard.collect import search_index
from soundingboard.collect.models import Contact, Response
from soundingboard.collect.storage import ContactDetails, store_response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.collect.test_api import feedback as api_feedback
from tests.collect.test_api import post as post_to_api
from tests.conftest import write_consultation
from tests.robustness.hostile import SAMPLES

from .conftest import SLUG

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    "library\"'",
    "NEAR(library archive)",
    "NEAR/2 library",
    "library NEAR archive",
    "lib*",
    "*",
    "^library",
    "((library",
    "library))",
    "summary:library",
    "{summary details}: library",
    "library AND OR NOT",
    "NOT library",
    "- -",
    "-library",
    "or",
    "library or",
    "or library",
    "!library & | <->",
    "library:*",
    "'library' & !'archive'",
    "\\\\",
    "%_",
    "library " * 400,
    "x" * 5000,
    "é" * 300,
    *SAMPLES,
]


def respond(
    summary: str = "",
    details: str = "",
    comments: str = "",
    contact_id: int | None = None,
    **fields,
) -> Response:
    """A response stored as every form and the intake API store one."""
    values = {"consultation": SLUG, "page_path": "models/", "role": DEFAULT_ROLES[0], **fields}
    response, _ = store_response(
        {**values, "summary": summary, "details": details, "comments": comments},
        token=None,
        contact_id=contact_id,
    )
    return response


def found(text: str, ranked: bool = False) -> list[str]:
    queryset = Response.objects.filter(consultation=SLUG)
    if ranked:
        return list(search.ranked(queryset, text).values_list("reference", flat=True))
    return sorted(search.matching(queryset, text).values_list("reference", flat=True))


def indexed(word: str) -> int:
    """How many entries the index itself holds for a word: not through the response table,
    so that an entry left behind by a deleted or changed response is counted."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            table = search_index.FTS_TABLE
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH %s", [f'"{word}"'])
        else:
            cursor.execute(
                f"SELECT count(*) FROM {search_index.RESPONSE_TABLE} "
                f"WHERE {search_index.VECTOR_COLUMN} @@ plainto_tsquery('english', %s)",
                [word],
            )
        return int(cursor.fetchone()[0])


# Words --------------------------------------------------------------------------------------


def test_a_word_finds_its_other_forms():
    library = respond("The library should open later")
    libraries = respond(details="Libraries are closing")
    respond("A museum")
    assert found("libraries") == sorted([library.reference, libraries.reference])
    assert found("library") == sorted([library.reference, libraries.reference])
    funded = respond(comments="It was funded by the council")
    assert found("funding") == [funded.reference]


def test_any_case_and_any_alphabet():
    ecole = respond("Une école rurale")
    shouting = respond("ÜBER ALLES, STRASSE")
    assert found("ÉCOLE") == [ecole.reference]
    assert found("École") == [ecole.reference]
    assert found("über") == [shouting.reference]
    assert found("BROADBAND") == []


def test_every_word_must_appear_in_some_answer():
    both = respond("Funding for rural broadband", "More money please")
    split = respond("Broadband", comments="and funding in towns")
    one = respond("Broadband is fine")
    assert found("broadband") == sorted([both.reference, split.reference, one.reference])
    assert found("funding broadband") == sorted([both.reference, split.reference])


def test_phrases_or_and_excluded_words():
    rural = respond("Funding for rural broadband")
    towns = respond("Broadband for towns, and rural funding")
    archive = respond("An archive of papers")
    assert found('"rural broadband"') == [rural.reference]
    assert found("rural -towns") == [rural.reference]
    assert found("archive or towns") == sorted([towns.reference, archive.reference])
    assert found("-rural") == []  # nothing to find: an exclusion alone finds nothing


def test_best_match_first():
    passing = respond(details="Long text about many things " * 20 + "and a library at the end")
    strong = respond("Library, library, library", details="The library matters most")
    middle = respond("A library", details="Something else entirely, at some length")
    assert found("library", ranked=True) == [strong.reference, middle.reference, passing.reference]


def test_contact_details_and_other_consultations_are_not_searched():
    response, _ = store_response(
        {"consultation": SLUG, "summary": "Nothing here"},
        token=None,
        contact=ContactDetails(email="pat@example.org", organisation="Parish council"),
    )
    respond("Parish matters", consultation="another-consultation")
    assert response.reference
    assert found("parish") == []
    assert found("pat") == []


# Kept current ------------------------------------------------------------------------------


def test_a_response_sent_through_the_api_is_found(client, tmp_path, use_consultations):
    folder = write_consultation(
        tmp_path / "c", f"title: Search\nslug: {SLUG}\n", {"index.md": "# Home\n"}
    )
    use_consultations(folder)
    payload = api_feedback(page="/", summary="Mobile libraries for villages")
    reply = post_to_api(client, payload)
    assert reply.status_code == 201, reply.content
    stored = Response.objects.get(consultation=SLUG)
    assert stored.channel == "api"
    assert found("library") == [stored.reference]


def test_an_edited_answer_is_found_by_its_new_words_only():
    response = respond("Broadband for villages")
    assert indexed("broadband") == 1
    response.summary = "Buses for villages"
    response.save()
    assert indexed("broadband") == 0
    assert found("buses") == [response.reference]
    Response.objects.filter(pk=response.pk).update(details="Trains too")
    assert found("trains villages") == [response.reference]
    response.refresh_from_db()
    response.status = "hidden"  # a change of status leaves the text as it was
    response.save()
    assert found("trains") == [response.reference]


def test_erasing_responses_removes_them_from_the_index():
    contact = Contact.objects.create(email="jo@example.org")
    erased = respond("Unforgettable kestrels", contact_id=contact.pk)
    kept = respond("Kestrels again")
    assert indexed("kestrels") == 2
    erasure.erase_contact("jo@example.org", responses=True, by=None)
    assert not Response.objects.filter(pk=erased.pk).exists()
    assert indexed("kestrels") == 1
    assert indexed("unforgettable") == 0
    assert found("kestrels") == [kept.reference]
    kept.delete()
    assert indexed("kestrels") == 0


def test_triggers_lost_with_a_remade_table_are_made_again():
    search_index.drop_triggers()
    search_index.ensure_triggers(using="default")
    response = respond("Otters in the river")
    assert found("otter") == [response.reference]


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_responses_already_stored():
    executor = MigrationExecutor(connection)
    executor.migrate([("collect", "0006_response_channel_paper_email")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collect_response (reference, consultation, kind, channel, status, "
            "page_path, page_matched, page_title, section_id, section_title, nature, summary, "
            "details, comments, role, spam_reason, submitted_at, body_hash) VALUES "
            "('SB-OLD1', %s, 'page', 'form', 'accepted', '', %s, '', '', '', '', "
            "'Hedgehogs before the index', '', '', '', '', %s, '')",
            [SLUG, True, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert found("hedgehog") == ["SB-OLD1"]
    assert indexed("hedgehogs") == 1


# Never fails --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_searches_never_fail(text):
    respond("A library and an archive", "Near the square")
    search_text = text.replace("\x00", "")  # as the list reads it (clean_text): no NUL
    assert isinstance(found(search_text), list)
    assert isinstance(found(search_text, ranked=True), list)


@given(st.text(max_size=300))
def test_any_text_searches_without_error(text):
    queryset = Response.objects.filter(consultation=SLUG)
    search_text = text.replace("\x00", "")
    list(search.ranked(queryset, search_text)[:5])


def test_the_query_language_is_never_passed_through():
    terms = search.parse('NEAR(a b) lib* "x y" -z or w ((')
    assert search.fts5_query(terms) == (
        '(("near a") AND ("b") AND ("lib") AND ("x y" OR "w")) NOT "z"'
    )
    sql, params = search.pg_tsquery(terms)
    assert params == ["near a", "b", "lib", "x y", "w", "z"]
    assert sql.count("phraseto_tsquery") == 6 and "!!phraseto_tsquery" in sql


# The responses list ---------------------------------------------------------------------------


@pytest.fixture
def reader(client, tmp_path, use_consultations):
    use_consultations(
        write_consultation(
            tmp_path / "c",
            f"title: Search\nslug: {SLUG}\n",
            {"index.md": "# Home\n", "models.md": "# Models\n"},
        )
    )
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    return client


def test_the_list_shows_the_best_match_first_and_offers_other_orders(reader):
    weak = respond(details="Padding words here " * 20 + "one library")
    strong = respond("Library library", details="library")
    url = reverse("analyse:responses", args=[SLUG])
    text = reader.get(f"{url}?{urlencode({'q': 'libraries'})}").content.decode()
    assert text.index(strong.reference) < text.index(weak.reference)
    assert '<option value="relevance" selected>Best match first</option>' in text
    newest = reader.get(f"{url}?{urlencode({'q': 'libraries', 'sort': 'oldest'})}")
    body = newest.content.decode()
    assert body.index(weak.reference) < body.index(strong.reference)
    plain = reader.get(url).content.decode()
    assert "Best match first" not in plain


@pytest.mark.parametrize("text", HOSTILE[:30])
def test_the_list_answers_any_search(reader, text):
    respond("A library")
    url = reverse("analyse:responses", args=[SLUG])
    assert reader.get(url, {"q": text}).status_code == 200


def test_a_search_can_be_used_inside_another_query():
    """As tagging every response a search finds does: the search as a subquery, whose table
    Django renames (U0), on both databases."""
    wanted = respond("The library")
    respond("A museum")
    queryset = Response.objects.filter(consultation=SLUG)
    for found_by in (search.matching(queryset, "library"), search.ranked(queryset, "library")):
        inner = Response.objects.filter(pk__in=found_by.values("pk"))
        assert list(inner.values_list("reference", flat=True)) == [wanted.reference]
        assert Response.objects.filter(pk__in=found_by).count() == 1
