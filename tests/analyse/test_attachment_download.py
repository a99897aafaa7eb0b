"""An analyst sees a response's attached document and its text, and downloads it only after
confirming; the download is in the audit log. A document whose text could not be read shows
why."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.collect.models import Attachment, Response
from soundingboard.core.worker import run_due_tasks
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.collect.test_attachments import PHRASE, pdf_with, send, site

__all__ = ["site"]  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_downloads_a_document_only_after_confirming(client, site):
    assert send(client, site, "our-response.pdf", pdf_with(PHRASE)).status_code == 303
    run_due_tasks()
    response = Response.objects.get()
    attachment = Attachment.objects.get()
    reader = Client()
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(reader, user, None)

    page = reader.get(reverse("analyse:response", args=[site.slug, response.reference]))
    text = page.content.decode()
    assert "our-response.pdf" in text and "Text from the attached document" in text
    assert PHRASE in text
    download = reverse(
        "analyse:attachment-download", args=[site.slug, response.reference, attachment.pk]
    )
    assert download in text

    confirm = reader.get(download)
    assert confirm.status_code == 200
    assert "Download the document" in confirm.content.decode()
    assert not confirm.has_header("Content-Disposition")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT_DOWNLOADED).exists()

    got = reader.post(download)
    assert got.status_code == 200
    assert "attachment" in got["Content-Disposition"]
    assert b"".join(got.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOCUMENT_DOWNLOADED)
    assert event.detail["response"] == response.reference

    anonymous = Client()
    assert anonymous.post(download).status_code in (302, 403, 404)


def test_a_document_that_could_not_be_read_says_why(client, site):
    broken = b"%PDF-1.4\n" + b"\x00garbage" * 100
    assert send(client, site, "broken.pdf", broken).status_code == 303
    run_due_tasks()  # the worker carries on: the task ends with the problem kept
    attachment = Attachment.objects.get()
    assert attachment.text_status == Attachment.TextStatus.FAILED
    reader = Client()
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(reader, user, None)
    reference = Response.objects.get().reference
    text = reader.get(reverse("analyse:response", args=[site.slug, reference])).content.decode()
    assert "could not be read" in text and attachment.problem[:20] in text
