"""Publishing the response: analysts and administrators only, after a confirmation page; the
report frozen as a version in the database, recorded in the audit log; the respondents who
asked told once; the public page on the consultation's site, 404 before, linked from every
page after, with small counts hidden and no personal data; a new version replaces it."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from docx import Document
from pypdf import PdfReader

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.analyse.models import PublishedResponse, ThemeDuplicateGroup
from soundingboard.collect.models import Contact, Response
from soundingboard.publish.registry import get_consultation
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG
from .test_report import (
    CONSENTING,
    CONTACT_EMAIL,
    EMAIL,
    ORGANISATION,
    PHONE,
    REFUSING,
    confirmed_themes,
    folder,
    respond,
)
from .test_report_documents import rows_of, table_after, words

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(tmp_path, use_consultations, settings):
    settings.SOUNDINGBOARD_EMAIL_ENABLED = True
    use_consultations(folder(tmp_path, outcome_files={"summary.md": "We changed the plan.\n"}))
    return get_consultation(SLUG)


def signed_in(client, role: str, name: str = "ana"):
    user, device = make_account(name, role, two_factor=role != Role.READER)
    sign_in_verified(client, user, device)
    return client


def publish(client, **form) -> object:
    return client.post(reverse("analyse:report-publish", args=[SLUG]), form)


def public(client, site) -> str:
    reply = client.get(site.response_url)
    assert reply.status_code == 200
    return reply.content.decode()


def waiting_contacts(n: int) -> list[Contact]:
    contacts = []
    for i in range(n):
        contact = Contact.objects.create(email=f"r{i}@example.org", notify_when_published=True)
        respond(1, contact=contact)
        contacts.append(contact)
    return contacts


def notices_queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="send_notice").count()


# Who may publish, and how -----------------------------------------------------------------


def test_a_reader_may_not_publish(client, site):
    signed_in(client, Role.READER, "rhea")
    assert client.get(reverse("analyse:report-publish", args=[SLUG])).status_code == 403
    assert publish(client).status_code == 403
    assert not PublishedResponse.objects.exists()
    report = client.get(reverse("analyse:report", args=[SLUG])).content.decode()
    assert 'id="publish-start"' not in report


def test_publishing_needs_the_confirmation_page_and_its_csrf_token(site, client):
    from django.test import Client

    signed_in(client, Role.ANALYST)
    report = client.get(reverse("analyse:report", args=[SLUG])).content.decode()
    assert "Not published yet." in report
    start = re.search(r'href="([^"]+)" id="publish-start"', report)
    assert start and start.group(1) == reverse("analyse:report-publish", args=[SLUG])
    confirm = client.get(start.group(1))
    assert confirm.status_code == 200
    assert 'id="publish-confirm"' in confirm.content.decode()
    assert not PublishedResponse.objects.exists()  # looking at it publishes nothing

    careful = Client(enforce_csrf_checks=True)
    careful.cookies = client.cookies
    assert careful.post(start.group(1), {}).status_code == 403
    assert not PublishedResponse.objects.exists()

    reply = publish(client)
    assert reply.status_code == 302 and reply["Location"] == reverse("analyse:report", args=[SLUG])
    after = client.get(reply["Location"]).content.decode()
    assert "Version 1 of the response is published." in after
    assert 'id="published-status">Version 1 was published' in after


def test_publishing_is_recorded_in_the_audit_log(site, client):
    signed_in(client, Role.ANALYST)
    publish(client)
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESPONSE_PUBLISHED)
    record = PublishedResponse.objects.get()
    assert event.username == "ana" and record.published_by_name == "ana"
    assert event.consultation == SLUG
    assert event.detail["version"] == 1
    assert event.detail["address"].endswith(site.response_url)
    assert event.detail["respondents_told"] is False
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RESULTS_NOTICE).exists()


def test_an_administrator_may_publish_too(site, client):
    signed_in(client, Role.ADMIN, "adam")
    assert publish(client).status_code == 302
    assert PublishedResponse.objects.get().published_by_name == "adam"


def test_what_respondents_wrote_is_shown_as_text_never_run(site, client):
    (hostile,) = respond(
        1, summary="<script>alert('quoted')</script> funding matters", may_quote=True
    )
    respond(8)
    confirmed_themes([hostile.pk])
    signed_in(client, Role.ANALYST)
    publish(client)
    text = public(client, site)
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;quoted&#x27;)&lt;/script&gt; funding matters" in text


# Telling respondents ----------------------------------------------------------------------


def test_those_who_asked_are_told_once_and_only_when_ticked(site, client):
    waiting_contacts(3)
    Contact.objects.create(email="quiet@example.org")  # did not ask
    signed_in(client, Role.ANALYST)
    page = client.get(reverse("analyse:report-publish", args=[SLUG])).content.decode()
    assert "3 respondents have asked to be told" in page

    publish(client)  # not ticked: nobody told, the list kept
    assert notices_queued() == 0
    assert Contact.objects.filter(notify_when_published=True).count() == 3

    publish(client, tell_respondents="on")
    assert notices_queued() == 3
    tasks = DBTaskResult.objects.filter(task_path__endswith="send_notice")
    addresses = {json.dumps(t.args_kwargs) for t in tasks}
    assert all(site.response_url in a for a in addresses)
    notice = AuditEvent.objects.get(action=AuditEvent.Action.RESULTS_NOTICE)
    assert notice.detail["messages_queued"] == 3 and notice.detail["via"] == "publishing"

    publish(client, tell_respondents="on")  # a corrected version: nobody told twice
    assert notices_queued() == 3
    assert PublishedResponse.objects.count() == 3


def test_without_email_the_box_is_not_offered_and_nothing_is_queued(site, client, settings):
    settings.SOUNDINGBOARD_EMAIL_ENABLED = False
    waiting_contacts(2)
    signed_in(client, Role.ANALYST)
    page = client.get(reverse("analyse:report-publish", args=[SLUG])).content.decode()
    assert 'name="tell_respondents"' not in page and "cannot send email yet" in page
    publish(client, tell_respondents="on")
    assert notices_queued() == 0
    assert PublishedResponse.objects.count() == 1


# The public page --------------------------------------------------------------------------


def test_the_public_page_is_404_before_and_open_to_everyone_after(site, client):
    assert client.get(site.response_url).status_code == 404
    for name in ("response-json", "response-csv", "response-pdf", "response-docx"):
        assert client.get(reverse(name, kwargs={"slug": SLUG})).status_code == 404
    signed_in(client, Role.ANALYST)
    publish(client)
    client.logout()
    text = public(client, site)
    assert "We asked, you said, we did" in text
    assert "We changed the plan." in text  # the team's text
    assert "outcome/" not in text  # no notes to the team about what is missing
    assert "What is still missing" not in text
    assert "No themes have been confirmed" not in text  # sections with nothing are left out
    assert 'id="page-models"' not in text and 'id="summary"' in text
    assert 'id="response-published-on">Published on ' in text
    data = json.loads(client.get(reverse("response-json", kwargs={"slug": SLUG})).content)
    assert data["consultation"] == SLUG
    csv_text = client.get(reverse("response-csv", kwargs={"slug": SLUG})).content.decode()
    assert csv_text.startswith("table,row,column,value")
    # The same version as a PDF and a Word document, linked from the page.
    for format, magic in (("pdf", b"%PDF-"), ("docx", b"PK")):
        address = reverse(f"response-{format}", kwargs={"slug": SLUG})
        assert f'href="{address}"' in text
        document = client.get(address)
        assert document.status_code == 200 and document.content.startswith(magic)
        assert "attachment" in document["Content-Disposition"]


def test_every_page_links_to_it_once_published(site, client):
    addresses = [p.url for p in site.pages] + [
        site.pages[1].feedback_url,
        site.privacy_url,
        site.accessibility_url,
        site.search_url,
        site.questionnaire_url,
    ]
    for address in addresses:
        assert "sb-response-banner" not in client.get(address).content.decode(), address
    signed_in(client, Role.ANALYST)
    publish(client)
    client.logout()
    for address in addresses:
        text = client.get(address).content.decode()
        assert f'href="{site.response_url}">Read what we did' in text, address
    # The consultation's own pages are still there, unchanged but for the link.
    assert "Models for delivery" in client.get(site.page("models").url).content.decode()
    # The response's own page does not link to itself.
    assert "Read what we did" not in public(client, site)


def test_no_personal_data_and_small_counts_hidden_on_the_public_page(site, client):
    contact = Contact.objects.create(
        email=CONTACT_EMAIL, organisation=ORGANISATION, notify_when_published=True
    )
    (yes,) = respond(
        1,
        summary=f"{CONSENTING}. Email {EMAIL} or ring {PHONE}.",
        details=f"We at {ORGANISATION} agree.",  # their organisation, typed in again
        may_quote=True,
        contact=contact,
    )
    (no,) = respond(1, summary=REFUSING, may_quote=False, contact=contact)
    respond(10, channel=Response.Channel.FORM)
    respond(2, channel=Response.Channel.PAPER)
    confirmed_themes([no.pk, yes.pk])
    signed_in(client, Role.ANALYST, "zed-the-publisher")
    publish(client, tell_respondents="on")
    client.logout()
    text = public(client, site)
    assert CONSENTING in text and REFUSING not in text
    assert "We at [organisation removed] agree." in text
    data = client.get(reverse("response-json", kwargs={"slug": SLUG})).content.decode()
    for secret in (EMAIL, PHONE, CONTACT_EMAIL, ORGANISATION, "zed-the-publisher"):
        assert secret not in re.sub(r"<[^>]+>", " ", text), secret
        assert secret not in data, secret
    paper = text.split('id="table-channel"', 1)[1].split(">Paper</th>", 1)[1].split("</tr>", 1)[0]
    assert "[c]" in paper and ">2<" not in paper
    assert "[c]" in json.dumps(json.loads(data)["tables"])


def test_a_new_version_replaces_the_old_and_the_old_is_kept(site, client, tmp_path):
    signed_in(client, Role.ANALYST)
    publish(client)
    (site.root / "outcome" / "summary.md").write_text("We changed the plan again.\n")
    text = public(client, site)
    assert "We changed the plan." in text and "again" not in text  # frozen when published
    publish(client)
    text = public(client, site)
    assert "We changed the plan again." in text
    assert "This is version 2" in text
    assert list(PublishedResponse.objects.values_list("version", flat=True)) == [2, 1]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.RESPONSE_PUBLISHED)
    assert sorted(e.detail["version"] for e in events) == [1, 2]
    confirm = client.get(reverse("analyse:report-publish", args=[SLUG])).content.decode()
    assert "Version 2 was published" in confirm and "version 3" in confirm


# The campaigns annex ----------------------------------------------------------------------


def test_campaigns_are_counted_as_submissions_and_as_distinct_views(site, client):
    answers = respond(40, summary="Stop the plan now, says the campaign text we all signed.")
    confirmed_themes([])  # a set of themes with nothing repeated: no table for it
    run = confirmed_themes([])
    run.responses = 40
    run.save()
    ThemeDuplicateGroup.objects.create(
        run=run, member_ids=[r.pk for r in answers[:25]], count=25, exact=True
    )
    ThemeDuplicateGroup.objects.create(
        run=run, member_ids=[r.pk for r in answers[25:32]], count=7, exact=False
    )
    signed_in(client, Role.ANALYST)
    for text in (
        client.get(reverse("analyse:report", args=[SLUG])).content.decode(),
        (publish(client), public(client, site))[1],
    ):
        annex = text.split('id="repeats"', 1)[1].split("</section>", 1)[0]
        cells = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*((?:<td[^>]*>[^<]*</td>)+)', annex)
        rows = {label: re.findall(r">([^<]*)</td>", tds) for label, tds in cells}
        assert rows["Identical text"] == ["25", "1"]
        assert rows["Nearly identical text"] == ["7", "1"]
        assert rows["Answers not repeated"] == ["8", "8"]
        assert rows["Total"] == ["40", "10"]
    data = json.loads(client.get(reverse("analyse:report-json", args=[SLUG])).content)
    assert len([t for t in data["tables"] if t["title"].startswith("Identical")]) == 1
    table = next(t for t in data["tables"] if t["title"].startswith("Identical and nearly"))
    assert {r["label"]: r["values"] for r in table["rows"]}["Identical text"] == [25, 1]
    # The same annex in the published PDF and Word document.
    pdf = PdfReader(io.BytesIO(client.get(reverse("response-pdf", kwargs={"slug": SLUG})).content))
    text = words(" ".join(page.extract_text() for page in pdf.pages))
    assert "Annex: campaigns and identical responses" in text
    assert "Identical text 25 1" in text and "Total 40 10" in text
    word = Document(io.BytesIO(client.get(reverse("response-docx", kwargs={"slug": SLUG})).content))
    assert rows_of(table_after(word, "Identical and nearly identical answers"))[1:] == [
        ["Identical text", "25", "1"],
        ["Nearly identical text", "7", "1"],
        ["Answers not repeated", "8", "8"],
        ["Total", "40", "10"],
    ]


def test_the_results_notice_page_suggests_the_published_address(site, client):
    waiting_contacts(1)
    signed_in(client, Role.ADMIN, "adam")
    notice = reverse("analyse:results-notice", args=[SLUG])
    empty = 'name="url" type="url" spellcheck="false" value=""'
    assert empty in client.get(notice).content.decode()
    publish(client)
    address = f"http://testserver{site.response_url}"
    assert f'value="{address}"' in client.get(notice).content.decode()


def test_without_pango_nothing_is_published_and_the_message_says_how_to_fix_it(
    site, client, monkeypatch
):
    """WeasyPrint raises OSError when it cannot load Pango (a server without the PDF's
    libraries): publishing stops before anything is stored, and says what to install."""
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    signed_in(client, Role.ANALYST)
    reply = publish(client, tell_respondents="on")
    assert reply.status_code == 302
    assert not PublishedResponse.objects.exists()
    assert client.get(site.response_url).status_code == 404
    page = client.get(reverse("analyse:report", args=[SLUG])).content.decode()
    assert "Nothing was published" in page
    assert "install-pdf-libs.sh" in page
    # the workspace's PDF download says the same, instead of a server error
    reply = client.get(reverse("analyse:report-pdf", args=[SLUG]))
    assert reply.status_code == 302
    assert "Pango library is missing" in client.get(reply["Location"]).content.decode()
