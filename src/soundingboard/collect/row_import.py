"""What every import does with its rows, whichever file and format they come from.

An import (`sheet_import` for the original site's spreadsheet tabs, `mapped_import` for other
tools' exports through a mapping file) turns each row of its table into a payload in the
original site's JSON shape, or into the problems that stop it. `import_rows()` then:

- checks each payload as the intake API checks one (`payloads.PayloadChecker`, which keeps
  what it worked out about repeated values, such as roles and page addresses);
- reports a bad row with where it is (`file.csv:12`, or the XLSX sheet and row) and skips it:
  the other rows are imported, and the exit status says that some were skipped;
- knows a row imported before by its token (made by the import from what the row says, or
  from the other tool's response id), so importing the same file twice stores nothing new,
  and a row repeated within the file is stored once: a transaction's tokens are looked up
  before it is stored, until a look-up finds none; from then on its rows are stored at once,
  and looked up only should the database refuse one (`_Known`);
- stores the rows a batch at a time (`bulk_storage.store_batch`): one transaction per batch
  of `BATCH_SIZE` rows (`LARGE_BATCH_SIZE` for a large file), every row whole or not at all;
- for a large file, drops the tables' secondary (never unique) indexes while it stores and
  makes them again at its end, whatever stops it (`deferred_indexes`), and fills the search
  index after it stores (`search_index.defer`): a part at a time while it waits for rows
  from its second process (below), the rest at its end;
- shows a progress bar on a terminal for a long file;
- for a large file, reads and checks the rows in a second process, forked
  (`forked_stream`), while this one reads the file through to check all of it can be read
  (`Table.count`), then stores the rows already checked (`_checked_batches`): what it
  reports, and in what order, is the same either way;
- pauses Python's cycle collector while it runs (`_collector_paused`).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import re
import sys
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Max
from tqdm import tqdm

from ..publish.consultation import Consultation
from . import deferred_indexes, forked_stream
from .bulk_storage import (
    Outcome,
    Pending,
    ResponseValues,
    Stored,
    import_cache,
    store_batch,
    store_whole,
)
from .models import Response
from .payloads import PayloadChecker, PayloadError, Submission
from .storage import ContactDetails, Score, Tick
from .tables import Table

TOKEN_PREFIX = "import:"
# Rows to a transaction: about 45 ms holding the SQLite write lock, so the web forms'
# submissions queue behind an import for no longer than that.
BATCH_SIZE = 1000
# Rows to a transaction for a file large enough to store without its secondary indexes
# (`deferred_indexes.worth_deferring`): about 150 ms holding the write lock. Each commit
# writes every page of the unique indexes that a row landed on, and an imported row's
# reference and token are random, so a transaction of 1,000 rows rewrites nearly as many
# pages as one of 5,000: a large import's commits took a third of its storing process's
# time with 1,000 (docs/performance.md, the sixth pass).
LARGE_BATCH_SIZE = 5000
# A file of at least this many rows is read and checked in a second process while this one
# stores the rows already checked (`_checked_batches`).
PARALLEL_MIN_ROWS = 10_000
PROGRESS_DELAY = 0.5  # seconds before the progress bar shows: none for a short file
UK_FORMAT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
TIMESTAMP_HELP = "use DD/MM/YYYY HH:MM:SS or ISO 8601, like 2024-03-15T10:05:00Z"


@dataclass(frozen=True)
class RowPayload:
    """A row turned into what the original site would have sent, and when."""

    number: int
    payload: dict[str, Any]
    submitted_at: dt.datetime
    token: str


@dataclass(frozen=True)
class RowFault:
    """A row that could not be turned into a payload: its problems, by field."""

    number: int
    errors: dict[str, list[str]]


@dataclass(frozen=True)
class RowProblem:
    line: int  # the row's number: its line in a CSV file, its row in an XLSX sheet
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0  # new responses, accepted
    spam: int = 0  # new responses, kept aside as suspected spam (the honeypot was filled)
    already_there: int = 0  # imported before
    repeated: int = 0  # the same as an earlier row of this file: stored once
    skipped: int = 0  # rows with problems, not imported
    problems: list[RowProblem] = field(default_factory=list)

    def summary(self, name: str) -> str:
        text = (
            f"{name}: {self.rows} row{'s' if self.rows != 1 else ''}: imported {self.imported}, "
            f"already there {self.already_there}, skipped {self.skipped} (bad), spam {self.spam}"
        )
        if self.repeated:
            text += (
                f"; {self.repeated} row{'s' if self.repeated != 1 else ''} repeated an earlier "
                "row of this file: stored once"
            )
        return text


def parse_timestamp(text: str, zone: ZoneInfo) -> dt.datetime:
    """A spreadsheet's timestamp as an aware UTC time; naive times are in `zone`.

    ISO 8601 (`2024-03-15T10:05:00Z`, `2024-03-15 10:05:00`) or the UK spreadsheet form
    `15/03/2024 10:05:00` (seconds, or the time, may be left out). In the hour repeated when
    the clocks go back, the earlier is meant.
    """
    text = text.strip()
    if not text:
        raise ValueError("Enter when the row was sent")
    moment = None
    # ISO 8601 has no slashes: the UK form is tried first when there are (saving the cost of
    # fromisoformat's exception on every row of a UK spreadsheet).
    if "/" in text and (uk := UK_FORMAT.fullmatch(text)):
        day, month, year, hour, minute, second = uk.groups()
        try:
            moment = dt.datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            moment = None
    else:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(f"“{text}” is not a date and time; {TIMESTAMP_HELP}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


# What json.dumps(..., ensure_ascii=False, separators=(",", ":")) writes, made once: dumps
# makes a new encoder for every call given options.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# What that encoder writes for a string (the C function, when there is one): a token's text
# written piece by piece (`sheet_import.RowTokens`) is the encoder's, at a fraction of the cost.
json_text = json.encoder.encode_basestring


def row_token(*parts: Any) -> str:
    """A row's token, the same whenever the same parts are given (in JSON, so `parts` must be
    made of text, numbers, lists and the like)."""
    return token_of(_CANONICAL.encode(parts))


def token_moment(submitted_at: dt.datetime) -> str:
    """When a row was sent, as its token holds it: to the second. A spreadsheet's own file
    keeps the milliseconds a form recorded and its CSV download does not, so the same row
    read from either is recognised."""
    return submitted_at.replace(microsecond=0).isoformat()


def token_of(canonical: str) -> str:
    """The token of a row's parts written as `row_token` writes them."""
    # 7 + 56 characters: within the 64 that `submission_token` holds (224 bits of the hash).
    return TOKEN_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:56]


def import_rows(
    consultation: Consultation,
    table: Table,
    rows: Iterable[RowPayload | RowFault],
    *,
    out: TextIO | None = None,
    progress: bool | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import the rows; each bad row's problems are written to `out` as they are found.

    `progress`: True shows a progress bar on `out`, None shows one when `out` is a terminal.
    `batch_size`: rows to a transaction; by default `BATCH_SIZE`, or `LARGE_BATCH_SIZE` for
    a file large enough to store without its secondary indexes.
    """
    out = out if out is not None else sys.stderr
    report = ImportReport()
    # Responses stored after this one were stored by this run (or meanwhile by others): a
    # token found among them repeats an earlier row of the file.
    known = _Known(Response.objects.aggregate(last=Max("id"))["last"] or 0)

    def problem(number: int, errors: dict[str, list[str]]) -> None:
        report.skipped += 1
        where = table.where(number)
        for name, messages in errors.items():
            for message in messages:
                report.problems.append(RowProblem(number, name, message))
                tqdm.write(
                    f"{where}: {name}: {message}" if name else f"{where}: {message}", file=out
                )

    # An import killed outright left its indexes dropped: made again before this one.
    deferred_indexes.ensure_indexes()
    with _collector_paused():
        # Forked before the file is read through (`table.count`), so that the second process
        # checks the first rows meanwhile, and before the progress bar's thread: a process
        # forked with threads is unsafe.
        checked = _checked_batches(
            consultation,
            rows,
            batch_size or BATCH_SIZE,
            parallel=_parallel(table),
        )
        with closing(checked):
            count = table.count  # the file read through: it raises before anything is stored
            large = deferred_indexes.worth_deferring(count)
            per_transaction = batch_size or (LARGE_BATCH_SIZE if large else BATCH_SIZE)
            with (
                tqdm(
                    total=count,
                    unit="row",
                    file=out,
                    disable=None if progress is None else not progress,
                    delay=PROGRESS_DELAY,
                    dynamic_ncols=True,
                ) as bar,
                import_cache(),
                deferred_indexes.deferred(enabled=large) as deferral,
            ):
                if isinstance(checked, forked_stream.ForkedStream):
                    checked.while_waiting = deferral.catch_up_part
                for batch in _grouped(checked, per_transaction):
                    ready: dict[str, tuple[int, Pending]] = {}
                    report.rows += batch.rows
                    report.repeated += batch.repeated
                    for number, outcome in batch.outcomes:
                        if not isinstance(outcome, Pending):
                            problem(number, outcome)
                        elif outcome.token in ready:
                            report.repeated += 1  # in an earlier batch of this transaction
                        else:
                            ready[outcome.token] = (number, outcome)
                    _store(ready, known, report, problem, deferral)
                    bar.update(batch.rows)
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of an import (and of its checking process,
    forked meanwhile). An import makes millions of short-lived objects, none in cycles, which
    reference counting frees as it goes; the collector meanwhile scanned every object the
    process holds again and again, a quarter of an import's CPU time (docs/performance.md).
    Memory stays flat without it (bench/import_speed.py compares a tenth of the file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Reading and checking the rows, here or in a second process


@dataclass
class CheckedBatch:
    """A batch of rows read and checked, ready to store: in the file's order, each row's
    checked submission, or its problems by field."""

    rows: int = 0
    repeated: int = 0  # rows whose token an earlier accepted row of the batch has
    outcomes: list[tuple[int, Pending | dict[str, list[str]]]] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Sent from the checking process as plain tuples: rebuilding the dataclasses and the
        # fields' enums from pickle's generic form cost the storing process 10 µs a row more.
        return (_unpacked, (self.rows, self.repeated, [_packed(*o) for o in self.outcomes]))


def _packed(number: int, outcome: Pending | dict[str, list[str]]) -> tuple[Any, ...]:
    if not isinstance(outcome, Pending):
        return (number, outcome)
    submission, contact = outcome.submission, outcome.submission.contact
    # Written out: dataclasses.astuple copies each value deeply, and was most of the cost.
    # The fields go as they are: the checker gives choices as their text, not their enums.
    return (
        number,
        outcome.token,
        outcome.submitted_at,
        outcome.values,
        submission.fields,
        None
        if contact is None
        else (contact.email, contact.organisation, contact.notify_when_published),
        [(s.idea, s.usefulness, s.likelihood) for s in submission.scores],
        [(t.idea, t.activity, t.raw, t.matched) for t in submission.ticks],
    )


def _unpacked(rows: int, repeated: int, packed: list[tuple[Any, ...]]) -> CheckedBatch:
    outcomes: list[tuple[int, Pending | dict[str, list[str]]]] = []
    for item in packed:
        if len(item) == 2:
            outcomes.append(item)  # (number, problems)
            continue
        number, token, submitted_at, values, fields, contact, scores, ticks = item
        submission = Submission(
            fields,
            None if contact is None else ContactDetails(*contact),
            [Score(*s) for s in scores],
            [Tick(*t) for t in ticks],
        )
        outcomes.append((number, Pending(submission, token, submitted_at, values)))
    return CheckedBatch(rows, repeated, outcomes)


def _check_batches(
    consultation: Consultation, rows: Iterable[RowPayload | RowFault], size: int
) -> Generator[CheckedBatch]:
    """The rows checked a batch at a time, as the intake API checks a payload."""
    checker = PayloadChecker(consultation, remember=True)
    ready = ResponseValues()
    for batch in _batches(rows, size):
        checked = CheckedBatch(len(batch))
        seen: set[str] = set()
        for row in batch:
            if isinstance(row, RowFault):
                checked.outcomes.append((row.number, row.errors))
                continue
            if row.token in seen:
                checked.repeated += 1  # stored once: the same row, or the same response id
                continue
            try:
                submission = checker.check(row.payload, Response.Channel.IMPORT)
            except PayloadError as error:
                checked.outcomes.append((row.number, error.errors))
                continue
            seen.add(row.token)
            checked.outcomes.append(
                (row.number, ready.pending(submission, row.token, row.submitted_at))
            )
        yield checked


def _parallel(table: Table) -> bool:
    """Whether to read and check the rows in a second process while this one stores: for a
    large file, on a machine with a second processor, where a process can be forked."""
    return (
        (os.cpu_count() or 1) > 1 and forked_stream.can_fork() and table.may_have(PARALLEL_MIN_ROWS)
    )


def _checked_batches(
    consultation: Consultation,
    rows: Iterable[RowPayload | RowFault],
    size: int,
    *,
    parallel: bool,
) -> Generator[CheckedBatch] | forked_stream.ForkedStream:
    """`_check_batches` run here, or (`parallel`) in a process forked now
    (`forked_stream`), which never uses the database (the parent's connections are its own
    copies: left alone). An error reading the file is raised here as it was there. `close()`
    stops the process, however the import ends."""
    if not parallel:
        return _check_batches(consultation, rows, size)
    return forked_stream.forked(
        lambda: _check_batches(consultation, rows, size), name="soundingboard-import-check"
    )


def _grouped(batches: Iterable[CheckedBatch], rows: int) -> Iterator[CheckedBatch]:
    """Consecutive batches joined into batches of at least `rows` rows (the last may have
    fewer), in order: each is stored in one transaction."""
    group = CheckedBatch()
    for batch in batches:
        group.rows += batch.rows
        group.repeated += batch.repeated
        group.outcomes.extend(batch.outcomes)
        if group.rows >= rows:
            yield group
            group = CheckedBatch()
    if group.rows:
        yield group


def _batches(rows: Iterable[RowPayload | RowFault], size: int) -> Iterator[list[Any]]:
    batch: list[RowPayload | RowFault] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Known:
    """What an import knows of the rows stored before its own."""

    before: int  # responses after this id were stored by this import (or meanwhile by others)
    # Whether to look the next rows' tokens up before storing them. Once a look-up finds none
    # (a new file, or the new part of a longer export), the rows are stored at once, and
    # looked up only should the database refuse one: a look-up was a twentieth of a large
    # import's storing.
    look_up: bool = True


def _store(
    ready: dict[str, tuple[int, Pending]],
    known: _Known,
    report: ImportReport,
    problem: Any,
    deferral: deferred_indexes.Deferral,
) -> None:
    if not ready:
        return
    outcomes: list[Stored] | None = None
    if not known.look_up:
        pending = [p for _, p in ready.values()]
        if store_whole(pending):
            outcomes = [Stored(Outcome.STORED)] * len(pending)
        else:  # nothing of it stored: a row imported before, most likely
            known.look_up = True
    if outcomes is None:
        found = _stored_tokens(list(ready))
        known.look_up = bool(found)
        for token, key in found:
            if key > known.before:
                report.repeated += 1
            else:
                report.already_there += 1
            del ready[token]
        pending = [p for _, p in ready.values()]
        if pending:
            deferral.drop()
        outcomes = store_batch(pending)
    for (number, item), stored in zip(ready.values(), outcomes, strict=True):
        if stored.outcome is Outcome.FAILED:
            problem(number, {"": [f"could not be stored: {stored.error}"]})
        elif stored.outcome is Outcome.ALREADY_THERE:
            report.already_there += 1  # stored meanwhile by another import
        elif item.submission.fields["status"] == Response.Status.SPAM:
            report.spam += 1
        else:
            report.imported += 1


def _stored_tokens(tokens: list[str]) -> list[tuple[str, int]]:
    """Those of these tokens already stored, with their responses' ids: one query, written
    out (the ORM's `filter(submission_token__in=...)` spent 7 µs a row making it)."""
    if not tokens:
        return []
    table = connection.ops.quote_name(Response._meta.db_table)
    marks = ", ".join(["%s"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT submission_token, id FROM {table} WHERE submission_token IN ({marks})",
            tokens,
        )
        return cursor.fetchall()
