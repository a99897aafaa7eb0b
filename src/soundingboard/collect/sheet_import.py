"""Importing the original site's spreadsheet, one tab at a time, exported as CSV.

The original site's serverless function appended each payload it was sent as a row of a
spreadsheet: the tab "Feedback" for feedback on a page, "MainFeedback" for the main
questionnaire, with a timestamp. Each row becomes the payload it was made from, which
`row_import.import_rows` checks as the intake API checks one and stores with the time it
was sent (bad rows are reported with their line and skipped; see there).

- A file that cannot be read at all (not UTF-8, not CSV, a required column missing) raises
  `SheetError` before anything is stored: `read_sheet` for its start and header, the import
  for the rest (it reads the file through first, `tables.Table.count`).
- Each row gets a token made from the consultation, the tab and what the row says, so a row
  imported before is found and not stored again: running the import twice adds nothing, and
  a row repeated within the file is stored once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from ..publish.consultation import Consultation
from .forms import QUOTE_ANSWERS, _option_key
from .payloads import PAGE_FEEDBACK_TAB, QUESTIONNAIRE_TAB, TEXT_FIELDS
from .row_import import (
    TOKEN_PREFIX,
    ImportReport,
    RowFault,
    RowPayload,
    RowProblem,
    import_rows,
    json_text,
    parse_timestamp,
    token_moment,
    token_of,
)
from .spam import HONEYPOT_FIELD
from .tables import Table, TableError, open_table

__all__ = ["TOKEN_PREFIX", "ImportReport", "RowProblem", "SheetError", "parse_timestamp"]

TABS = (PAGE_FEEDBACK_TAB, QUESTIONNAIRE_TAB)
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

SheetError = TableError  # a file that cannot be imported at all; the message says why


@dataclass(frozen=True)
class Row:
    line: int  # the line of the file the row starts on; the header is line 1
    cells: dict[str, str]  # canonical column name -> cell, for the columns the tab knows


@dataclass
class Sheet:
    table: Table
    tab: str
    columns: dict[int, str]  # position in the header -> canonical name
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.table.path

    def rows(self) -> Iterator[Row]:
        """The rows, read from the file as they go, with the cells the tab knows."""
        table = self.table
        columns = list(self.columns.items())
        for row in table.rows():
            cells = row.cells
            count = len(cells)
            named = {name: cells[i] if i < count else "" for i, name in columns}
            if overflow := table.overflow(cells):
                named[""] = overflow
            yield Row(row.number, named)


# Reading the file


def read_sheet(path: Path, tab: str) -> Sheet:
    """Check a CSV export of one tab from its start and header; raise SheetError if it cannot
    be imported at all. (What cannot be read further on, the import finds and refuses before
    it stores anything.)"""
    if tab not in TABS:
        raise SheetError(f'the tab must be "{PAGE_FEEDBACK_TAB}" or "{QUESTIONNAIRE_TAB}"')
    table = open_table(path)
    if table.sheet:
        raise SheetError(f"{path}: export the tab as CSV; for a workbook use soundingboard import")
    columns = _columns(path, tab, table.header, table.header_number)
    sheet = Sheet(table, tab, columns)
    sheet.warnings.extend(_ignored_columns(path, tab, table.header, columns))
    return sheet


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


class CellError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


def json_cell(name: str, text: str, kind: type) -> Any:
    what = "an object" if kind is dict else "a list"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise CellError(
            {name: [f"is not valid JSON ({error.msg} at character {error.pos + 1})"]}
        ) from None
    if not isinstance(value, kind):
        raise CellError({name: [f"must be {what} in JSON"]})
    return value


def scores_cell(name: str, text: str) -> Any:
    """JSON `{"idea": 4}` as the original wrote it, or lines (or `;`-separated) of `idea: 4`."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        return json_cell(name, text, dict)
    scores: dict[str, str] = {}
    for part in re.split(r"\s*(?:;|\n)\s*", text):
        if not part:
            continue
        idea, colon, score = part.rpartition(":")
        if not colon or not idea.strip():
            raise CellError(
                {name: ['write a JSON object like {"Idea": 4}, or lines like “Idea: 4”']}
            )
        scores[idea.strip()] = score.strip()
    return scores


def activities_cell(text: str) -> Any:
    """A JSON list as the original wrote it, or activities on lines of their own or after `; `."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json_cell("activities", text, list)
    return [part for part in re.split(r"\s*(?:;|\n)\s*", text) if part]


def payload_for(row: Row, tab: str, zone: ZoneInfo) -> tuple[dict[str, Any], dt.datetime]:
    """The payload the original site sent for this row, and when; raise CellError."""
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
    if quote := payload.get("may_quote"):
        # A sheet kept by hand says "Yes" or "NO": the intake API's "yes" and "no" (as a
        # mapped import reads them, `mapped_import._option`).
        answer = _option_key(quote)
        payload["may_quote"] = answer if answer in QUOTE_ANSWERS else quote
    if tab == QUESTIONNAIRE_TAB:
        for name in ("rank_usefulness", "rank_likelihood"):
            try:
                payload[name] = scores_cell(name, row.cells.get(name, ""))
            except CellError as error:
                errors.update(error.errors)
        try:
            payload["activities"] = activities_cell(row.cells.get("activities", ""))
        except CellError as error:
            errors.update(error.errors)
    if errors or submitted_at is None:
        raise CellError(errors)
    return payload, submitted_at


def row_token(slug: str, tab: str, row: Row, submitted_at: dt.datetime) -> str:
    """The same for the same row, whatever the column order, and however the time is written.

    Made from the consultation, the tab, the moment the row was sent, and the row's non-empty
    cells by column name (line endings folded): a column of empty cells added to a later
    export, or columns in another order, leave it unchanged. It is
    `row_import.row_token(slug, tab, moment, pairs)`, the pairs sorted by name.
    """
    return RowTokens(slug, tab, row.cells).token(row, submitted_at)


class RowTokens:
    """`row_token` for the rows of one sheet, with what they all share (the consultation, the
    tab, the columns' names in order) written once: the same text the JSON encoder writes,
    at half the cost a row (tests/collect/test_row_token.py)."""

    def __init__(self, slug: str, tab: str, names: Iterable[str]):
        self.start = f"[{json_text(slug)},{json_text(tab)},"
        # Sorted by name (the names are unique, so as sorting the pairs would).
        self.columns = [
            (name, f"[{json_text(name)},") for name in sorted(set(names) - _NOT_IN_TOKEN)
        ]

    def token(self, row: Row, submitted_at: dt.datetime) -> str:
        get = row.cells.get
        parts = []
        for name, start in self.columns:
            value = get(name)
            # A cell of spaces alone is left out, as an empty one.
            if value and not value.isspace():
                if "\r" in value:
                    value = value.replace("\r\n", "\n")
                parts.append(start + json_text(value) + "]")
        moment = json_text(token_moment(submitted_at))
        return token_of(self.start + moment + ",[" + ",".join(parts) + "]]")


_NOT_IN_TOKEN = frozenset(("", "tab", TIMESTAMP))


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
    batch_size: int | None = None,
) -> ImportReport:
    """Import a sheet's rows into a consultation; each row's problems are written to `out`.

    `progress`: True shows a progress bar on `out`, None shows one when `out` is a terminal.
    """
    check_tab(consultation, sheet.tab)
    return import_rows(
        consultation,
        sheet.table,
        _payloads(consultation, sheet),
        out=out,
        progress=progress,
        batch_size=batch_size,
    )


def _payloads(consultation: Consultation, sheet: Sheet) -> Iterator[RowPayload | RowFault]:
    zone = consultation.settings.zone()
    tokens = RowTokens(consultation.slug, sheet.tab, sheet.columns.values())
    for row in sheet.rows():
        try:
            payload, submitted_at = payload_for(row, sheet.tab, zone)
        except CellError as error:
            yield RowFault(row.line, error.errors)
            continue
        token = tokens.token(row, submitted_at)
        yield RowPayload(row.line, payload, submitted_at, token)
