"""Storing an import's rows a batch at a time: the same rows as one by one, every row whole."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from soundingboard.analyse import search
from soundingboard.collect import bulk_storage, search_index
from soundingboard.collect.bulk_storage import Outcome, Pending, ResponseValues, store_batch
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.payloads import Submission
from soundingboard.collect.prepared_insert import RowWriter
from soundingboard.collect.storage import ContactDetails, Score, Tick
from tests.analyse.test_search import indexed

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 30, 23, 30, 15, 123456, tzinfo=dt.UTC)


def submission(n: int, *, contact: bool = False, answers: bool = False) -> Submission:
    fields = {
        "consultation": "libraries",
        "kind": Response.Kind.QUESTIONNAIRE if answers else Response.Kind.PAGE,
        "channel": Response.Channel.IMPORT,
        "status": Response.Status.ACCEPTED,
        "spam_reason": "",
        "page_path": "opening-hours/",
        "page_matched": True,
        "page_title": "Opening hours",
        "section_id": "",
        "section_title": "",
        "role": "Library user",
        "nature": "",
        "summary": f"Keep Saturday mornings {n}",
        "details": "Line one\nLine two 📚",
    }
    if answers:  # the questionnaire's own fields, the unmatched ideas' converted to JSON
        fields.update(comments="More evenings", may_quote=False)
        fields.update(unmatched_ideas=[{"idea": "Night buses", "usefulness": 3}])
    return Submission(
        fields=fields,
        contact=ContactDetails(f"p{n}@example.org", "Library friends") if contact else None,
        scores=[Score("Longer hours", 4, None), Score("Mobile library", 2, 5)] if answers else [],
        ticks=[Tick("Longer hours", "Evenings", "Longer hours: Evenings"), Tick("", "", "x", False)]
        if answers
        else [],
    )


def plain(row: tuple) -> tuple:
    """A row's values, compared: PostgreSQL's JSON is a wrapper without equality."""
    return tuple(getattr(value, "obj", value) for value in row)


def pending(n: int, **kinds: bool) -> Pending:
    return ResponseValues().pending(
        submission(n, **kinds), f"import:{n}", WHEN + dt.timedelta(minutes=n)
    )


def test_a_batch_stores_what_storing_each_would():
    batch = [pending(1), pending(2, contact=True), pending(3, contact=True, answers=True)]
    assert [s.outcome for s in store_batch(batch)] == [Outcome.STORED] * 3
    one_by_one = [pending(11), pending(12, contact=True), pending(13, contact=True, answers=True)]
    for item in one_by_one:
        item.submission.store(token=item.token, submitted_at=item.submitted_at)
    ignored = {"id", "reference", "submission_token", "submitted_at", "summary", "contact"}

    def stored(token: str) -> tuple:
        response = Response.objects.get(submission_token=token)
        contact = response.contact
        return (
            {k: v for k, v in model_to_dict(response).items() if k not in ignored},
            (contact.email.replace("1", ""), contact.organisation) if contact else None,
            sorted(
                IdeaScore.objects.filter(response=response).values_list(
                    "idea", "usefulness", "likelihood"
                )
            ),
            sorted(
                ActivityTick.objects.filter(response=response).values_list(
                    "idea", "activity", "matched", "raw"
                )
            ),
        )

    for n in (1, 2, 3):
        assert stored(f"import:{n}") == stored(f"import:{n + 10}")
    assert Response.objects.get(submission_token="import:3").submitted_at == WHEN + dt.timedelta(
        minutes=3
    )
    assert len(set(Response.objects.values_list("reference", flat=True))) == 6
    assert len(set(Contact.objects.values_list("visit_token", flat=True))) == 4


def test_a_batch_the_database_refuses_is_stored_row_by_row(monkeypatch):
    """Rolled back whole, then each row on its own: only the row at fault is left out, and
    nothing of it is stored (its response row was written before its score was refused)."""
    batches = []
    real_insert = bulk_storage._insert

    def insert(batch):
        batches.append(len(batch))
        real_insert(batch)

    monkeypatch.setattr(bulk_storage, "_insert", insert)
    bad = pending(3, contact=True, answers=True)
    bad.submission.scores.append(
        Score("Reading groups", 9, None)
    )  # the database's check refuses it
    results = store_batch([pending(1), pending(2, contact=True), bad, pending(4, answers=True)])
    assert batches == [4]
    assert [r.outcome for r in results] == [
        Outcome.STORED,
        Outcome.STORED,
        Outcome.FAILED,
        Outcome.STORED,
    ]
    assert "usefulness_1_to_5" in results[2].error or "CHECK" in results[2].error.upper()
    assert sorted(Response.objects.values_list("submission_token", flat=True)) == [
        "import:1",
        "import:2",
        "import:4",
    ]
    assert Contact.objects.count() == 1
    assert IdeaScore.objects.count() == 2  # the fourth row's only


def test_a_row_stored_meanwhile_is_found_not_stored_again(monkeypatch):
    first = pending(1)
    first.submission.store(token=first.token, submitted_at=first.submitted_at)
    results = store_batch([pending(1), pending(2)])
    assert [r.outcome for r in results] == [Outcome.ALREADY_THERE, Outcome.STORED]
    assert Response.objects.count() == 2


def test_row_writer_returns_keys_in_order_and_needs_unique_columns_given():
    contacts = RowWriter(Contact, ("email", "organisation", "visit_token", "created_at"))
    rows = [contacts.row(f"p{i}@example.org", "", f"visit-{i}", WHEN) for i in range(700)]
    keys = contacts.insert(rows)  # more than one statement's worth
    assert len(keys) == 700
    assert [Contact.objects.get(pk=k).email for k in (keys[0], keys[599], keys[699])] == [
        "p0@example.org",
        "p599@example.org",
        "p699@example.org",
    ]
    assert Contact.objects.get(pk=keys[3]).created_at == WHEN
    with pytest.raises(ValueError, match="visit_token is unique"):
        RowWriter(Contact, ("email",))
    with pytest.raises(ValueError, match="no such column"):
        RowWriter(Contact, ("email", "visit_token", "phone"))


def entries(word: str) -> int:
    """How many of the search index's own entries hold a word (as tests/analyse/test_search.py
    counts them), so that a row indexed twice, or not at all, shows."""
    return indexed(word)


def insert_trigger_sql() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [search_index.INSERT_TRIGGER],
        )
        found = cursor.fetchone()
    return None if found is None else str(found[0])


def test_a_batch_is_searchable_each_row_once_and_the_trigger_is_kept():
    """The batch's rows are indexed in bulk at the end of its transaction; the insert trigger
    is back afterwards, so a response stored later the usual way is indexed too."""
    trigger = insert_trigger_sql() if connection.vendor == "sqlite" else None
    store_batch([pending(n) for n in range(1, 6)])
    assert entries("saturday") == 5
    assert entries("line") == 5
    if connection.vendor == "sqlite":
        assert insert_trigger_sql() == trigger is not None
    later = pending(9)
    later.submission.store(token=later.token, submitted_at=later.submitted_at)
    assert entries("saturday") == 6
    matches = search.matching(Response.objects.filter(consultation="libraries"), "saturday")
    assert matches.count() == 6


def test_a_batch_stored_row_by_row_is_indexed_once():
    """A batch rolled back (the trigger with it) and stored again one by one: every row that
    was stored is indexed once, the row at fault not at all."""
    bad = pending(3, answers=True)
    bad.submission.fields["summary"] = "Refused sunflower"
    bad.submission.scores.append(Score("Reading groups", 9, None))
    results = store_batch([pending(1), pending(2), bad])
    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.STORED, Outcome.FAILED]
    assert entries("saturday") == 2
    assert entries("sunflower") == 0
    if connection.vendor == "sqlite":
        assert insert_trigger_sql() is not None


def test_an_import_has_a_larger_page_cache_only_while_it_runs():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    before = cache_size()
    with bulk_storage.import_cache():
        assert cache_size() == -bulk_storage.IMPORT_CACHE_KIB
        store_batch([pending(1)])
    assert cache_size() == before


def test_every_field_a_checked_submission_holds_is_stored(tmp_path, reference_ideas):
    """A field the bulk insert does not write would be dropped from every imported row."""
    from soundingboard.collect.payloads import PayloadChecker
    from soundingboard.publish.loader import load_consultation
    from tests.collect.test_sheet_import import consultation_folder

    folder = consultation_folder(tmp_path / "all", reference_ideas, asks_to_quote=True)
    consultation = load_consultation(folder)
    checker = PayloadChecker(consultation)
    role = consultation.settings.feedback.roles[0]
    given = {"page": "/", "role": role, "org": "A council", "email": "a@example.org"}
    page = checker.check({**given, "tab": "Feedback", "summary": "A summary", "may_quote": "yes"})
    idea = consultation.settings.questionnaire.ideas[0].name
    questionnaire = checker.check(
        {
            **given,
            "tab": "MainFeedback",
            "comments": "Some comments",
            "may_quote": "no",
            "section": "A section",
            "rank_usefulness": {idea: 4, "An idea not in the paper": 2},
        }
    )
    for submission in (page, questionnaire):
        assert set(submission.fields) <= set(bulk_storage.RESPONSE_COLUMNS)
    assert page.fields["may_quote"] is True and questionnaire.fields["unmatched_ideas"]


def test_a_checked_batch_crosses_to_the_storing_process_whole():
    """What an import's checking process sends (pickled, `CheckedBatch.__reduce__`) is what
    it checked: fields, contact details, scores and ticks, and a bad row's problems."""
    import pickle

    from soundingboard.collect.row_import import CheckedBatch

    sent = pending(3, contact=True, answers=True)
    sent.submission.contact = ContactDetails("p3@example.org", "Library friends", True)
    batch = CheckedBatch(2, 1, [(4, sent), (5, {"summary": ["Enter a summary"]})])
    received = pickle.loads(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    assert (received.rows, received.repeated) == (2, 1)
    (number, got), bad = received.outcomes
    assert bad == (5, {"summary": ["Enter a summary"]})
    assert number == 4 and isinstance(got, Pending)
    assert (got.token, got.submitted_at) == (sent.token, sent.submitted_at)
    assert got.submission.fields == sent.submission.fields
    assert got.submission.contact == sent.submission.contact
    assert got.submission.scores == sent.submission.scores
    assert got.submission.ticks == sent.submission.ticks
    assert got.submission.ticks[1].matched is False
    assert plain(got.values) == plain(sent.values)


def test_a_response_row_made_ahead_is_the_row_made_at_once():
    """What the checking process makes of a submission (`ResponseValues`) is the row
    `RowWriter.row()` makes of it, but for the reference, token and contact added later."""
    item = pending(7, answers=True)
    writer = RowWriter(Response, bulk_storage.RESPONSE_COLUMNS)
    fields = item.submission.fields
    whole = writer.row(
        "SB-0000-0000",
        item.token,
        None,
        item.submitted_at,
        *[
            fields.get(name, Response._meta.get_field(name).get_default())
            for name in bulk_storage.RESPONSE_COLUMNS[4:]
        ],
    )

    assert plain(whole) == plain(("SB-0000-0000", item.token, None, *item.values, *writer.fixed))
    # Converted as the INSERT takes it: JSON text (SQLite), or psycopg's JSON wrapper.
    ideas = item.values[bulk_storage.RESPONSE_COLUMNS.index("unmatched_ideas") - 3]
    assert ideas is not fields["unmatched_ideas"]
    assert plain((ideas,))[0] in (fields["unmatched_ideas"], json.dumps(fields["unmatched_ideas"]))
    assert writer.converted_values((item.submitted_at, "libraries"), 3) == whole[3:5]
    with pytest.raises(ValueError, match="columns"):
        writer.converted_values(whole, 1)
