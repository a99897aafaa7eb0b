"""Reading a table of responses from a CSV or XLSX file, a row at a time.

Both imports (`sheet_import`, `mapped_import`) read their files here. A file is opened with
`open_table()`, which checks its start and reads its header (for XLSX: a workbook with that
sheet). `Table.count` reads a CSV file through once, on first use, to check that all of it can
be read (UTF-8 text, valid CSV) and to count its rows: an import asks for it before it stores
anything, so a file that cannot be imported is refused whole, and the progress bar knows the
total. (An import of a large file reads it through while its second process already checks
the first rows: `row_import.import_rows`.) `Table.rows()` reads it again, streaming: memory
stays flat however long the file is.

Each row carries its number: for CSV the line of the file the row starts on (a cell may hold
line breaks), for XLSX the sheet's row number. `Table.where(number)` says where a row is, as
messages name it: `responses.csv:12` or `responses.xlsx, sheet “Sheet1”, row 12`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

XLSX_SUFFIXES = (".xlsx", ".xlsm")  # anything else is read as CSV
# The longest cell a CSV file may hold. Python's CSV reader stops at 131,072 characters by
# default, which refused a whole file for one long answer; a cell up to this length is read,
# and its row then checked (a field's own limit skips that row alone, with its line). The
# limit stays: an unclosed quote would otherwise read the rest of a file into one cell.
MAX_CELL_CHARACTERS = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARACTERS))


class TableError(Exception):
    """A file that cannot be imported at all; the message says why and where."""


class Unreadable(TableError):
    """Part of a file cannot be read, found as it is read through before anything is stored
    (`Table.count`): refused whole."""


@dataclass(frozen=True)
class TableRow:
    number: int  # CSV: the line the row starts on (the first line is 1); XLSX: the row
    cells: list[str]


@dataclass
class Table:
    path: Path
    header: list[str]
    header_number: int
    # Rows after the header that are not blank: for CSV, None until `count` reads the file.
    known_count: int | None = None
    sheet: str = ""  # XLSX: the sheet read; "" for CSV
    delimiter: str = ","
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """The rows after the header that are not blank. For CSV, the first use reads the file
        through and raises `Unreadable`, naming the line, if any of it cannot be read."""
        if self.known_count is None:
            try:
                self.known_count = _csv_count(self.path, self.delimiter, self.header_number)
            except TableError as error:
                raise Unreadable(str(error)) from None
        return self.known_count

    def may_have(self, rows: int) -> bool:
        """Whether the table may have `rows` rows or more, known before `count` is: for CSV,
        whether the file has that many lines (a row takes one or more), counted without
        decoding or parsing them and only as far as needed."""
        if self.known_count is not None:
            return self.known_count >= rows
        return _has_lines(self.path, rows)

    def overflow(self, cells: list[str]) -> str | None:
        """What is wrong with a row that has cells beyond the header's columns, or None: such a
        row is not what it seems (a cell split in two, or the cells shifted)."""
        width = len(self.header)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            return f"{len(cells)} cells, but the header has {width} columns"
        return None

    def where(self, number: int | None = None) -> str:
        """Where a row (or the header, with no number) is, as messages say it."""
        number = self.header_number if number is None else number
        if self.sheet:
            return f"{self.path}, sheet “{self.sheet}”, row {number}"
        return f"{self.path}:{number}"

    def rows(self) -> Iterator[TableRow]:
        """The rows after the header that are not blank, read from the file as they go."""
        reader = _xlsx_rows(self.path, self.sheet) if self.sheet else self._csv_rows()
        after = self.header_number
        for row in reader:
            if row.number > after and "".join(row.cells).strip():
                yield row

    def _csv_rows(self) -> Iterator[TableRow]:
        return _quick_csv_rows(self.path, self.delimiter)


def open_table(path: Path, sheet: str | None = None) -> Table:
    """Check a CSV or XLSX file and read its header; raise TableError if it cannot be read.

    `sheet` names an XLSX file's sheet (the first when None); CSV files have none."""
    try:
        with path.open("rb") as file:
            start = file.read(4096)
    except FileNotFoundError:
        raise TableError(f"{path}: no such file") from None
    except OSError as error:
        raise TableError(f"{path}: cannot be read: {error.strerror or error}") from None
    if path.suffix.casefold() in XLSX_SUFFIXES:
        return _open_xlsx(path, sheet)
    if sheet:
        raise TableError(f"{path}: is a CSV file, which has no sheets; leave out the sheet")
    return _open_csv(path, start)


# CSV


def _open_csv(path: Path, start: bytes) -> Table:
    if not start.strip():
        raise TableError(f"{path}: is empty; export the table with its header row")
    delimiter = _delimiter(start.decode("utf-8-sig", errors="replace"))
    # The first row that is not blank (blank lines may come before the header), read as
    # `_quick_csv_rows` reads, which names the line at fault should the file's start not be
    # UTF-8 or valid CSV.
    with closing(_quick_csv_rows(path, delimiter)) as rows:
        for row in rows:
            if "".join(row.cells).strip():
                return Table(path, row.cells, row.number, delimiter=delimiter)
    raise TableError(f"{path}: has no header row; export the table with its header")


def _csv_count(path: Path, delimiter: str, header_number: int) -> int:
    """The rows after the header that are not blank, reading the whole file: by Python's own
    text file and CSV reader when the bytes are sound (nearly always); the slower reader line
    by line finds and names the line at fault otherwise."""
    rows = _quick_csv_rows(path, delimiter) if _plain_utf8(path) else _csv_rows(path, delimiter)
    return sum(1 for row in rows if row.number > header_number and "".join(row.cells).strip())


def _has_lines(path: Path, lines: int) -> bool:
    """Whether the file has at least `lines` lines: its line feeds, or its carriage returns
    if more (old Mac files), plus one, read a megabyte at a time until there are enough."""
    feeds = returns = 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            feeds += chunk.count(b"\n")
            returns += chunk.count(b"\r")
            if max(feeds, returns) + 1 >= lines:
                return True
    return max(feeds, returns) + 1 >= lines


def _delimiter(text: str) -> str:
    """Commas, unless the header row is clearly separated by semicolons or tabs."""
    first = (text.splitlines() or [""])[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


# A carriage return not followed by a line feed: a line's end in a file with old Mac line
# endings, where the file's own lines (split at line feeds only) would be the whole file.
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class _Lines:
    """A file's lines as text, decoded one at a time, counting where each starts. A line ends
    with a line feed, CR LF, or a carriage return alone (old Mac files), as Python's
    universal newlines read them."""

    def __init__(self, path: Path, file: Any):
        self.path, self.file = path, file
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for read in self.file:
            # Split only where a carriage return is not the line's own end (CR LF, or the
            # last line's CR): rarely, so most lines cost no regular expression.
            end = len(read) - (2 if read.endswith(b"\r\n") else 1)
            for raw in _LONE_CR.split(read) if read.find(b"\r", 0, end) >= 0 else (read,):
                if raw:
                    yield self._decoded(raw)

    def _decoded(self, raw: bytes) -> str:
        self.number += 1
        try:
            text = self.decoder.decode(raw)
        except UnicodeDecodeError:
            raise TableError(
                f"{self.path}:{self.number}: is not UTF-8 text; export the table as CSV "
                "(in Excel: “CSV UTF-8”), or give the .xlsx file itself"
            ) from None
        if "\x00" in text:
            raise TableError(f"{self.path}:{self.number}: holds binary data; export as CSV")
        return text


def _plain_utf8(path: Path) -> bool:
    """True when the file is UTF-8 text without null characters, checked a megabyte at a
    time (what `_Lines` checks line by line, to say which line is at fault)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _quick_csv_rows(path: Path, delimiter: str) -> Generator[TableRow]:
    """The rows of a file `_plain_utf8` passed, numbered as `_csv_rows` numbers them: a text
    file opened with `newline=""` ends its lines where `_Lines` does, and the CSV reader
    counts the lines it has read. Anything wrong is handed to `_csv_rows` to say where."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, delimiter=delimiter, strict=True)
            start = 1
            for cells in reader:
                yield TableRow(start, cells)
                start = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError):
        for _ in _csv_rows(path, delimiter):
            pass  # raises TableError, naming the line
        raise TableError(f"{path}: changed while it was being read; import it again") from None


def _csv_rows(path: Path, delimiter: str) -> Generator[TableRow]:
    with path.open("rb") as file:
        lines = _Lines(path, file)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        start = 1
        try:
            for cells in reader:
                yield TableRow(start, cells)
                start = lines.number + 1
        except csv.Error as error:
            reason = next(
                (said for start_of, said in _CSV_REASONS if str(error).startswith(start_of)),
                str(error),
            )
            raise TableError(f"{path}:{start}: is not valid CSV: {reason}") from None


# Python's CSV reader's words for the mistakes people make, in plain words with the fix.
_CSV_REASONS = (
    (
        "field larger than field limit",
        f"a cell is longer than {MAX_CELL_CHARACTERS:,} characters, more than any answer may "
        'hold; check that every quote (") that opens a cell closes it, or shorten the cell',
    ),
    (
        "unexpected end of data",
        'a quote (") opens a cell that is never closed; close it, or double a quote that is '
        'part of the text ("")',
    ),
    (
        "'",  # "',' expected after '\"'": text after the quote that closed a cell
        'a cell goes on after the quote (") that closed it; put the whole cell in quotes and '
        'double each quote inside it ("")',
    ),
)


# XLSX


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl  # type: ignore[import-untyped]  # no types of its own (only XLSX reads it)

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise TableError(
            f"{path}: is not an XLSX workbook that can be read ({error}); save it again from "
            "the spreadsheet program as .xlsx, or export the sheet as CSV"
        ) from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            raise TableError(
                f"{path}: has no sheet “{sheet}”; its sheets are "
                + ", ".join(f"“{name}”" for name in names)
            )
        worksheet = workbook[sheet]
        header: list[str] | None = None
        header_number = 0
        total = worksheet.max_row or 0
        for row in _sheet_rows(path, sheet, worksheet):
            if any(cell.strip() for cell in row.cells):
                header, header_number = row.cells, row.number
                break
    finally:
        workbook.close()
    if header is None:
        raise TableError(f"{path}, sheet “{sheet}”: is empty; it needs a header row")
    # The sheet's own size, from its dimensions: blank rows at the end count too, so it is
    # only what the progress bar shows.
    return Table(path, header, header_number, max(total - header_number, 0), sheet=sheet)


def _xlsx_rows(path: Path, sheet: str) -> Iterator[TableRow]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield from _sheet_rows(path, sheet, workbook[sheet])
    finally:
        workbook.close()


def _sheet_rows(path: Path, sheet: str, worksheet: Any) -> Iterator[TableRow]:
    """A read-only sheet's rows, numbered as the sheet numbers them. The size the sheet says
    it has is not trusted: one stray cell far away (XFD1048576) made openpyxl hand over
    every empty cell between, billions of them. A cell openpyxl cannot read (a number cell
    holding letters, say) raises TableError naming its row."""
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as error:  # openpyxl raises many kinds for a damaged sheet
            raise TableError(
                f"{path}, sheet “{sheet}”, row {number + 1}: cannot be read ({error}); save "
                "the workbook again from the spreadsheet program, or export the sheet as CSV"
            ) from None
        if values is None:
            return
        number += 1
        yield TableRow(number, [_cell_text(value) for value in values])


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV export of it would hold: times in ISO 8601, whole numbers
    without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)
