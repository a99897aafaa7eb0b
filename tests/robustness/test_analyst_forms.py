"""The analyst workspace's forms and addresses with random and hostile input: signing in and
the two-factor code, tags, notes and statuses on a response, the codebook, bulk tagging, and
the filters and search of the lists and exports.

Whatever is sent: never a server error, nothing unchecked stored (see `stored.garbage`), and
a refusal names what to change."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from soundingboard.accounts.models import Role
from soundingboard.analyse.models import Tag
from soundingboard.collect.storage import ContactDetails, store_response
from tests.accounts.test_accounts import PASSWORD, make_account, sign_in_verified

from .checks import assert_fields_named, assert_no_injected_markup
from .hostile import FORM, field_values, hostile_text, urlencoded
from .stored import garbage, rolled_back

# For the tests that send many requests for each example: half as many examples.
FEWER = settings(max_examples=max(10, settings.default.max_examples // 2))
FILTER_PARAMETERS = (
    *("from", "to", "from-day", "from-month", "from-year", "role", "group", "nature", "page"),
    *("kind", "status", "q", "tag", "sort", "p", "format", "personal", "hide_small", "n"),
)


@pytest.fixture
def workspace(example):
    """A stored response, a tag, and a signed-in administrator (who may open every page)."""
    response, _ = store_response(
        {
            "consultation": example.slug,
            "page_path": "proposals/opening-hours",
            "summary": "Open on Sundays",
            "role": example.settings.feedback.roles[0],
        },
        token=None,
        contact=ContactDetails("pat@example.org", ""),
    )
    analyst, device = make_account("hypothesis-analyst", Role.ADMIN, two_factor=True)
    client = Client()
    sign_in_verified(client, analyst, device)
    tag = Tag.objects.create(consultation=example.slug, name="Opening hours")
    return client, f"/-/analyse/{example.slug}", response.reference, tag


def _post(client: Client, url: str, pairs: list[tuple[str, str]]):
    return client.generic("POST", url, urlencoded(pairs), content_type=FORM)


@given(username=field_values("hypothesis-analyst"), password=field_values(PASSWORD))
def test_sign_in(example, workspace, username, password):
    with rolled_back():
        reply = _post(Client(), "/-/sign-in/", [("username", username), ("password", password)])
        assert reply.status_code in (200, 302), reply.status_code
        if reply.status_code == 200:
            assert_fields_named(reply, {"username": "", "password": ""})
            assert_no_injected_markup(reply)


@given(code=hostile_text)
def test_two_factor_code(example, code):
    with rolled_back():
        user, _device = make_account("two-factor-test", Role.ANALYST, two_factor=True)
        client = Client()
        client.force_login(user)
        reply = _post(client, "/-/sign-in/two-factor/", [("code", code)])
        assert reply.status_code == 200, reply.status_code
        assert_fields_named(reply, {"code": "code"})


@given(data=st.data())
@FEWER
def test_response_forms(example, workspace, data):
    with rolled_back():
        client, base, reference, tag = workspace
        page = f"{base}/responses/{reference}/"
        posts = [
            ("tags/", [("new_tag", data.draw(field_values("Costs")))]),
            ("tags/", [("tag", data.draw(field_values(str(tag.pk)))), ("action", "add")]),
            ("tags/", [("tag", data.draw(field_values(str(tag.pk)))), ("action", "remove")]),
            ("notes/", [("text", data.draw(field_values("Check the figures")))]),
            (
                "status/",
                [
                    ("status", data.draw(field_values("accepted", "hidden", "spam"))),
                    ("reason", data.draw(field_values("", "A duplicate"))),
                ],
            ),
        ]
        for path, pairs in posts:
            reply = _post(client, page + path, pairs)
            assert reply.status_code in (302, 400, 404), (path, reply.status_code)
            if reply.status_code == 400:
                assert_fields_named(
                    reply, {"new-tag": "tag", "note": "note", "status-accepted": ""}
                )
        assert not garbage(), garbage()


@given(data=st.data())
@FEWER
def test_codebook_forms(example, workspace, data):
    with rolled_back():
        client, base, reference, tag = workspace
        other = Tag.objects.create(consultation=example.slug, name=f"Other {Tag.objects.count()}")
        name = data.draw(field_values("Costs", "Staffing"))
        for url, pairs in (
            (f"{base}/codebook/new/", [("name", name)]),
            (f"{base}/codebook/{other.pk}/rename/", [("name", name)]),
            (
                f"{base}/codebook/{other.pk}/merge/",
                [("into", data.draw(field_values(str(tag.pk)))), ("confirm", "yes")],
            ),
            (
                f"{base}/responses/bulk/",
                [
                    ("action", data.draw(field_values("add", "remove", "add-all"))),
                    ("tag", data.draw(field_values(str(tag.pk)))),
                    ("response", data.draw(field_values(reference))),
                    ("query", data.draw(field_values("", "q=Sundays&status=all"))),
                ],
            ),
        ):
            reply = _post(client, url, pairs)
            assert reply.status_code in (200, 302, 400, 404), (url, reply.status_code)
            assert_no_injected_markup(reply)
        assert not garbage(), garbage()


@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(FILTER_PARAMETERS) | hostile_text, hostile_text), max_size=6
    )
)
@FEWER
def test_lists_and_exports_take_any_filter(example, workspace, pairs):
    with rolled_back():
        client, base, _reference, _tag = workspace
        query = urlencoded(pairs).decode()
        for page in ("", "responses/", "ideas/", "export/", "codebook/"):
            reply = client.get(f"{base}/{page}?{query}")
            assert reply.status_code in (200, 400), (page, reply.status_code)
            assert_no_injected_markup(reply)
        for address in ("/-/audit/", "/-/users/"):
            reply = client.get(f"{address}?{query}")
            assert reply.status_code in (200, 400), (address, reply.status_code)
        reply = _post(client, f"{base}/export/download/", pairs)
        assert reply.status_code in (200, 400), reply.status_code
        reply = _post(client, "/-/erasure/", [("email", query), *pairs])
        assert reply.status_code in (200, 400), reply.status_code
        if reply.status_code == 400:
            assert_fields_named(reply, {"email": "email"})


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\udc80", "%", "_", "\\"])
def test_every_filter_takes_text_no_database_stores(example, workspace, value):
    """NUL, which PostgreSQL refuses in any text it is sent, a lone surrogate (invalid
    UTF-8 on the wire), and the characters that LIKE patterns treat specially."""
    client, base, _reference, _tag = workspace
    pairs = [(name, value) for name in FILTER_PARAMETERS]
    for page in ("", "responses/", "ideas/", "export/", "codebook/"):
        reply = client.get(f"{base}/{page}?{urlencoded(pairs).decode()}")
        assert reply.status_code in (200, 400), (page, reply.status_code)
    reply = client.get(f"/-/audit/?{urlencoded([('user', value), ('action', value)]).decode()}")
    assert reply.status_code in (200, 400)
