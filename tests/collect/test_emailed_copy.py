""" "Send me a copy": the response is stored with its email in the outbox, in one transaction;
the worker sends it to a real SMTP server on loopback, and tries again when that is down."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soundingboard.analyse.erasure import erase_contact
from soundingboard.collect.models import Response
from soundingboard.core.worker import run_due_tasks
from soundingboard.publish.consultation import Consultation
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.collect.test_questionnaire import SMALL, consultation_yml, hidden_fields
from tests.conftest import write_consultation
from tests.mail_server import REFUSED, LoopbackSMTP, html_part, smtp_server, text_part

__all__ = ["smtp_server"]  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = DEFAULT_ROLES[0]
PAGES = {"index.md": "# Welcome\n\nSome text.\n", "ideas.md": "# Ideas\n\nMore text.\n"}
ADDRESS = "someone@example.org"


@pytest.fixture
def site(tmp_path, use_consultations) -> Consultation:
    config = consultation_yml(SMALL, extra="contact_email: team@example.org\n")
    folder = write_consultation(tmp_path / "small", config, PAGES)
    return use_consultations(folder).single


def send_feedback(client: Client, site: Consultation, **fields: str):
    page = site.page("ideas")
    assert page is not None
    hidden = dict(hidden_fields(client.get(page.feedback_url).content.decode()))
    data = {
        **hidden,
        "nature": DEFAULT_NATURES[0],
        "summary": "The ideas page <b>is</b> clear",
        "details": "Line one\nLine two",
        "role": ROLE,
        "organisation": "Example Council",
        "email": ADDRESS,
        "send_copy": "1",
        **fields,
    }
    return client.post(page.feedback_url, data)


def stored() -> Response:
    return Response.objects.select_related("contact").get()


def test_the_form_offers_a_copy_only_when_email_can_be_sent(client, site, settings):
    page = site.page("ideas")
    assert page is not None
    settings.SOUNDINGBOARD_EMAIL_ENABLED = False
    assert 'name="send_copy"' not in client.get(page.feedback_url).content.decode()
    settings.SOUNDINGBOARD_EMAIL_ENABLED = True
    html = client.get(page.feedback_url).content.decode()
    assert 'name="send_copy" type="checkbox"' in html
    assert "Send me a copy of my answers by email" in html


def test_page_feedback_copy_arrives_with_the_reference_and_answers(client, site, smtp_server):
    reply = send_feedback(client, site)
    assert reply.status_code == 303
    response = stored()
    # Queued with the response, not sent while the respondent waited.
    assert smtp_server.received == []
    assert DBTaskResult.objects.count() == 1

    run_due_tasks()

    [message] = smtp_server.received
    assert message["To"] == ADDRESS
    assert message["From"] == "Questionnaire test <consultations@example.org>"
    assert message["Reply-To"] == "team@example.org"
    assert response.reference in message["Subject"]
    assert not any(part.get_content_type() == "application/pdf" for part in message.walk())
    text = text_part(message)
    assert response.reference in text
    assert "The ideas page <b>is</b> clear" in text  # as typed, in the text part
    assert "Line one\nLine two" in text
    assert "Example Council" in text
    html = html_part(message)
    assert '<html lang="en-GB">' in html
    assert "The ideas page &lt;b&gt;is&lt;/b&gt; clear" in html  # escaped in the HTML part
    assert response.reference in html
    # Run again: nothing is sent twice.
    run_due_tasks()
    assert len(smtp_server.received) == 1


def test_questionnaire_copy_lists_the_scores_with_their_labels(client, site, smtp_server):
    form_url = site.url("questionnaire/")
    start = hidden_fields(client.get(form_url).content.decode())
    answers = [
        ("usefulness-1", "5"),
        ("activities-1", "Advise users"),
        ("likelihood-2", "1"),
        ("role", ROLE),
        ("email", ADDRESS),
        ("send_copy", "1"),
    ]
    check = client.post(form_url, _encode([*start, *answers, ("action", "check")]))
    assert check.status_code == 200
    carried = [(n, v) for n, v in hidden_fields(check.content.decode()) if n != "action"]
    assert ("send_copy", "True") in carried
    assert client.post(form_url, _encode([*carried, ("action", "send")])).status_code == 303

    run_due_tasks()

    [message] = smtp_server.received
    text = text_part(message)
    assert stored().reference in text
    assert "Shared tools: How useful would it be?\n5 (" in text
    assert "Shared tools: activities\nAdvise users" in text
    assert "Better data: How likely are you to use it?\n1 (" in text
    assert "Quiet idea: How useful would it be?\nNot answered" in text


def test_a_copy_without_an_address_is_refused_with_a_message(client, site, smtp_server):
    reply = send_feedback(client, site, email="")
    assert reply.status_code == 400
    page = html_lib.unescape(reply.content.decode())
    assert "Enter your email address, so that we can email you" in page
    assert not Response.objects.exists()


def test_no_copy_unless_asked(client, site, smtp_server):
    data = send_feedback(client, site, send_copy="")
    assert data.status_code == 303
    assert stored().contact.email == ADDRESS
    assert not DBTaskResult.objects.exists()


def test_suspected_spam_gets_no_copy(client, site, smtp_server):
    assert send_feedback(client, site, hp_field="http://spam.example").status_code == 303
    assert stored().status == Response.Status.SPAM
    run_due_tasks()
    assert smtp_server.received == []


def test_a_stopped_mail_server_loses_nothing_and_the_copy_follows(client, site, smtp_server):
    smtp_server.stop()
    reply = send_feedback(client, site)
    assert reply.status_code == 303  # stored and confirmed, whatever the mail server does
    reference = stored().reference

    run_due_tasks()  # the server refuses the connection: tried again later
    assert smtp_server.received == []
    waiting = DBTaskResult.objects.filter(status="READY").get()
    assert waiting.run_after > timezone.now() + dt.timedelta(seconds=50)

    run_due_tasks()  # not due yet: nothing happens
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    smtp_server.start()
    later = timezone.now() + dt.timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        run_due_tasks()
    [message] = smtp_server.received
    assert reference in text_part(message)
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_pause_between_tries_doubles(client, site, smtp_server, settings):
    smtp_server.stop()
    send_feedback(client, site)
    now = timezone.now()
    pauses = []
    for _ in range(4):
        with mock.patch("django.utils.timezone.now", return_value=now):
            run_due_tasks()
        task = DBTaskResult.objects.filter(status="READY").get()
        pauses.append(round((task.run_after - now).total_seconds()))
        now = task.run_after
    assert pauses == [60, 120, 240, 480]


def test_an_address_refused_for_good_is_not_tried_again(client, site, smtp_server):
    assert send_feedback(client, site, email=REFUSED).status_code == 303
    run_due_tasks()
    assert smtp_server.received == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
    [done] = DBTaskResult.objects.all()
    assert done.return_value.startswith("undeliverable")
    assert stored().contact.email == REFUSED  # the response and its contact are kept


def test_an_erased_contact_is_never_sent_anything(client, site, smtp_server):
    send_feedback(client, site)
    assert erase_contact(ADDRESS, responses=False, by=None).contacts == 1
    run_due_tasks()
    assert smtp_server.received == []
    # The outbox holds which response, never the address or the answers.
    [task] = DBTaskResult.objects.all()
    assert ADDRESS not in str(task.args_kwargs)
    assert "clear" not in str(task.args_kwargs)


def test_a_remembered_respondent_can_ask_for_a_copy(client, site, smtp_server):
    send_feedback(client, site, send_copy="")  # remembered from now on
    page = site.page("")
    assert page is not None
    html = client.get(page.feedback_url).content.decode()
    assert 'name="about_you"' not in html
    assert 'name="send_copy"' in html
    hidden = dict(hidden_fields(html))
    reply = client.post(
        page.feedback_url, {**hidden, "summary": "Second thoughts", "send_copy": "1"}
    )
    assert reply.status_code == 303
    run_due_tasks()
    [message] = smtp_server.received
    assert message["To"] == ADDRESS
    assert "Second thoughts" in text_part(message)


def _encode(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def test_the_loopback_server_is_real(smtp_server: LoopbackSMTP):
    """The fixture is an SMTP server on a socket, not a stand-in inside Django."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=5) as connection:
        code, _ = connection.noop()
    assert code == 250
    assert re.match(r"\d+", str(smtp_server.port))
