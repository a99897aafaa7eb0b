"""A row's token is the same as it always was: files imported before are still found."""

from __future__ import annotations

import hashlib
import json
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from soundingboard.collect.row_import import cells_token, parse_timestamp, row_token
from soundingboard.collect.sheet_import import Row
from soundingboard.collect.sheet_import import row_token as sheet_row_token


def test_a_rows_token_is_the_hash_of_its_json_as_before():
    parts = ("libraries", "Feedback", "2024-03-15T10:05:07+00:00", [("summary", "Café\n“ok”")])
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert row_token(*parts) == "import:" + hashlib.sha256(text.encode()).hexdigest()[:56]


text = st.text(st.characters(codec="utf-8"), max_size=30)


@given(
    text,
    text,
    text,
    st.lists(st.tuples(text, text), max_size=6),
)
def test_a_rows_token_made_from_its_cells_is_the_same_as_from_json(slug, tab, moment, pairs):
    """sheet_import's tokens, made without the encoder, are the tokens earlier versions stored."""
    assert cells_token(slug, tab, moment, pairs) == row_token(slug, tab, moment, pairs)


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
