"""`soundingboard notify-published`: one email, through the outbox, to everyone who ticked
"Tell me by email when the results are published", never twice, recorded in the audit log."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from soundingboard.accounts.models import AuditEvent
from soundingboard.analyse.erasure import erase_contact
from soundingboard.collect.models import Contact
from soundingboard.core.worker import run_due_tasks
from tests.collect.test_emailed_copy import send_feedback
from tests.collect.test_emailed_copy import site as site
from tests.mail_server import smtp_server, text_part

__all__ = ["site", "smtp_server"]  # fixtures, used by name

pytestmark = pytest.mark.django_db(transaction=True)

RESULTS = "https://example.org/results/"


def test_everyone_on_the_list_is_told_once(client, site, smtp_server):
    send_feedback(client, site, email="a@example.org", send_copy="", notify_when_published="1")
    client.cookies.clear()  # another respondent
    send_feedback(client, site, email="b@example.org", send_copy="")  # did not ask
    assert list(
        Contact.objects.values_list("email", flat=True).filter(notify_when_published=True)
    ) == ["a@example.org"]

    call_command("notify_published", str(site.root), url=RESULTS)
    run_due_tasks()
    [message] = smtp_server.received
    assert message["To"] == "a@example.org"
    assert RESULTS in text_part(message)
    assert "Questionnaire test" in message["Subject"]

    call_command("notify_published", str(site.root), url=RESULTS)  # again: nobody left
    run_due_tasks()
    assert len(smtp_server.received) == 1
    events = AuditEvent.objects.filter(action=AuditEvent.Action.RESULTS_NOTICE).order_by("id")
    assert [e.detail["messages_queued"] for e in events] == [1, 0]
    assert all("a@example.org" not in str(e.detail) for e in events)


def test_the_box_needs_an_address(client, site, smtp_server):
    reply = send_feedback(client, site, email="", send_copy="", notify_when_published="1")
    assert reply.status_code == 400
    assert "Enter your email address, so that we can email you" in reply.content.decode()


def test_erased_before_sending_is_never_told(client, site, smtp_server):
    send_feedback(client, site, email="a@example.org", send_copy="", notify_when_published="1")
    call_command("notify_published", str(site.root), url=RESULTS)
    erase_contact("a@example.org", responses=False, by=None)
    run_due_tasks()
    assert smtp_server.received == []


def test_refused_without_email_or_with_a_bad_address(site, settings):
    settings.SOUNDINGBOARD_EMAIL_ENABLED = False
    with pytest.raises(CommandError, match="set SOUNDINGBOARD_EMAIL_URL"):
        call_command("notify_published", str(site.root), url=RESULTS)
    settings.SOUNDINGBOARD_EMAIL_ENABLED = True
    with pytest.raises(CommandError, match="--url must be a web address"):
        call_command("notify_published", str(site.root), url="results.html")


def test_the_workspace_action_for_administrators(client, site, smtp_server):
    from django.urls import reverse

    from soundingboard.accounts.models import Role
    from tests.accounts.test_accounts import make_account, sign_in_verified

    send_feedback(client, site, email="a@example.org", send_copy="", notify_when_published="1")
    url = reverse("analyse:results-notice", args=[site.slug])
    client.cookies.clear()
    reader, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, reader, None)
    assert client.post(url, {"url": RESULTS}).status_code == 403
    client.cookies.clear()
    admin, device = make_account("ada", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    page = client.get(url).content.decode()
    assert '<strong id="results-waiting">1</strong>' in page
    bad = client.post(url, {"url": "not a web address"})
    assert bad.status_code == 400
    assert "Enter a web address" in bad.content.decode()
    assert client.post(url, {"url": RESULTS}).status_code == 302
    run_due_tasks()
    [message] = smtp_server.received
    assert RESULTS in text_part(message)
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESULTS_NOTICE)
    assert event.detail["via"] == "workspace" and event.detail["messages_queued"] == 1
    assert '<strong id="results-waiting">0</strong>' in client.get(url).content.decode()
