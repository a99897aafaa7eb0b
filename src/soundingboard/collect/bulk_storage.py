"""Storing many checked submissions at once: a batch in one transaction, every row whole.

An import stores its rows a batch at a time: the contacts, the responses, then their scores
and ticks, each as multi-row INSERTs (`prepared_insert.RowWriter`), all in one transaction
under the SQLite write lock, the batch's free text put in the search index at once at the end
(`search_index.indexed_in_bulk`). Should any row of the batch fail to store (a reference that
collided, a submission token another import stored meanwhile, a value the database refuses)
the transaction is rolled back whole and the batch is stored again row by row, each in a
savepoint of its own (`Submission.store`, as the intake API stores one), so that only the row
at fault is left out and it is reported; nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from django.db import DatabaseError, connections, transaction

from .models import ActivityTick, Contact, IdeaScore, Response, new_visit_token
from .payloads import Submission
from .prepared_insert import RowWriter
from .search_index import indexed_in_bulk
from .storage import new_reference
from .write_lock import sqlite_write_lock

# What each row of a submission sets; every other column takes its default. Every field a
# checked submission can hold is here (tests/collect/test_bulk_storage.py says so): one left
# out would be dropped from every imported row without a word.
RESPONSE_COLUMNS = (
    "reference",
    "submission_token",
    "submitted_at",
    "contact_id",
    "consultation",
    "kind",
    "channel",
    "status",
    "spam_reason",
    "page_path",
    "page_matched",
    "page_title",
    "section_id",
    "section_title",
    "role",
    "nature",
    "summary",
    "details",
    "comments",
    "unmatched_ideas",
    "may_quote",
)
# Those above that are not a submission's own fields.
_OWN = frozenset(("reference", "submission_token", "submitted_at", "contact_id"))


class Outcome(Enum):
    STORED = "stored"
    ALREADY_THERE = "already there"  # stored meanwhile by someone else, under the same token
    FAILED = "failed"


@dataclass(frozen=True)
class Pending:
    submission: Submission
    token: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Stored:
    outcome: Outcome
    response: Response | None = None  # for STORED and ALREADY_THERE, on the slow path only
    error: str = ""  # for FAILED: what the database said


# SQLite's page cache while an import runs, in KiB (the default is 2 MiB). An imported row's
# reference and token are random, so each lands on its own page of their unique indexes: with
# the default cache those pages are read again and again once the table outgrows it (a
# tenth to a fifth of the cost of storing 100,000 rows, docs/performance.md). The cache is
# bounded, so memory stays flat however long the file.
IMPORT_CACHE_KIB = 64 * 1024


@contextmanager
def import_cache(using: str = "default") -> Iterator[None]:
    """A larger page cache on this connection for the length of an import (SQLite)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def store_batch(batch: Sequence[Pending]) -> list[Stored]:
    """Store a batch of checked submissions; one result for each, in order."""
    if not batch:
        return []
    try:
        with sqlite_write_lock(), transaction.atomic(), indexed_in_bulk():
            _insert(batch)
        return [Stored(Outcome.STORED)] * len(batch)
    except DatabaseError:
        # Rolled back whole: find the row at fault by storing them one by one.
        return [_store_one(pending) for pending in batch]


def _insert(batch: Sequence[Pending]) -> None:
    now = dt.datetime.now(dt.UTC)
    with_contact = [p for p in batch if p.submission.contact]
    contact_ids: list[int] = []
    if with_contact:
        contacts = RowWriter(Contact, ("email", "organisation", "visit_token", "created_at"))
        contact_ids = contacts.insert(
            [
                contacts.row(c.email, c.organisation, new_visit_token(), now)
                for c in (p.submission.contact for p in with_contact)
                if c is not None
            ]
        )
    contact_of = {id(p): key for p, key in zip(with_contact, contact_ids, strict=True)}
    responses = RowWriter(Response, RESPONSE_COLUMNS)
    defaults = [(name, _DEFAULTS[name]) for name in RESPONSE_COLUMNS if name not in _OWN]
    rows = []
    for pending in batch:
        fields = pending.submission.fields
        rows.append(
            responses.row(
                new_reference(),
                pending.token,
                pending.submitted_at,
                contact_of.get(id(pending)),
                *[fields.get(name, default) for name, default in defaults],
            )
        )
    if not any(p.submission.scores or p.submission.ticks for p in batch):
        responses.insert_only(rows)  # nothing refers to them: their keys are not needed
        return
    keys = responses.insert(rows)
    scores = RowWriter(IdeaScore, ("response_id", "idea", "usefulness", "likelihood"))
    ticks = RowWriter(ActivityTick, ("response_id", "idea", "activity", "matched", "raw"))
    score_rows, tick_rows = [], []
    for pending, key in zip(batch, keys, strict=True):
        for s in pending.submission.scores:
            score_rows.append(scores.row(key, s.idea, s.usefulness, s.likelihood))
        for t in pending.submission.ticks:
            tick_rows.append(ticks.row(key, t.idea, t.activity, t.matched, t.raw))
    if score_rows:
        scores.insert(score_rows)
    if tick_rows:
        ticks.insert(tick_rows)


_DEFAULTS = {
    field.attname: field.get_default()
    for field in Response._meta.concrete_fields
    if field.attname in RESPONSE_COLUMNS
}


def _store_one(pending: Pending) -> Stored:
    try:
        response, created = pending.submission.store(
            token=pending.token, submitted_at=pending.submitted_at
        )
    except DatabaseError as error:
        # Rolled back to the row's own transaction: nothing of it is stored.
        return Stored(Outcome.FAILED, error=str(error))
    return Stored(Outcome.STORED if created else Outcome.ALREADY_THERE, response)
