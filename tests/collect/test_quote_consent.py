"""Consent to quote: asked only when consultation.yml sets `quote_consent`, on both forms and
through the intake API; stored with the response and exported."""

from __future__ import annotations

import html as html_lib
import json

import pytest
from django.test import Client
from django.urls import reverse

from soundingboard.analyse.exports import BASE_COLUMNS, Export
from soundingboard.collect.models import Response
from soundingboard.publish.consultation import Consultation
from soundingboard.publish.settings_schema import DEFAULT_QUOTE_QUESTION, DEFAULT_ROLES
from tests.collect.test_questionnaire import SMALL, consultation_yml, hidden_fields
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

ROLE = DEFAULT_ROLES[0]
PAGES = {"index.md": "# Welcome\n\nSome text.\n", "ideas.md": "# Ideas\n\nMore text.\n"}


def make_site(tmp_path, use_consultations, extra: str) -> Consultation:
    folder = write_consultation(tmp_path / "quoted", consultation_yml(SMALL, extra=extra), PAGES)
    return use_consultations(folder).single


def send_feedback(client: Client, site: Consultation, **fields: str):
    page = site.page("ideas")
    assert page is not None
    hidden = dict(hidden_fields(client.get(page.feedback_url).content.decode()))
    return client.post(
        page.feedback_url, {**hidden, "summary": "Quote this, please", "role": ROLE, **fields}
    )


def test_not_asked_unless_the_consultation_says_so(client, tmp_path, use_consultations):
    site = make_site(tmp_path, use_consultations, "")
    page = site.page("ideas")
    assert page is not None
    assert 'name="may_quote"' not in client.get(page.feedback_url).content.decode()
    assert 'name="may_quote"' not in client.get(site.url("questionnaire/")).content.decode()
    assert send_feedback(client, site, may_quote="yes").status_code == 303
    assert Response.objects.get().may_quote is None  # not asked: no answer kept


@pytest.mark.parametrize(("answer", "stored"), [("yes", True), ("no", False), ("", None)])
def test_page_feedback_stores_the_answer(client, tmp_path, use_consultations, answer, stored):
    site = make_site(tmp_path, use_consultations, "quote_consent: true\n")
    page = site.page("ideas")
    assert page is not None
    form = html_lib.unescape(client.get(page.feedback_url).content.decode())
    assert f"{DEFAULT_QUOTE_QUESTION} (optional)" in form
    assert send_feedback(client, site, may_quote=answer).status_code == 303
    assert Response.objects.get().may_quote is stored


def test_a_made_up_answer_gets_a_message(client, tmp_path, use_consultations):
    site = make_site(tmp_path, use_consultations, "quote_consent: true\n")
    reply = send_feedback(client, site, may_quote="maybe")
    assert reply.status_code == 400
    assert "Select yes or no" in reply.content.decode()
    assert not Response.objects.exists()


def test_the_questionnaire_asks_in_the_consultations_words(client, tmp_path, use_consultations):
    site = make_site(
        tmp_path, use_consultations, "quote_consent: May we quote you in our report?\n"
    )
    form_url = site.url("questionnaire/")
    page = client.get(form_url).content.decode()
    assert "May we quote you in our report? (optional)" in html_lib.unescape(page)
    start = hidden_fields(page)
    data: dict[str, list[str]] = {}
    for name, value in [*start, ("role", ROLE), ("may_quote", "no"), ("action", "check")]:
        data.setdefault(name, []).append(value)
    check = client.post(form_url, data)
    carried: dict[str, list[str]] = {}
    for name, value in hidden_fields(check.content.decode()):
        if name != "action":
            carried.setdefault(name, []).append(value)
    assert carried["may_quote"] == ["no"]
    assert client.post(form_url, {**carried, "action": ["send"]}).status_code == 303
    assert Response.objects.get().may_quote is False


def test_the_intake_api_takes_it_and_describes_it(client, tmp_path, use_consultations):
    make_site(tmp_path, use_consultations, "quote_consent: true\n")
    payload = {"tab": "Feedback", "summary": "Sent by a script", "role": ROLE, "may_quote": "yes"}
    reply = client.post(reverse("api-intake"), json.dumps(payload), content_type="application/json")
    assert reply.status_code == 201, reply.content
    assert Response.objects.get().may_quote is True
    bad = {**payload, "summary": "Another one", "may_quote": "perhaps"}
    reply = client.post(reverse("api-intake"), json.dumps(bad), content_type="application/json")
    assert reply.status_code == 400
    assert "may_quote" in reply.json()["errors"]
    spec = client.get(reverse("api-openapi")).json()
    assert "may_quote" in spec["components"]["schemas"]["PageFeedback"]["properties"]
    assert "may_quote" in spec["components"]["schemas"]["MainFeedback"]["properties"]


def test_exported(client, tmp_path, use_consultations):
    site = make_site(tmp_path, use_consultations, "quote_consent: true\n")
    send_feedback(client, site, may_quote="yes")
    assert "may_quote" in BASE_COLUMNS
    exporter = Export(site)
    [row] = list(exporter.rows())
    assert row.fields["may_quote"] is True


def test_the_responses_list_filters_by_the_answer(client, tmp_path, use_consultations):
    from soundingboard.accounts.models import Role
    from tests.accounts.test_accounts import make_account, sign_in_verified

    site = make_site(tmp_path, use_consultations, "quote_consent: true\n")
    for answer in ("yes", "no", ""):
        client.cookies.clear()
        send_feedback(client, site, may_quote=answer)
    by_answer = {r.may_quote: r.reference for r in Response.objects.all()}
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    url = reverse("analyse:responses", args=[site.slug])
    page = client.get(url).content.decode()
    assert 'name="quote" type="checkbox" value="yes"' in page or 'value="yes"' in page
    for value, shown in (("yes", True), ("no", False), ("unanswered", None)):
        listed = client.get(url, {"quote": value}).content.decode()
        assert by_answer[shown] in listed
        assert all(ref not in listed for key, ref in by_answer.items() if key is not shown)
        assert "Consent to quote:" in listed  # the filter in force, with a link to remove it
    both = client.get(url, {"quote": ["yes", "no"]}).content.decode()
    assert by_answer[True] in both and by_answer[False] in both and by_answer[None] not in both
