"""Storing many checked submissions at once: a batch in one transaction, every row whole.

An import stores its rows a batch at a time: the contacts, the responses, then their scores
and ticks, each as multi-row INSERTs (`prepared_insert.RowWriter`), all in one transaction
under the SQLite write lock, the batch's free text put in the search index at once at the end
(`search_index.indexed_in_bulk`). Should any row of the batch fail to store (a reference that
collided, a submission token another import stored meanwhile, a value the database refuses)
the transaction is rolled back whole and the batch is stored again row by row, each in a
savepoint of its own (`Submission.store`, as the intake API stores one), so that only the row
at fault is left out and it is reported; nothing of it is stored. (`store_whole` stores a
batch whole or not at all, for an import that looks its rows up only once one is refused.)

A checked submission's response row is made as far as it can be where the row is checked
(`ResponseValues`, in an import's second process): storing it only adds its reference (drawn
for the whole batch at once), its token and its contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import DatabaseError, connections, transaction

from .models import ActivityTick, Contact, IdeaScore, Response, new_visit_token
from .payloads import Submission
from .prepared_insert import RowWriter
from .search_index import indexed_in_bulk
from .storage import new_references
from .write_lock import sqlite_write_lock

# What each row of a submission sets; every other column takes its default. Every field a
# checked submission can hold is here (tests/collect/test_bulk_storage.py says so): one left
# out would be dropped from every imported row without a word. The first four are the
# stored row's own, in this order (`_insert` and `ResponseValues` rely on it), the rest the
# submission's fields.
RESPONSE_COLUMNS = (
    "reference",
    "submission_token",
    "contact_id",
    "submitted_at",
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
_VALUES_START = RESPONSE_COLUMNS.index("submitted_at")  # where `Pending.values` start
# Those after it are a submission's own fields; what each is when it does not say.
_FIELDS = RESPONSE_COLUMNS[_VALUES_START + 1 :]
_FIELD_DEFAULTS = tuple(
    field.get_default()
    for name in _FIELDS
    for field in Response._meta.concrete_fields
    if field.attname == name
)


class Outcome(Enum):
    STORED = "stored"
    ALREADY_THERE = "already there"  # stored meanwhile by someone else, under the same token
    FAILED = "failed"


@dataclass(frozen=True)
class Pending:
    """A checked submission ready to store (made by `ResponseValues.pending`)."""

    submission: Submission
    token: str
    submitted_at: dt.datetime
    # Its response's values as the INSERT takes them, RESPONSE_COLUMNS' from `submitted_at`
    # on: made where the row is checked (an import's second process), so that storing it
    # only adds its reference, token and contact.
    values: tuple[Any, ...]


class ResponseValues:
    """Makes `Pending` submissions, their response rows made as far as they can be before
    they are stored."""

    def __init__(self, using: str = "default"):
        self.writer = RowWriter(Response, RESPONSE_COLUMNS, using)

    def pending(self, submission: Submission, token: str, submitted_at: dt.datetime) -> Pending:
        values = (submitted_at, *map(submission.fields.get, _FIELDS, _FIELD_DEFAULTS))
        return Pending(
            submission, token, submitted_at, self.writer.converted_values(values, _VALUES_START)
        )


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
    if store_whole(batch):
        return [Stored(Outcome.STORED)] * len(batch)
    # Rolled back whole: find the row at fault by storing them one by one.
    return [_store_one(pending) for pending in batch]


def store_whole(batch: Sequence[Pending]) -> bool:
    """Store a batch of checked submissions in one transaction, every one or none: whether
    they were stored (False: the database refused one, and nothing of the batch is kept)."""
    try:
        with sqlite_write_lock(), transaction.atomic(), indexed_in_bulk():
            _insert(batch)
    except DatabaseError:
        return False
    return True


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
    contact, fixed = contact_of.get, responses.fixed
    # As `responses.row()` makes them: in RESPONSE_COLUMNS' order, then the defaults.
    rows = [
        (reference, p.token, contact(id(p)), *p.values, *fixed)
        for reference, p in zip(new_references(len(batch)), batch, strict=True)
    ]
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


def _store_one(pending: Pending) -> Stored:
    try:
        response, created = pending.submission.store(
            token=pending.token, submitted_at=pending.submitted_at
        )
    except DatabaseError as error:
        # Rolled back to the row's own transaction: nothing of it is stored.
        return Stored(Outcome.FAILED, error=str(error))
    return Stored(Outcome.STORED if created else Outcome.ALREADY_THERE, response)
