"""A row's token is the same whatever writes its JSON: files imported before are still found."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from soundingboard.collect.row_import import _CANONICAL, _canonical, row_token

SCALARS = st.one_of(st.text(), st.integers(), st.none(), st.booleans(), st.floats(allow_nan=False))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=20,
)


@given(VALUES)
def test_the_quick_json_is_the_encoders_own(value):
    assert _canonical(value) == _CANONICAL.encode(value)


def test_a_rows_token_is_the_hash_of_its_json_as_before():
    parts = ("libraries", "Feedback", "2024-03-15T10:05:07+00:00", [("summary", "Café\n“ok”")])
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert row_token(*parts) == "import:" + hashlib.sha256(text.encode()).hexdigest()[:56]
