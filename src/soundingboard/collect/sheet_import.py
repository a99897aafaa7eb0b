"""Importing the original site's spreadsheet, one tab at a time, exported as CSV.

The original site's serverless function appended each payload it was sent as a row of a
spreadsheet: the tab "Feedback" for feedback on a page, "MainFeedback" for the main
questionnaire, with a timestamp. Each row is checked as the intake API checks a payload
(`payloads.submission_from_payload`) and stored with the time it was sent.

- A file that cannot be read at all (not UTF-8, not CSV, a required column missing) raises
  `SheetError` before anything is stored.
- A row that fails a check is reported with the line of the file it starts on and skipped;
  the other rows are imported. A row is stored whole or not at all.
- Each row gets a token made from the consultation, the tab and what the row says, so a row
  imported before is found and not stored again: running the import twice adds nothing, and
  a row repeated within the file is stored once.
- Rows are stored in batches of a hundred, each batch one transaction, so that a long
  file does not wait for a durable commit per row; within a batch each row is stored inside
  a savepoint of its own (`store_response`'s transaction), so a row that fails to store
  leaves nothing behind and the batch goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import DataError, IntegrityError, transaction
from tqdm import tqdm

from ..publish.consultation import Consultation
from .models import Response
from .payloads import (
    PAGE_FEEDBACK_TAB,
    QUESTIONNAIRE_TAB,
    TEXT_FIELDS,
    PayloadError,
    Submission,
    submission_from_payload,
)
from .spam import HONEYPOT_FIELD
from .write_lock import sqlite_write_lock

TABS = (PAGE_FEEDBACK_TAB, QUESTIONNAIRE_TAB)
TOKEN_PREFIX = "import:"
TIMESTAMP = "timestamp"
JSON_FIELDS = ("rank_usefulness", "rank_likelihood", "activities")
COLUMNS = {
    tab: (TIMESTAMP, "tab", *TEXT_FIELDS[tab], HONEYPOT_FIELD)
    + (JSON_FIELDS if tab == QUESTIONNAIRE_TAB else ())
    for tab in TABS
}
# Without these no row of the tab could be imported.
REQUIRED = {
    PAGE_FEEDBACK_TAB: (TIMESTAMP, "page", "summary", "role"),
    QUESTIONNAIRE_TAB: (TIMESTAMP, "role"),
}
# Other spellings of the column names, as people and spreadsheets write them (compared after
# `_column_key`: case, surrounding spaces, and inner spaces or hyphens do not matter).
ALIASES = {
    "time_stamp": TIMESTAMP,
    "date": TIMESTAMP,
    "date_time": TIMESTAMP,
    "datetime": TIMESTAMP,
    "time": TIMESTAMP,
    "submitted": TIMESTAMP,
    "submitted_at": TIMESTAMP,
    "organisation": "org",
    "organization": "org",
    "honeypot": HONEYPOT_FIELD,
}
UK_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
TIMESTAMP_HELP = "use DD/MM/YYYY HH:MM:SS or ISO 8601, like 2024-03-15T10:05:00Z"
BATCH_SIZE = 100  # rows to a transaction: about 0.1 s holding the write lock
PROGRESS_DELAY = 0.5  # seconds before the progress bar shows: none for a short file


class SheetError(Exception):
    """A file that cannot be imported at all; the message says why."""


@dataclass(frozen=True)
class Row:
    line: int  # the line of the file the row starts on; the header is line 1
    cells: dict[str, str]  # canonical column name -> cell, for the columns the tab knows


@dataclass
class Sheet:
    path: Path
    tab: str
    columns: list[str]  # the header as written
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowProblem:
    line: int
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


# Reading the file


def read_sheet(path: Path, tab: str) -> Sheet:
    """Read a CSV export of one tab; raise SheetError if it cannot be imported at all."""
    if tab not in TABS:
        raise SheetError(f'the tab must be "{PAGE_FEEDBACK_TAB}" or "{QUESTIONNAIRE_TAB}"')
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SheetError(f"{path}: no such file") from None
    except OSError as error:
        raise SheetError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SheetError(
            f"{path}:{line}: is not UTF-8 text; export the tab as CSV (in Excel: "
            "“CSV UTF-8”), not as a spreadsheet file"
        ) from None
    if "\x00" in text:
        raise SheetError(f"{path}: holds binary data; export the tab as CSV, not as a spreadsheet")
    if not text.strip():
        raise SheetError(f"{path}: is empty; export the tab with its header row")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    line = 1
    try:
        header: list[str] = []
        while not any(cell.strip() for cell in header):  # blank lines before the header
            line = reader.line_num + 1
            first = next(reader, None)
            if first is None:
                raise SheetError(f"{path}: has no header row; export the tab with its header")
            header = first
        header_line = reader.line_num
        columns = _columns(path, tab, header, header_line)
        sheet = Sheet(path, tab, header, [])
        sheet.warnings.extend(_ignored_columns(path, tab, header, columns))
        line = header_line + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells
            named = {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:
                # Cells beyond the header's columns: the row is not what it seems.
                named[""] = f"{len(cells)} cells, but the header has {len(header)} columns"
            sheet.rows.append(Row(start, named))
    except csv.Error as error:
        raise SheetError(f"{path}:{line}: is not valid CSV: {error}") from None
    return sheet


def _delimiter(text: str) -> str:
    """Commas, unless the header row is clearly separated by semicolons or tabs."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _column_key(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().casefold())
    return ALIASES.get(key, key)


def _columns(path: Path, tab: str, header: list[str], line: int) -> dict[int, str]:
    """The header's known columns: their position -> canonical name."""
    known = COLUMNS[tab]
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _column_key(name)
        if key not in known:
            continue
        if key in found:
            raise SheetError(
                f"{path}:{line}: the columns “{header[found[key]]}” (column {found[key] + 1}) "
                f"and “{name}” (column {i + 1}) are both the {key} column; remove one"
            )
        found[key] = i
    missing = [name for name in REQUIRED[tab] if name not in found]
    if missing:
        other = QUESTIONNAIRE_TAB if tab == PAGE_FEEDBACK_TAB else PAGE_FEEDBACK_TAB
        hint = ""
        if sum(_column_key(h) in COLUMNS[other] for h in header) > len(found):
            hint = f" (is this the {other} tab?)"
        raise SheetError(
            f"{path}:{line}: the header has no {_names(missing)} column"
            f"{'s' if len(missing) != 1 else ''}, which every {tab} row needs{hint}"
        )
    return {i: key for key, i in found.items()}


def _ignored_columns(path: Path, tab: str, header: list[str], used: dict[int, str]) -> list[str]:
    ignored = [name for i, name in enumerate(header) if i not in used and name.strip()]
    if not ignored:
        return []
    return [
        f"{path}: ignoring the column{'s' if len(ignored) != 1 else ''} {_names(ignored)}, "
        f"not part of a {tab} row"
    ]


def _names(names: list[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# Turning a row into a payload


class _RowError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


def parse_timestamp(text: str, zone: ZoneInfo) -> dt.datetime:
    """A spreadsheet's timestamp as an aware UTC time; naive times are in `zone`.

    ISO 8601 (`2024-03-15T10:05:00Z`, `2024-03-15 10:05:00`) or the UK spreadsheet form
    `15/03/2024 10:05:00`. In the hour repeated when the clocks go back, the earlier is meant.
    """
    text = text.strip()
    if not text:
        raise ValueError("Enter when the row was sent")
    moment = None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        for pattern in UK_FORMATS:
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"“{text}” is not a date and time; {TIMESTAMP_HELP}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _json_cell(name: str, text: str, kind: type) -> Any:
    what = "an object" if kind is dict else "a list"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise _RowError(
            {name: [f"is not valid JSON ({error.msg} at character {error.pos + 1})"]}
        ) from None
    if not isinstance(value, kind):
        raise _RowError({name: [f"must be {what} in JSON"]})
    return value


def _scores_cell(name: str, text: str) -> Any:
    """JSON `{"idea": 4}` as the original wrote it, or lines (or `;`-separated) of `idea: 4`."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        return _json_cell(name, text, dict)
    scores: dict[str, str] = {}
    for part in re.split(r"\s*(?:;|\n)\s*", text):
        if not part:
            continue
        idea, colon, score = part.rpartition(":")
        if not colon or not idea.strip():
            raise _RowError(
                {name: ['write a JSON object like {"Idea": 4}, or lines like “Idea: 4”']}
            )
        scores[idea.strip()] = score.strip()
    return scores


def _activities_cell(text: str) -> Any:
    """A JSON list as the original wrote it, or activities on lines of their own or after `; `."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return _json_cell("activities", text, list)
    return [part for part in re.split(r"\s*(?:;|\n)\s*", text) if part]


def payload_for(row: Row, tab: str, zone: ZoneInfo) -> tuple[dict[str, Any], dt.datetime]:
    """The payload the original site sent for this row, and when; raise _RowError."""
    errors: dict[str, list[str]] = {}
    if row.cells.get(""):
        errors[""] = [row.cells[""]]
    given_tab = row.cells.get("tab", "").strip()
    if given_tab and given_tab.casefold() != tab.casefold():
        errors["tab"] = [f"the row is from the “{given_tab}” tab, not {tab}"]
    submitted_at = None
    try:
        submitted_at = parse_timestamp(row.cells.get(TIMESTAMP, ""), zone)
    except ValueError as error:
        errors[TIMESTAMP] = [str(error)]
    payload: dict[str, Any] = {"tab": tab}
    for name in (*TEXT_FIELDS[tab], HONEYPOT_FIELD):
        payload[name] = row.cells.get(name, "")
    if tab == QUESTIONNAIRE_TAB:
        for name in ("rank_usefulness", "rank_likelihood"):
            try:
                payload[name] = _scores_cell(name, row.cells.get(name, ""))
            except _RowError as error:
                errors.update(error.errors)
        try:
            payload["activities"] = _activities_cell(row.cells.get("activities", ""))
        except _RowError as error:
            errors.update(error.errors)
    if errors or submitted_at is None:
        raise _RowError(errors)
    return payload, submitted_at


def row_token(slug: str, tab: str, row: Row, submitted_at: dt.datetime) -> str:
    """The same for the same row, whatever the column order, and however the time is written.

    Made from the consultation, the tab, the moment the row was sent, and the row's non-empty
    cells by column name (line endings folded): a column of empty cells added to a later
    export, or columns in another order, leave it unchanged.
    """
    cells = sorted(
        (name, value.replace("\r\n", "\n"))
        for name, value in row.cells.items()
        if name not in ("", "tab", TIMESTAMP) and value.strip()
    )
    canonical = json.dumps(
        [slug, tab, submitted_at.isoformat(), cells], ensure_ascii=False, separators=(",", ":")
    )
    # 7 + 56 characters: within the 64 that `submission_token` holds (224 bits of the hash).
    return TOKEN_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:56]


# Importing


def check_tab(consultation: Consultation, tab: str) -> None:
    """Raise SheetError if the consultation cannot take rows of this tab."""
    if tab == QUESTIONNAIRE_TAB and consultation.settings.questionnaire is None:
        raise SheetError(
            f"the consultation “{consultation.slug}” has no main questionnaire (`questionnaire:` "
            f"in consultation.yml), so {QUESTIONNAIRE_TAB} rows cannot be imported"
        )


def import_sheet(
    consultation: Consultation,
    sheet: Sheet,
    *,
    out: TextIO | None = None,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a sheet's rows into a consultation; each row's problems are written to `out`.

    `progress`: True shows a progress bar on `out`, None shows one when `out` is a terminal.
    """
    out = out if out is not None else sys.stderr
    check_tab(consultation, sheet.tab)
    report = ImportReport(rows=len(sheet.rows))
    zone = consultation.settings.zone()
    existing = set(
        Response.objects.filter(
            consultation=consultation.slug, submission_token__startswith=TOKEN_PREFIX
        ).values_list("submission_token", flat=True)
    )
    seen: set[str] = set()
    bar = tqdm(
        total=len(sheet.rows),
        unit="row",
        file=out,
        disable=None if progress is None else not progress,
        delay=PROGRESS_DELAY,
        dynamic_ncols=True,
    )

    def problem(line: int, errors: dict[str, list[str]]) -> None:
        report.skipped += 1
        for name, messages in errors.items():
            for message in messages:
                report.problems.append(RowProblem(line, name, message))
                where = f"{sheet.path}:{line}: "
                tqdm.write(f"{where}{name}: {message}" if name else where + message, file=out)

    with bar:
        for batch in _batches(sheet.rows, batch_size):
            ready: list[tuple[Row, Submission, str, dt.datetime]] = []
            for row in batch:
                try:
                    payload, submitted_at = payload_for(row, sheet.tab, zone)
                except _RowError as error:
                    problem(row.line, error.errors)
                    continue
                token = row_token(consultation.slug, sheet.tab, row, submitted_at)
                if token in seen:
                    report.repeated += 1
                    continue
                seen.add(token)
                if token in existing:
                    report.already_there += 1
                    continue
                try:
                    submission = submission_from_payload(
                        consultation, payload, channel=Response.Channel.IMPORT
                    )
                except PayloadError as error:
                    problem(row.line, error.errors)
                    continue
                ready.append((row, submission, token, submitted_at))
            _store(ready, report, problem)
            bar.update(len(batch))
    return report


def _batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _store(
    ready: list[tuple[Row, Submission, str, dt.datetime]],
    report: ImportReport,
    problem: Callable[[int, dict[str, list[str]]], None],
) -> None:
    """Store checked rows in one transaction; each row in a savepoint of its own."""
    if not ready:
        return
    with sqlite_write_lock(), transaction.atomic():
        for row, submission, token, submitted_at in ready:
            try:
                response, created = submission.store(token=token, submitted_at=submitted_at)
            except (DataError, IntegrityError) as error:
                # Rolled back to the row's savepoint: nothing of it is stored.
                problem(row.line, {"": [f"could not be stored: {error}"]})
                continue
            if not created:
                report.already_there += 1  # stored meanwhile by another import
            elif response.status == Response.Status.SPAM:
                report.spam += 1
            else:
                report.imported += 1
