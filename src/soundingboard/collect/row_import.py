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
  and a row repeated within the file is stored once;
- stores the rows a batch at a time (`bulk_storage.store_batch`): one transaction per batch
  of `BATCH_SIZE`, every row whole or not at all;
- for a large file, drops the tables' secondary (never unique) indexes while it stores and
  makes them again at its end, whatever stops it (`deferred_indexes`);
- shows a progress bar on a terminal for a long file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Max
from tqdm import tqdm

from ..publish.consultation import Consultation
from . import deferred_indexes
from .bulk_storage import Outcome, Pending, import_cache, store_batch
from .models import Response
from .payloads import PayloadChecker, PayloadError
from .tables import Table

TOKEN_PREFIX = "import:"
# Rows to a transaction: about 25 ms holding the SQLite write lock, so the web forms'
# submissions queue behind an import for no longer than that.
BATCH_SIZE = 1000
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
# What that encoder writes for a string (the C function, when there is one).
_json_text = json.encoder.encode_basestring


def row_token(*parts: Any) -> str:
    """A row's token, the same whenever the same parts are given (in JSON, so `parts` must be
    made of text, numbers, lists and the like)."""
    canonical = _CANONICAL.encode(parts)
    # 7 + 56 characters: within the 64 that `submission_token` holds (224 bits of the hash).
    return TOKEN_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:56]


def cells_token(slug: str, tab: str, moment: str, pairs: list[tuple[str, str]]) -> str:
    """`row_token(slug, tab, moment, pairs)` for parts that are all text, the same token
    (tests/collect/test_row_token.py), made without the JSON encoder: its text written with
    the encoder's own function for a string, at half the cost a row."""
    canonical = "[%s,%s,%s,[%s]]" % (  # noqa: UP031  # the fastest way to join them
        _json_text(slug),
        _json_text(tab),
        _json_text(moment),
        ",".join(["[%s,%s]" % (_json_text(name), _json_text(value)) for name, value in pairs]),  # noqa: UP031
    )
    return TOKEN_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:56]


def import_rows(
    consultation: Consultation,
    table: Table,
    rows: Iterable[RowPayload | RowFault],
    *,
    out: TextIO | None = None,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import the rows; each bad row's problems are written to `out` as they are found.

    `progress`: True shows a progress bar on `out`, None shows one when `out` is a terminal.
    """
    out = out if out is not None else sys.stderr
    report = ImportReport()
    checker = PayloadChecker(consultation, remember=True)
    # Responses stored after this one were stored by this run (or meanwhile by others): a
    # token found among them repeats an earlier row of the file.
    before = Response.objects.aggregate(last=Max("id"))["last"] or 0
    bar = tqdm(
        total=table.count,
        unit="row",
        file=out,
        disable=None if progress is None else not progress,
        delay=PROGRESS_DELAY,
        dynamic_ncols=True,
    )

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
    large = deferred_indexes.worth_deferring(table.count)
    with bar, import_cache(), deferred_indexes.deferred(enabled=large) as deferral:
        for batch in _batches(rows, batch_size):
            ready: dict[str, tuple[int, Pending]] = {}
            for row in batch:
                report.rows += 1
                if isinstance(row, RowFault):
                    problem(row.number, row.errors)
                    continue
                if row.token in ready:
                    report.repeated += 1
                    continue
                try:
                    submission = checker.check(row.payload, Response.Channel.IMPORT)
                except PayloadError as error:
                    problem(row.number, error.errors)
                    continue
                ready[row.token] = (row.number, Pending(submission, row.token, row.submitted_at))
            _store(ready, before, report, problem, deferral)
            bar.update(len(batch))
    return report


def _batches(rows: Iterable[RowPayload | RowFault], size: int) -> Iterator[list[Any]]:
    batch: list[RowPayload | RowFault] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _store(
    ready: dict[str, tuple[int, Pending]],
    before: int,
    report: ImportReport,
    problem: Any,
    deferral: deferred_indexes.Deferral,
) -> None:
    if not ready:
        return
    for token, key in _stored_tokens(list(ready)):
        if key > before:
            report.repeated += 1
        else:
            report.already_there += 1
        del ready[token]
    pending = [p for _, p in ready.values()]
    if pending:
        deferral.drop()
    for (number, item), stored in zip(ready.values(), store_batch(pending), strict=True):
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
