"""The respondents' forms with random and hostile input: page feedback, the main
questionnaire (its page, the check page, changing answers and details), and search.

Whatever is sent: never a server error; either the answers are stored, and pass the same
checks again, or nothing is stored and the page says which field is wrong."""

from __future__ import annotations

from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from soundingboard.collect.models import Response
from soundingboard.collect.respondent import COOKIE_NAME
from tests.live_server import hidden_fields

from .checks import assert_fields_named, assert_no_injected_markup, assert_nothing_unchecked_stored
from .hostile import FORM, content_types, hostile_text, spoilt_form, urlencoded
from .stored import rolled_back

FEEDBACK = "/-/feedback/proposals/opening-hours/"
QUESTIONNAIRE = "/-/questionnaire/"
# Words each field's messages must use, so that the person knows which answer to change.
ABOUT_YOU = {
    "nature": "kind of feedback",
    "role": "role",
    "organisation": "organisation",
    "email": "email",
}
FEEDBACK_FIELDS = {**ABOUT_YOU, "summary": "summary", "details": "details"}


def _sent(client: Client, url: str, pairs: list[tuple[str, str]], content_type: str = FORM):
    before = Response.objects.count()
    reply = client.generic("POST", url, urlencoded(pairs), content_type=content_type)
    return reply, Response.objects.count() - before


@given(data=st.data())
def test_page_feedback(example, data):
    with rolled_back():
        settings = example.settings.feedback
        client = Client()
        if data.draw(st.booleans(), label="remembered"):
            # Feedback given before in the visit: the form asks only about the page.
            first = {"about_you": "1", "summary": "An earlier point", "role": settings.roles[0]}
            first |= {"email": "pat@example.org"}
            assert client.post(FEEDBACK, first).status_code == 303
        hidden = hidden_fields(client.get(FEEDBACK).content.decode())
        page = example.page("proposals/opening-hours")
        pairs = spoilt_form(
            data,
            {
                "summary": ("Keep the Saturday hours", "Short"),
                "details": ("", "More about it"),
                "role": tuple(settings.roles),
                "nature": ("", *settings.natures),
                "organisation": ("", "Wrenbridge Trust"),
                "email": ("", "pat@example.org"),
                "section": ("", *(h.id for h in page.headings)),
                "token": (hidden["token"],),
                "hp_field": ("",),
                "about_you": ("1",),
            },
        )
        reply, stored = _sent(client, FEEDBACK, pairs)
        event(f"{reply.status_code}, {stored} stored")

        assert reply.status_code in (303, 400), reply.status_code
        if reply.status_code == 303:  # to the confirmation, which has the reference
            assert stored == 1 and "SB-" in reply["Location"]
        else:
            assert stored == 0
            assert_fields_named(reply, FEEDBACK_FIELDS)
        assert_no_injected_markup(reply)
        assert_nothing_unchecked_stored(example)


@given(data=st.data())
def test_questionnaire(example, data):
    """One step of the questionnaire, with any answers and any of its buttons: continue to
    the check page, send, change the answers or the details."""
    with rolled_back():
        questionnaire = example.settings.questionnaire
        settings = example.settings.feedback
        client = Client()
        hidden = hidden_fields(client.get(QUESTIONNAIRE).content.decode())
        labels = {**ABOUT_YOU, "comments": "comments"}
        good: dict[str, tuple[str, ...]] = {
            "nature": ("", *settings.natures),
            "comments": ("", "A comment"),
            "role": tuple(settings.roles),
            "organisation": ("", "Wrenbridge Trust"),
            "email": ("", "pat@example.org"),
            "token": (hidden["token"],),
            "hp_field": ("",),
            "about_you": ("1",),
            "action": ("check", "send", "send", "change", "change-details"),
        }
        for number, idea in enumerate(questionnaire.ideas, start=1):
            for measure in ("usefulness", "likelihood"):
                labels[f"{measure}-{number}"] = measure
                good[f"{measure}-{number}"] = ("", "1", "3", "5")
            labels[f"activities-{number}"] = "activities"
            if idea.activities:
                good[f"activities-{number}"] = tuple(idea.activities)
        pairs = spoilt_form(data, good)
        reply, stored = _sent(client, QUESTIONNAIRE, pairs)
        action = dict(pairs).get("action")
        event(
            f"{reply.status_code}, {stored} stored, {action if action in good['action'] else '?'}"
        )

        assert reply.status_code in (200, 303, 400), reply.status_code
        if reply.status_code == 400:
            assert stored == 0
            assert_fields_named(reply, labels)
        else:
            assert stored in (0, 1)
        assert_no_injected_markup(reply)
        assert_nothing_unchecked_stored(example)


@given(body=st.binary(max_size=3000), content_type=content_types)
def test_forms_take_any_body(example, body, content_type):
    """Bytes that are not a form at all, or a form in another encoding than it says."""
    with rolled_back():
        for url in (FEEDBACK, QUESTIONNAIRE):
            before = Response.objects.count()
            reply = Client().generic("POST", url, body, content_type=content_type)
            assert reply.status_code in (200, 303, 400), (url, reply.status_code)
            assert Response.objects.count() - before in (0, 1)
        assert_nothing_unchecked_stored(example)


@given(query=hostile_text, cookie=hostile_text, section=hostile_text)
def test_pages_take_any_address_and_cookie(example, query, cookie, section):
    """Search, the forms shown again ("change your details"), and a respondent cookie that
    was tampered with."""
    with rolled_back():
        client = Client()
        client.cookies[COOKIE_NAME] = cookie.encode("utf-8", "surrogatepass").decode("latin-1")
        addresses = [
            "/-/search/?" + urlencoded([("q", query)]).decode(),
            f"{FEEDBACK}?" + urlencoded([("section", section), ("change-details", "")]).decode(),
            f"{QUESTIONNAIRE}?change-details&" + urlencoded([("x", query)]).decode(),
        ]
        for address in addresses:
            reply = client.get(address)
            assert reply.status_code == 200, (address, reply.status_code)
            assert_no_injected_markup(reply)
