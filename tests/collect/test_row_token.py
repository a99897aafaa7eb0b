"""A row's token is the same as it always was: files imported before are still found."""

from __future__ import annotations

import hashlib
import json

from soundingboard.collect.row_import import row_token


def test_a_rows_token_is_the_hash_of_its_json_as_before():
    parts = ("libraries", "Feedback", "2024-03-15T10:05:07+00:00", [("summary", "Café\n“ok”")])
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert row_token(*parts) == "import:" + hashlib.sha256(text.encode()).hexdigest()[:56]
