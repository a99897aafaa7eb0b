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
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG

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
    assert response.submitted_at == dt.datetime(2024, 3, 27, 0, 0, tzinfo=dt.UTC)  # GMT then
    [event] = AuditEvent.objects.filter(action="response-entered")
    assert (event.username, event.consultation) == ("user-analyst", SLUG)
    assert event.detail == {"reference": response.reference, "channel": "paper"}
    # The same page sent again (a double click) stores nothing more.
    again = analyst.post(address(), valid())
    assert again["Location"] == sent["Location"]
    assert Response.objects.filter(summary__startswith="Letter").count() == 1
    assert AuditEvent.objects.filter(action="response-entered").count() == 1
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
        "Select your role",
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
