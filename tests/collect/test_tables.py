"""`tables.Table.may_have`: whether a file may hold so many rows, from its lines, known
before it is read through (an import decides by it whether to check its rows in a second
process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soundingboard.collect import tables
from soundingboard.collect.tables import open_table


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_file_may_have_as_many_rows_as_it_has_lines(tmp_path: Path, end: str):
    path = tmp_path / "rows.csv"
    path.write_text(end.join(["page,summary", *[f"/,row {n}" for n in range(9)]]) + end)
    table = open_table(path)
    assert table.may_have(10)  # the header and nine rows: ten lines
    assert not table.may_have(12)
    assert table.count == 9
    assert table.may_have(9) and not table.may_have(10)  # the count, once known


def test_it_reads_only_as_far_as_it_needs(tmp_path: Path, monkeypatch):
    path = tmp_path / "long.csv"
    path.write_text("page,summary\n" + "/,a row of the file\n" * 200_000)  # about 4 MB
    read: list[int] = []
    real_open = Path.open

    def watched(self, *args, **kwargs):
        file = real_open(self, *args, **kwargs)
        if self == path and args[:1] == ("rb",):
            real_read = file.read
            file.read = lambda size=-1: read.append(size) or real_read(size)  # type: ignore[method-assign]
        return file

    table = open_table(path)
    monkeypatch.setattr(Path, "open", watched)
    assert table.may_have(10_000)
    assert len(read) == 1  # the first megabyte held 10,000 lines
    assert tables.open_table(path).may_have(200_001)


# Damaged or hostile workbooks


def workbook(path: Path) -> Path:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "S"
    sheet.append(["Response ID", "Submitted", "Summary"])
    sheet.append(["R1", dt.datetime(2024, 5, 14, 9, 30), "A fine summary"])
    sheet.append(["R2", "14/05/2024 09:31", "Another summary"])
    book.save(path)
    return path


def patched(path: Path, change) -> Path:
    """The workbook with its sheet's XML changed, as a damaged or made-up file would be."""
    import zipfile

    out = path.with_name("changed-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out


def rows_of(path: Path) -> list[list[str]]:
    """Every row read, or an error raised: never a wait of hours (a minute's alarm stops
    a regression hanging the test run)."""
    import signal

    def stop(*_: object) -> None:
        raise TimeoutError("still reading after a minute")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    try:
        return [row.cells for row in open_table(path).rows()]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_stray_cell_far_away_does_not_make_billions_of_empty_cells(tmp_path: Path):
    """A 6 KB workbook whose sheet says it reaches XFD1048576, with a cell there: openpyxl
    handed over every empty cell between (17 billion) when the sheet's size was trusted."""
    path = patched(
        workbook(tmp_path / "far.xlsx"),
        lambda xml: xml.replace(
            '<dimension ref="A1:C3"/>', '<dimension ref="A1:XFD1048576"/>'
        ).replace(
            "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            "</sheetData>",
        ),
    )
    rows = rows_of(path)
    assert rows[:2] == [
        ["R1", "2024-05-14 09:30:00", "A fine summary"],
        ["R2", "14/05/2024 09:31", "Another summary"],
    ]
    assert rows[-1][-1] == "x" and len(rows) == 3  # the blank rows between are skipped


@pytest.mark.parametrize("cell", ["A1", "A3"])  # in the header, and further on
def test_a_cell_that_cannot_be_read_is_named_with_its_row(tmp_path: Path, cell: str):
    import re

    def damaged(xml: str) -> str:
        changed = re.sub(
            rf'<c r="{cell}"( [^>]*)?>.*?</c>', f'<c r="{cell}" t="n"><v>abc</v></c>', xml
        )
        assert changed != xml
        return changed

    path = patched(workbook(tmp_path / "bad.xlsx"), damaged)
    row = cell[1:]
    with pytest.raises(tables.TableError, match=rf"sheet “S”, row {row}: cannot be read \("):
        rows_of(path)
