"""A row's token is the same as it always was: files imported before are still found."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from soundingboard.collect.row_import import parse_timestamp, row_token
from soundingboard.collect.sheet_import import Row, RowTokens
from soundingboard.collect.sheet_import import row_token as sheet_row_token


def test_a_rows_token_is_the_hash_of_its_json_as_before():
    parts = ("libraries", "Feedback", "2024-03-15T10:05:07+00:00", [("summary", "Café\n“ok”")])
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert row_token(*parts) == "import:" + hashlib.sha256(text.encode()).hexdigest()[:56]


text = st.text(st.characters(codec="utf-8"), max_size=30)
names = st.sets(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12), max_size=6)


@given(text, text, st.datetimes(timezones=st.just(dt.UTC)), names, st.data())
def test_a_sheets_tokens_written_piece_by_piece_are_the_json_ones(slug, tab, when, columns, data):
    """RowTokens, which writes the text without the encoder (each column's name once for the
    sheet), makes the tokens earlier versions stored: the JSON of the row's parts."""
    cell = st.sampled_from(["", "  ", "a\r\nb", "x\ry"]) | text
    cells = {name: data.draw(cell) for name in columns}
    row = Row(2, cells)
    pairs = [
        (name, value.replace("\r\n", "\n"))
        for name, value in sorted(cells.items())
        if name not in ("tab", "timestamp") and value.strip()  # spaces alone: left out
    ]
    # To the second (since 2026-12-08): a time to the millisecond in a spreadsheet's own file
    # and to the second in its CSV download is the same row; whole seconds are as before.
    expected = row_token(slug, tab, when.replace(microsecond=0).isoformat(), pairs)
    assert RowTokens(slug, tab, columns).token(row, when) == expected
    assert sheet_row_token(slug, tab, row, when) == expected


def test_a_sheet_rows_token_is_as_before():
    """A row's token as the version before 2026-12-07's fifth pass made it (its JSON)."""
    zone = ZoneInfo("Europe/London")
    row = Row(
        7,
        {
            "timestamp": "15/03/2024 09:05:07",
            "tab": "Feedback",
            "page": "https://example.github.io/x/",
            "summary": 'Café "quoted" \\ back\\slash\r\nline\ttab\x01',
            "details": "",
            "role": "Local authority",
            "": "",
        },
    )
    when = parse_timestamp(row.cells["timestamp"], zone)
    parts = [
        ("page", "https://example.github.io/x/"),
        ("role", "Local authority"),
        ("summary", 'Café "quoted" \\ back\\slash\nline\ttab\x01'),
    ]
    text = json.dumps(
        ["libraries", "Feedback", when.isoformat(), parts],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    expected = "import:" + hashlib.sha256(text.encode()).hexdigest()[:56]
    assert sheet_row_token("libraries", "Feedback", row, when) == expected
