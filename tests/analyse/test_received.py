"""Entering a response received by email or on paper: the form, what is stored (channel,
time received, who entered it in the audit log), the export's channel column, and who may."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.analyse.exports import Export
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_NATURES
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import IDEAS, SLUG

pytestmark = pytest.mark.django_db

ROLE = "Local authority data professional"


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


def signed_in(client, role: str):
    sign_in_verified(client, *make_account(f"user-{role}", role, two_factor=True))
    return client


def address() -> str:
    return reverse("analyse:responses-enter", args=[SLUG])


def valid(**more: str) -> dict[str, str]:
    return {
        "token": "a-token-of-the-page-0123456789",
        "channel": "paper",
        "received": "27/3/2024",
        "page": "models/",
        "summary": "Letter asking for longer funding",
        "details": "Handwritten, two pages.",
        "role": ROLE,
        **more,
    }


def test_the_form_is_reached_from_the_responses_list(client, served):
    analyst = signed_in(client, Role.ANALYST)
    listed = analyst.get(reverse("analyse:responses", args=[SLUG]))
    listing = BeautifulSoup(listed.content, "html.parser")
    assert listing.find("a", href=address()).get_text() == (
        "Enter a response received by email or on paper"
    )
    page = BeautifulSoup(analyst.get(address()).content, "html.parser")
    assert page.h1.get_text() == "Enter a response received by email or on paper"
    assert {i["value"] for i in page.select("input[name=channel]")} == {"paper", "email"}
    assert {i["value"] for i in page.select("input[name=page]")} >= {"/", "models/"}
    assert page.select_one("input[name=token]")["value"]


def test_a_valid_entry_is_stored_with_its_channel_and_who_entered_it(client, served):
    analyst = signed_in(client, Role.ANALYST)
    sent = analyst.post(address(), valid())
    response = Response.objects.get(summary="Letter asking for longer funding")
    assert sent.status_code == 302
    assert sent["Location"] == reverse("analyse:response", args=[SLUG, response.reference])
    assert (response.channel, response.kind, response.page_path, response.role) == (
        "paper",
        "page",
        "models/",
        ROLE,
    )
    assert response.status == "accepted"
    # A date alone is midday there: the same day in UTC, as exports write it.
    assert response.submitted_at == dt.datetime(2024, 3, 27, 12, 0, tzinfo=dt.UTC)  # GMT then
    [event] = AuditEvent.objects.filter(action="response-entered")
    assert (event.username, event.consultation) == ("user-analyst", SLUG)
    # Received on a day, not sent at a time: no made-up 00:00 (or 12:00) on its page.
    soup = BeautifulSoup(analyst.get(sent["Location"]).content, "html.parser")
    assert soup.find("dt", string="Received").find_next("dd").get_text(strip=True) == (
        "27 March 2024"
    )
    # Who entered it, for analysts and readers alike (the audit log is for admins).
    entered = soup.find("dt", string="Entered by").find_next("dd").get_text(strip=True)
    assert entered.startswith("user-analyst,")
    assert event.detail == {"reference": response.reference, "channel": "paper"}
    # The same page sent again (a double click) stores nothing more.
    again = analyst.post(address(), valid())
    assert again["Location"] == sent["Location"]
    assert Response.objects.filter(summary__startswith="Letter").count() == 1
    assert AuditEvent.objects.filter(action="response-entered").count() == 1
    # Sent again with a correction (Back, a change, Save): still one response, and said so;
    # the correction was dropped without a word before.
    corrected = analyst.post(
        address(), valid(summary="Letter asking for longer funding (corrected)"), follow=True
    )
    text = " ".join(BeautifulSoup(corrected.content, "html.parser").get_text(" ").split())
    assert f"This form was saved before, as response {response.reference}" in text
    assert "nothing sent since was saved" in text
    assert Response.objects.filter(summary__startswith="Letter").count() == 1
    # Marked in the export's channel column.
    analyst.post(address(), valid(token="another-token-0123456789", channel="email"))
    rows = [r.fields for r in Export(served).rows()]
    channels = [r["channel"] for r in rows if str(r["summary"]).startswith("Letter")]
    assert sorted(channels) == ["email", "paper"]


def test_an_invalid_entry_shows_the_error_summary(client, served):
    analyst = signed_in(client, Role.ANALYST)
    page = analyst.post(address(), valid(channel="", received="31/02/2024", summary="No", role=""))
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.title.get_text().startswith("Error: ")
    summary = soup.select_one(".govuk-error-summary")
    assert [a.get_text() for a in summary.select("a")] == [
        "Select how the response was received",
        "Enter the date the response was received, like 27/3/2024",
        "Summary must be 5 characters or more",
        "Select the respondent's role",
    ]
    assert [a["href"] for a in summary.select("a")][:2] == ["#id_channel_0", "#id_received"]
    assert not Response.objects.filter(channel="paper").exists()


def test_readers_may_not_enter_responses(client, served):
    reader = signed_in(client, Role.READER)
    assert reader.get(address()).status_code == 403
    assert reader.post(address(), valid()).status_code == 403
    assert not Response.objects.filter(channel="paper").exists()
    listing = reader.get(reverse("analyse:responses", args=[SLUG])).content.decode()
    assert address() not in listing


# A main-questionnaire response -------------------------------------------------------------


def questionnaire_address(slug: str = SLUG) -> str:
    return reverse("analyse:responses-enter-questionnaire", args=[slug])


def answers(**more: object) -> dict[str, object]:
    """Answers to the conftest's questionnaire: idea 1 scored and ticked, idea 3 scored once."""
    return {
        "token": "a-questionnaire-token-0123456789",
        "channel": "email",
        "received": "2/4/2024",
        "usefulness-1": "4",
        "likelihood-1": "2",
        "activities-1": ["Agree a schema", "Publish guidance"],
        "likelihood-3": "5",
        "nature": NATURE,
        "comments": "Emailed reply: the networks already meet, fund them.",
        "role": ROLE,
        "organisation": "Northshire County Council",
        "email": "officer@example.org",
        **more,
    }


NATURE = DEFAULT_NATURES[0]


def test_the_questionnaire_form_asks_the_questionnaires_own_questions(client, served):
    analyst = signed_in(client, Role.ANALYST)
    listing = BeautifulSoup(
        analyst.get(reverse("analyse:responses", args=[SLUG])).content, "html.parser"
    )
    link = listing.find("a", href=questionnaire_address())
    assert link.get_text() == "Enter a questionnaire response received by email or on paper"
    page = BeautifulSoup(analyst.get(questionnaire_address()).content, "html.parser")
    assert page.h1.get_text() == "Enter a questionnaire response received by email or on paper"
    assert [h.get_text(" ", strip=True) for h in page.select("section h2")] == [
        f"Idea {n} of 3 {name}" for n, name in enumerate(IDEAS, start=1)
    ]
    assert [i["value"] for i in page.select("input[name=usefulness-2]")] == list("12345")
    assert [i["value"] for i in page.select("input[name=activities-3]")] == IDEAS["Local networks"]
    assert {i["value"] for i in page.select("input[name=channel]")} == {"paper", "email"}
    names = {i["name"] for i in page.select("input, textarea")}
    assert {"comments", "role", "organisation", "email", "received", "token"} <= names
    # What only a respondent online is offered is not asked.
    assert not names & {"send_copy", "notify_when_published", "website"}


def test_a_questionnaire_response_is_stored_with_its_answers_channel_and_who(client, served):
    from soundingboard.collect.models import ActivityTick, IdeaScore

    analyst = signed_in(client, Role.ANALYST)
    sent = analyst.post(questionnaire_address(), answers())
    response = Response.objects.get(comments__startswith="Emailed reply")
    assert sent.status_code == 302
    assert sent["Location"] == reverse("analyse:response", args=[SLUG, response.reference])
    assert (response.kind, response.channel, response.status, response.role) == (
        "questionnaire",
        "email",
        "accepted",
        ROLE,
    )
    assert response.nature == NATURE
    # Midnight was 1 April in UTC, so exports put the response a day early.
    assert response.submitted_at == dt.datetime(2024, 4, 2, 11, 0, tzinfo=dt.UTC)  # BST then
    assert (response.contact.email, response.contact.organisation) == (
        "officer@example.org",
        "Northshire County Council",
    )
    ideas = list(IDEAS)
    assert sorted(
        IdeaScore.objects.filter(response=response).values_list("idea", "usefulness", "likelihood")
    ) == sorted([(ideas[0], 4, 2), (ideas[2], None, 5)])
    assert sorted(
        ActivityTick.objects.filter(response=response).values_list("idea", "activity", "matched")
    ) == [(ideas[0], "Agree a schema", True), (ideas[0], "Publish guidance", True)]
    [event] = AuditEvent.objects.filter(action="response-entered")
    assert (event.username, event.consultation) == ("user-analyst", SLUG)
    assert event.detail == {"reference": response.reference, "channel": "email"}
    # Sent again (a double click): nothing more is stored or recorded.
    again = analyst.post(questionnaire_address(), answers())
    assert again["Location"] == sent["Location"]
    assert Response.objects.filter(comments__startswith="Emailed reply").count() == 1
    assert AuditEvent.objects.filter(action="response-entered").count() == 1
    # Counted with the rest, and marked in the export.
    rows = [r.fields for r in Export(served).rows()]
    [row] = [r for r in rows if r["reference"] == response.reference]
    assert row["channel"] == "email"


def test_a_questionnaire_entry_with_mistakes_is_shown_again_with_the_forms_messages(client, served):
    analyst = signed_in(client, Role.ANALYST)
    page = analyst.post(
        questionnaire_address(),
        answers(channel="fax", received="", **{"usefulness-2": "9", "activities-1": ["Nope"]}),
    )
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.title.get_text().startswith("Error: ")
    messages = [a.get_text() for a in soup.select(".govuk-error-summary a")]
    assert messages[:2] == [
        "Select how the response was received",
        "Enter the date the response was received",
    ]
    idea1, idea2 = list(IDEAS)[:2]
    assert f"Select a usefulness score from 1 to 5 for “{idea2}”" in messages
    assert f"Select activities for “{idea1}” from the list" in messages
    assert not Response.objects.filter(kind="questionnaire", channel="email").exists()


def test_readers_may_not_enter_questionnaire_responses(client, served):
    reader = signed_in(client, Role.READER)
    assert reader.get(questionnaire_address()).status_code == 403
    assert reader.post(questionnaire_address(), answers()).status_code == 403
    assert not Response.objects.filter(channel="email").exists()
    listing = reader.get(reverse("analyse:responses", args=[SLUG])).content.decode()
    assert questionnaire_address() not in listing


@pytest.mark.parametrize(("answer", "stored"), [("yes", True), ("no", False), ("", None)])
def test_entered_page_feedback_keeps_the_answer_to_may_we_quote_you(
    client, tmp_path, use_consultations, answer, stored
):
    from tests.analyse.conftest import CONFIG, PAGES
    from tests.conftest import write_consultation

    use_consultations(write_consultation(tmp_path / "q", CONFIG + "quote_consent: true\n", PAGES))
    analyst = signed_in(client, Role.ANALYST)
    page = BeautifulSoup(analyst.get(address()).content, "html.parser")
    assert len(page.select("input[name=may_quote]")) == 2  # asked, as the questionnaire's is
    assert analyst.post(address(), valid(may_quote=answer)).status_code == 302
    assert Response.objects.get(channel="paper").may_quote is stored


def test_the_page_feedback_entry_form_asks_no_consent_when_the_consultation_does_not(
    client, served
):
    page = BeautifulSoup(signed_in(client, Role.ANALYST).get(address()).content, "html.parser")
    assert not page.select("input[name=may_quote]")
