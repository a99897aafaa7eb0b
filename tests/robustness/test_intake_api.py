"""The intake API with random and hostile bodies: any bytes under any content type and
charset, JSON of every shape (nested, odd types, lone surrogates, huge), and payloads in the
original site's shape with hostile values.

Whatever is sent: never a server error; a JSON answer; either stored (201), and passing the
same checks again, or refused with messages keyed by the payload's own field names."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from soundingboard.collect.api import MAX_BODY_BYTES
from soundingboard.collect.models import Response

from .checks import assert_nothing_unchecked_stored
from .hostile import field_values, hostile_text
from .stored import rolled_back

URL = "/-/api/intake"
JSON = "application/json"
PAGE_FIELDS = ("tab", "page", "summary", "details", "role", "org", "email", "nature", "hp_field")
QUESTIONNAIRE_FIELDS = (
    *("tab", "page", "role", "org", "email", "section", "nature", "comments", "hp_field"),
    *("rank_usefulness", "rank_likelihood", "activities"),
)
# Any JSON value, with hostile text for strings and keys.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def post(body: bytes, content_type: str = JSON, **headers: str):
    before = Response.objects.count()
    reply = Client().generic("POST", URL, body, content_type=content_type, **headers)
    return reply, Response.objects.count() - before


def encoded(value: object, ascii_only: bool) -> bytes:
    """JSON text as a client would send it: \\u escapes, or UTF-8 (where a lone surrogate
    becomes bytes that are not UTF-8)."""
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=False)
    return text.encode("utf-8", "surrogatepass")


def assert_answered(reply, stored: int, sent: object) -> None:
    assert reply.status_code in (201, 400, 413, 415), reply.status_code
    assert reply["Content-Type"] == JSON
    answer = json.loads(reply.content)
    if reply.status_code == 201:
        assert stored == 1 and answer["reference"].startswith("SB-")
        return
    assert stored == 0
    errors = answer["errors"]
    assert errors, answer
    for field, messages in errors.items():
        assert isinstance(field, str) and messages and all(isinstance(m, str) for m in messages)
        # A message about a field is keyed by a field that was sent, or that is required.
        if field and isinstance(sent, dict):
            assert field in sent or field in ("tab", "summary", "role"), (field, sent)


@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            JSON,
            f"{JSON}; charset=utf-8",
            f"{JSON}; charset=latin-1",
            f"{JSON}; charset=nope",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "",
        ]
    ),
)
def test_any_bytes(example, body, content_type):
    with rolled_back():
        reply, stored = post(body, content_type)
        assert_answered(reply, stored, None)
        assert_nothing_unchecked_stored(example)


@given(value=json_values, ascii_only=st.booleans())
def test_any_json(example, value, ascii_only):
    with rolled_back():
        reply, stored = post(encoded(value, ascii_only))
        assert_answered(reply, stored, value)
        assert_nothing_unchecked_stored(example)


@given(data=st.data(), ascii_only=st.booleans())
def test_hostile_payloads(example, data, ascii_only):
    """Payloads in the original site's shape: some fields good, some hostile, some of
    another JSON type, some left out, and keys it never sent."""
    with rolled_back():
        settings = example.settings.feedback
        questionnaire = example.settings.questionnaire
        tabs = st.sampled_from(["Feedback", "MainFeedback"])
        tab = data.draw(st.one_of(tabs, tabs, tabs, field_values("Feedback")), label="tab")
        ideas = [i.name for i in questionnaire.ideas]
        ticks = [f"{i.name}: {a}" for i in questionnaire.ideas for a in i.activities]
        good: dict[str, tuple[str, ...]] = {
            "page": ("", "https://example.org/paper/proposals/opening-hours/#sundays", "/x/y/"),
            "summary": ("Keep the Saturday hours",),
            "details": ("", "More about it"),
            "role": tuple(settings.roles),
            "nature": ("", *settings.natures),
            "org": ("", "Wrenbridge Trust"),
            "email": ("", "pat@example.org"),
            "section": ("", "Sundays"),
            "comments": ("", "A comment"),
            "hp_field": ("",),
        }
        # Lists and objects: good, or with hostile items, names or scores.
        scores = st.dictionaries(
            st.one_of(st.sampled_from(ideas), st.sampled_from(ideas), field_values(*ideas)),
            st.integers(1, 5) | st.sampled_from([0, 6, -1, 2.5, "3", " 4 ", True, None, "x"]),
            max_size=3,
        )
        composite = {
            "activities": st.lists(
                st.one_of(st.sampled_from(ticks), st.sampled_from(ticks), field_values(*ticks)),
                max_size=4,
            ),
            "rank_usefulness": scores,
            "rank_likelihood": scores,
        }
        names = PAGE_FIELDS if tab == "Feedback" else QUESTIONNAIRE_FIELDS
        payload: dict[str, object] = {"tab": tab}
        spoilt = data.draw(st.sets(st.sampled_from(names[1:]), max_size=3), label="spoilt")
        for name in names[1:]:
            if name in composite:
                value = composite[name]
            elif name not in spoilt:
                value = st.sampled_from(good[name])
            else:
                value = field_values(*good[name]) | json_values
            payload[name] = data.draw(value, label=name)
        payload |= data.draw(st.dictionaries(hostile_text, json_values, max_size=2), label="extra")
        reply, stored = post(encoded(payload, ascii_only))
        event(f"{reply.status_code} {sorted(json.loads(reply.content).get('errors', {}))!a}")
        assert_answered(reply, stored, payload)
        assert_nothing_unchecked_stored(example)


@given(size=st.integers(MAX_BODY_BYTES - 100, MAX_BODY_BYTES * 4), depth=st.integers(1, 50_000))
def test_huge_and_deep_bodies(example, size, depth):
    """Bodies at and over the size limit, and nesting deeper than any parser's stack."""
    with rolled_back():
        summary = "x" * max(0, size - 100)
        reply, stored = post(encoded({"tab": "Feedback", "summary": summary, "role": "x"}, True))
        assert_answered(reply, stored, None)
        deep = ("[" * depth + "]" * depth).encode()
        reply, stored = post(deep[: MAX_BODY_BYTES + 10])
        assert_answered(reply, stored, None)


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x8c", "\ud800"])
def test_text_kept_as_sent_is_checked_text_too(example, bad):
    """What the API keeps as sent (a page address that matches no page, a section's name,
    an activity or idea it cannot match) is cleaned of control characters, as the forms'
    fields are, rather than stored or refused by the database."""
    with rolled_back():
        payload = {
            "tab": "MainFeedback",
            "role": example.settings.feedback.roles[0],
            "page": f"https://elsewhere.example/paper/{bad}nowhere/",
            "section": f"A {bad}section",
            "activities": [f"Something {bad}else"],
            "rank_usefulness": {f"An idea {bad}of mine": 3},
        }
        reply, stored = post(encoded(payload, ascii_only=True))
        assert_answered(reply, stored, payload)
        if "\ud800" not in bad:
            assert reply.status_code == 201
        assert_nothing_unchecked_stored(example)
