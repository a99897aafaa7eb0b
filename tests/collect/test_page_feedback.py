"""The per-page feedback form, as a respondent without JavaScript meets it."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client

from soundingboard.collect.models import Contact, Response
from soundingboard.collect.respondent import COOKIE_NAME
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

ROLE = DEFAULT_ROLES[0]


@pytest.fixture
def site(seed_site, use_consultations):
    return use_consultations(seed_site).single


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the feedback form on a page (token, section, csrf)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def get_form(client: Client, url: str) -> dict[str, str]:
    reply = client.get(url)
    assert reply.status_code == 200
    return form_fields(reply.content.decode())


def test_page_shows_the_platform_form_with_the_seed_options(client, site):
    html = client.get("/models/").content.decode()
    assert 'id="feedback"' in html
    assert "novalidate" in html
    assert 'action="/feedback/models/"' in html
    for option in DEFAULT_ROLES + DEFAULT_NATURES:
        assert f'value="{option}"' in html.replace("&#x27;", "'")
    assert 'autocomplete="email"' in html and 'autocomplete="organization"' in html
    assert "Do not include personal details about other people" in html
    assert "<select" not in html  # radios, not selects


def test_a_valid_post_stores_one_row_and_shows_a_reference(client, site):
    hidden = get_form(client, "/models/")
    reply = client.post(
        "/feedback/models/",
        {
            **hidden,
            "about_you": "1",
            "nature": DEFAULT_NATURES[0],
            "summary": "A clear and useful page",
            "details": "More detail here.",
            "role": ROLE,
            "organisation": "Example Council",
            "email": "someone@example.org",
        },
    )
    assert reply.status_code == 200
    stored = Response.objects.get()
    assert stored.consultation == site.slug
    assert stored.page_path == "models/"
    assert stored.page_title == "Models for delivery"
    assert stored.summary == "A clear and useful page"
    assert stored.role == ROLE
    assert stored.nature == DEFAULT_NATURES[0]
    assert stored.contact.email == "someone@example.org"
    assert stored.contact.organisation == "Example Council"
    assert re.fullmatch(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}", stored.reference)
    assert stored.reference in reply.content.decode()
    assert "Feedback received" in reply.content.decode()


def test_contact_details_are_stored_apart_from_the_answers(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/feedback/models/",
        {
            **hidden,
            "about_you": "1",
            "summary": "Five or more",
            "role": ROLE,
            "email": "apart@example.org",
        },
    )
    response_columns = {f.name for f in Response._meta.get_fields()}
    assert "email" not in response_columns and "organisation" not in response_columns
    assert Contact.objects.get().email == "apart@example.org"


def test_short_summary_and_no_role_show_both_errors_and_keep_the_summary(client, site):
    hidden = get_form(client, "/models/")
    reply = client.post("/feedback/models/", {**hidden, "about_you": "1", "summary": "abc"})
    html = reply.content.decode()
    assert reply.status_code == 400
    assert "There is a problem" in html
    assert "Summary must be 5 characters or more" in html
    assert "Select your role" in html
    assert 'href="#id_summary"' in html and 'href="#id_role_0"' in html
    assert 'value="abc"' in html
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary", "", "Enter a summary of your feedback"),
        ("summary", "x" * 501, "Summary must be 500 characters or fewer"),
        ("details", "x" * 10_001, "Details must be 10,000 characters or fewer"),
        ("email", "not-an-address", "Enter an email address in the correct format"),
        ("organisation", "x" * 201, "Organisation must be 200 characters or fewer"),
        ("role", "Astronaut", "Select your role from the list"),
        ("nature", "Furious", "Select what kind of feedback this is from the list"),
    ],
)
def test_each_rule_has_a_clear_message(client, site, field, value, message):
    hidden = get_form(client, "/models/")
    answers = {**hidden, "about_you": "1", "summary": "Valid summary", "role": ROLE, field: value}
    reply = client.post("/feedback/models/", answers)
    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert Response.objects.count() == 0


def test_second_page_does_not_ask_for_the_role_again(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/feedback/models/",
        {
            **hidden,
            "about_you": "1",
            "summary": "First page feedback",
            "role": ROLE,
            "organisation": "Example Council",
            "email": "me@example.org",
        },
    )
    assert COOKIE_NAME in client.cookies
    html = client.get("/mechanisms/").content.decode()
    assert 'name="role"' not in html
    assert "You are giving feedback as" in html
    assert ROLE in html and "Example Council" in html
    hidden = form_fields(html)
    reply = client.post("/feedback/mechanisms/", {**hidden, "summary": "Second page feedback"})
    assert reply.status_code == 200
    first, second = Response.objects.order_by("id")
    assert second.role == ROLE and second.page_path == "mechanisms/"
    assert second.contact_id == first.contact_id  # one person, one contact record
    assert Contact.objects.count() == 1


def test_remembered_details_can_be_changed(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/feedback/models/",
        {**hidden, "about_you": "1", "summary": "First page feedback", "role": ROLE},
    )
    html = client.get("/feedback/mechanisms/?change-details=1").content.decode()
    assert 'name="role"' in html
    assert f'value="{ROLE}" checked' in html.replace("&#x27;", "'")
    hidden = form_fields(html)
    other_role = DEFAULT_ROLES[5]
    client.post(
        "/feedback/mechanisms/",
        {**hidden, "summary": "Changed my role", "role": other_role},
    )
    assert Response.objects.order_by("id").last().role == other_role


def test_section_feedback_records_the_heading(client, site):
    html = client.get("/").content.decode()
    assert 'href="/feedback/?section=our-invitation"' in html
    form = client.get("/feedback/?section=our-invitation").content.decode()
    assert "Our invitation" in form
    hidden = form_fields(form)
    assert hidden["section"] == "our-invitation"
    client.post(
        "/feedback/", {**hidden, "about_you": "1", "summary": "About this section", "role": ROLE}
    )
    stored = Response.objects.get()
    assert (stored.page_path, stored.section_id, stored.section_title) == (
        "",
        "our-invitation",
        "Our invitation",
    )


def test_the_same_form_sent_twice_stores_one_response(client, site):
    hidden = get_form(client, "/models/")
    answers = {**hidden, "about_you": "1", "summary": "Sent twice by mistake", "role": ROLE}
    first = client.post("/feedback/models/", answers)
    second = client.post("/feedback/models/", answers)
    reference = Response.objects.get().reference
    assert reference in first.content.decode() and reference in second.content.decode()


def test_a_storage_failure_keeps_the_answers_and_never_confirms(client, site):
    hidden = get_form(client, "/models/")
    with mock.patch(
        "soundingboard.collect.prepared_insert.PreparedInsert.run",
        side_effect=DatabaseError("disk full"),
    ):
        reply = client.post(
            "/feedback/models/",
            {**hidden, "about_you": "1", "summary": "Please keep this text", "role": ROLE},
        )
    html = reply.content.decode()
    assert reply.status_code == 503
    assert "Your answers have not been saved" in html
    assert 'value="Please keep this text"' in html
    assert "Feedback received" not in html
    assert Response.objects.count() == 0


def closed_site(tmp_path: Path, dates: str) -> Path:
    return write_consultation(
        tmp_path / "dated",
        f"title: Dated consultation\n{dates}\n",
        {"index.md": "# Welcome\n\nSome text.\n"},
    )


def test_after_the_closing_date_the_form_is_replaced_and_feedback_refused(
    client, tmp_path, use_consultations
):
    use_consultations(closed_site(tmp_path, "opens: 2020-01-01\ncloses: 2020-03-31"))
    html = client.get("/").content.decode()
    assert "This consultation closed on 31 March 2020" in html
    assert 'name="summary"' not in html
    reply = client.post("/feedback/", {"about_you": "1", "summary": "Too late now", "role": ROLE})
    assert reply.status_code == 403
    assert "Too late now" in reply.content.decode()  # shown back so it is not lost
    assert Response.objects.count() == 0


def test_before_the_opening_date_the_form_is_replaced(client, tmp_path, use_consultations):
    use_consultations(closed_site(tmp_path, "opens: 2999-01-01"))
    html = client.get("/").content.decode()
    assert "opens for feedback on 1 January 2999" in html
    assert 'name="summary"' not in html


def test_feedback_on_an_unknown_page_is_not_found(client, site):
    assert client.post("/feedback/no-such-page/", {"summary": "hello"}).status_code == 404


def spam_post(client, hidden, **extra):
    answers = {**hidden, "about_you": "1", "summary": "Buy cheap things now", "role": ROLE}
    return client.post("/feedback/models/", {**answers, **extra})


def test_a_filled_honeypot_is_kept_aside_as_spam(client, site):
    reply = spam_post(client, get_form(client, "/models/"), hp_field="http://spam.example")
    assert reply.status_code == 200 and "Feedback received" in reply.content.decode()
    stored = Response.objects.get()
    assert stored.status == Response.Status.SPAM
    assert stored.spam_reason == "the hidden honeypot field was filled in"


def test_a_form_sent_too_quickly_is_kept_aside_as_spam(client, site, settings):
    settings.SOUNDINGBOARD_FORM_MIN_SECONDS = 60
    spam_post(client, get_form(client, "/models/"))
    stored = Response.objects.get()
    assert stored.status == Response.Status.SPAM
    assert "seconds after the form was shown" in stored.spam_reason


def test_an_expired_or_altered_token_is_kept_aside_as_spam(client, site):
    from soundingboard.collect.spam import read_form_token

    hidden = get_form(client, "/models/")
    assert read_form_token(hidden["token"], now=10**12).spam_reason.startswith(
        "sent from a form shown more than 7 days"
    )
    spam_post(client, {**hidden, "token": hidden["token"] + "x"})
    stored = Response.objects.get()
    assert stored.status == Response.Status.SPAM
    assert stored.spam_reason == "the form's token was missing or altered"


def test_a_normal_submission_is_accepted(client, site, settings):
    settings.SOUNDINGBOARD_FORM_MIN_SECONDS = 2
    hidden = get_form(client, "/models/")
    with mock.patch("soundingboard.collect.spam.time.time", return_value=10**10):
        from django.core import signing

        token = signing.TimestampSigner(salt="soundingboard.form-token")
        with mock.patch.object(
            signing.TimestampSigner, "timestamp", return_value=signing.b62_encode(10**10 - 30)
        ):
            hidden["token"] = token.sign("a" * 32)
        spam_post(client, hidden)
    assert Response.objects.get().status == Response.Status.ACCEPTED


def test_too_many_submissions_are_held_back_with_the_answers_kept(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "2/600"
    for number in range(3):
        hidden = get_form(client, "/models/")
        reply = client.post(
            "/feedback/models/",
            {**hidden, "about_you": "1", "summary": f"Submission number {number}", "role": ROLE},
        )
    html = reply.content.decode()
    assert reply.status_code == 429
    assert re.search(r"Wait \d+ minutes?, then send your answers again", html)
    assert 'value="Submission number 2"' in html
    assert Response.objects.count() == 2
