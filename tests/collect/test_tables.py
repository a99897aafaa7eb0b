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
