"""The per-page feedback form, as a respondent without JavaScript meets it."""

from __future__ import annotations

import html as html_lib
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
    assert 'action="/-/feedback/models/"' in html
    for option in DEFAULT_ROLES + DEFAULT_NATURES:
        assert f'value="{option}"' in html.replace("&#x27;", "'")
    assert 'autocomplete="email"' in html and 'autocomplete="organization"' in html
    assert "Do not include personal details about other people" in html
    assert "<select" not in html  # radios, not selects


def test_a_valid_post_stores_one_row_and_shows_a_reference(client, site):
    hidden = get_form(client, "/models/")
    reply = client.post(
        "/-/feedback/models/",
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
    assert reply.status_code == 303
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
    confirmation = client.get(reply["Location"]).content.decode()
    assert stored.reference in confirmation
    assert "Feedback received" in confirmation


def test_contact_details_are_stored_apart_from_the_answers(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/-/feedback/models/",
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
    reply = client.post("/-/feedback/models/", {**hidden, "about_you": "1", "summary": "abc"})
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
    reply = client.post("/-/feedback/models/", answers)
    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert Response.objects.count() == 0


def test_second_page_does_not_ask_for_the_role_again(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/-/feedback/models/",
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
    reply = client.post("/-/feedback/mechanisms/", {**hidden, "summary": "Second page feedback"})
    assert reply.status_code == 303
    first, second = Response.objects.order_by("id")
    assert second.role == ROLE and second.page_path == "mechanisms/"
    assert second.contact_id == first.contact_id  # one person, one contact record
    assert Contact.objects.count() == 1


def test_remembered_details_can_be_changed(client, site):
    hidden = get_form(client, "/models/")
    client.post(
        "/-/feedback/models/",
        {**hidden, "about_you": "1", "summary": "First page feedback", "role": ROLE},
    )
    html = client.get("/-/feedback/mechanisms/?change-details=1").content.decode()
    assert 'name="role"' in html
    assert f'value="{ROLE}" checked' in html.replace("&#x27;", "'")
    hidden = form_fields(html)
    other_role = DEFAULT_ROLES[5]
    client.post(
        "/-/feedback/mechanisms/",
        {**hidden, "summary": "Changed my role", "role": other_role},
    )
    assert Response.objects.order_by("id").last().role == other_role


def test_section_feedback_records_the_heading(client, site):
    html = client.get("/").content.decode()
    assert 'href="/-/feedback/?section=our-invitation"' in html
    form = client.get("/-/feedback/?section=our-invitation").content.decode()
    assert "Our invitation" in form
    hidden = form_fields(form)
    assert hidden["section"] == "our-invitation"
    client.post(
        "/-/feedback/", {**hidden, "about_you": "1", "summary": "About this section", "role": ROLE}
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
    first = client.post("/-/feedback/models/", answers, follow=True)
    second = client.post("/-/feedback/models/", answers, follow=True)
    reference = Response.objects.get().reference
    assert reference in first.content.decode() and reference in second.content.decode()


def test_a_storage_failure_keeps_the_answers_and_never_confirms(client, site):
    hidden = get_form(client, "/models/")
    with mock.patch(
        "soundingboard.collect.prepared_insert.PreparedInsert.run",
        side_effect=DatabaseError("disk full"),
    ):
        reply = client.post(
            "/-/feedback/models/",
            {**hidden, "about_you": "1", "summary": "Please keep this text", "role": ROLE},
        )
    html = reply.content.decode()
    assert reply.status_code == 503
    assert "Your answers have not been saved" in html
    assert 'value="Please keep this text"' in html
    assert "Feedback received" not in html
    assert Response.objects.count() == 0


def send_feedback(client: Client, page: str = "models/", **more: str):
    section = more.get("section")
    hidden = get_form(client, f"/-/feedback/{page}" + (f"?section={section}" if section else ""))
    answers = {
        **hidden,
        "about_you": "1",
        "summary": "My private summary",
        "details": "My private details",
        "role": ROLE,
        "organisation": "Secret Organisation Ltd",
        "email": "private.person@example.org",
    }
    return client.post(f"/-/feedback/{page}", answers)


def test_a_send_answers_see_other_to_a_confirmation_that_resends_nothing(client, site):
    reply = send_feedback(client)
    assert reply.status_code == 303
    confirmation = reply["Location"]
    assert confirmation.startswith("/-/feedback/models/?sent=")
    reference = Response.objects.get().reference
    for _refresh in range(2):
        shown = client.get(confirmation)
        html = shown.content.decode()
        assert shown.status_code == 200
        assert 'class="govuk-panel govuk-panel--confirmation"' in html
        assert "Feedback received" in html and reference in html
        assert "no-store" in shown["Cache-Control"]
    assert Response.objects.count() == 1 and Contact.objects.count() == 1


def test_the_confirmation_shows_nothing_sent_even_with_the_respondent_forgotten(client, site):
    confirmation = send_feedback(client)["Location"]
    stranger = Client()  # someone who found the address, without the respondent's cookie
    html = stranger.get(confirmation).content.decode()
    assert Response.objects.get().reference in html
    for sent in ("My private", "Secret Organisation", "private.person@example.org"):
        assert sent not in html


def test_section_feedback_confirms_the_section(client, site):
    reply = send_feedback(client, "", section="our-invitation")
    assert reply.status_code == 303
    html = client.get(reply["Location"]).content.decode()
    assert "Feedback received" in html and "section “Our invitation”" in html


@pytest.mark.parametrize(
    "altered",
    [
        lambda address: address[:-1] + ("B" if address.endswith("A") else "A"),
        lambda address: address.replace("/-/feedback/models/", "/-/feedback/mechanisms/"),
        lambda address: "/-/feedback/models/?sent=SB-AAAA-AAAA",
        lambda address: "/-/feedback/models/?sent=",
    ],
    ids=["tampered", "another page", "forged", "empty"],
)
def test_an_altered_or_forged_confirmation_address_shows_no_confirmation(client, site, altered):
    confirmation = send_feedback(client)["Location"]
    reply = client.get(altered(confirmation))
    html = reply.content.decode()
    assert reply.status_code == 200  # the plain form, as the address without `sent`
    assert "govuk-panel--confirmation" not in html and "Feedback received" not in html
    assert 'name="summary"' in html


def test_an_expired_confirmation_address_shows_no_confirmation(client, site, monkeypatch):
    confirmation = send_feedback(client)["Location"]
    monkeypatch.setattr("soundingboard.collect.receipts.LIFETIME", -1)
    assert "Feedback received" not in client.get(confirmation).content.decode()


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
    reply = client.post("/-/feedback/", {"about_you": "1", "summary": "Too late now", "role": ROLE})
    assert reply.status_code == 403
    assert "Too late now" in reply.content.decode()  # shown back so it is not lost
    assert Response.objects.count() == 0


def test_before_the_opening_date_the_form_is_replaced(client, tmp_path, use_consultations):
    use_consultations(closed_site(tmp_path, "opens: 2999-01-01"))
    html = client.get("/").content.decode()
    assert "opens for feedback on 1 January 2999" in html
    assert 'name="summary"' not in html


def test_feedback_on_an_unknown_page_is_not_found(client, site):
    assert client.post("/-/feedback/no-such-page/", {"summary": "hello"}).status_code == 404


def spam_post(client, hidden, **extra):
    answers = {**hidden, "about_you": "1", "summary": "Buy cheap things now", "role": ROLE}
    return client.post("/-/feedback/models/", {**answers, **extra})


def test_a_filled_honeypot_is_kept_aside_as_spam(client, site):
    reply = spam_post(client, get_form(client, "/models/"), hp_field="http://spam.example")
    assert reply.status_code == 303
    assert "Feedback received" in client.get(reply["Location"]).content.decode()
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
            "/-/feedback/models/",
            {**hidden, "about_you": "1", "summary": f"Submission number {number}", "role": ROLE},
        )
    html = reply.content.decode()
    assert reply.status_code == 429
    assert re.search(r"Wait \d+ minutes?, then send your answers again", html)
    assert 'value="Submission number 2"' in html
    assert Response.objects.count() == 2


# The banner under the header, and the way to respond near the top --------------------------


def banner(html: str) -> str:
    found = re.search(
        r'<div class="govuk-phase-banner sb-respond-banner">(.*?)\n</div>', html, re.S
    )
    assert found, "no banner"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_while_open_every_page_says_until_when_and_links_to_its_form(
    client, tmp_path, use_consultations
):
    use_consultations(closed_site(tmp_path, "opens: 2020-01-01\ncloses: 2999-03-31"))
    html = client.get("/").content.decode()
    assert banner(html).startswith("Open Feedback closes on 31 March 2999.")
    # The link comes before the page's own heading, and leads to the form on the page.
    link = html.index('href="#feedback">Give feedback on this page</a>')
    assert link < html.index("<h1")
    assert 'id="feedback"' in html
    # Pages without a form of their own: the banner, without that link.
    for address in ("/-/privacy/", "/-/search/?q=text", "/-/feedback/"):
        other = client.get(address).content.decode()
        assert "Feedback closes on 31 March 2999." in banner(other), address
        assert "Give feedback on this page</a>" not in other, address


def test_once_closed_every_page_says_so_and_offers_no_form(client, tmp_path, use_consultations):
    use_consultations(closed_site(tmp_path, "opens: 2020-01-01\ncloses: 2020-03-31"))
    for address in ("/", "/-/privacy/", "/-/feedback/"):
        html = client.get(address).content.decode()
        assert banner(html) == (
            "Closed This consultation closed on 31 March 2020. You can still read the pages. "
            "All pages of this consultation"
        ), address
        assert "Give feedback on this page</a>" not in html


def test_before_it_opens_the_banner_says_when(client, tmp_path, use_consultations):
    use_consultations(closed_site(tmp_path, "opens: 2999-01-01"))
    text = banner(client.get("/").content.decode())
    assert text.startswith("Not open yet Feedback opens on 1 January 2999.")
    assert "Give feedback" not in text


def test_the_content_comes_before_the_list_of_pages(client, site):
    html = client.get("/models/").content.decode()
    assert html.index('id="main-content"') < html.index('<nav class="sb-nav" id="pages"')
    assert 'href="#pages">All pages' in html


def test_section_feedback_quotes_the_start_of_its_section(client, site):
    section = site.page("").heading("our-invitation")
    assert section is not None and section.body
    html = html_lib.unescape(client.get("/-/feedback/?section=our-invitation").content.decode())
    quote = re.search(
        r'<blockquote class="govuk-inset-text sb-section-quote">(.*?)</blockquote>', html, re.S
    )
    assert quote is not None
    quoted = re.sub(r"<[^>]+>", "", quote.group(1)).strip()
    assert quoted == f"“{section.opening()}”"
    assert section.body.startswith(section.opening().removesuffix("…"))
    # The whole page's form quotes nothing.
    assert "sb-section-quote" not in client.get("/-/feedback/").content.decode()
