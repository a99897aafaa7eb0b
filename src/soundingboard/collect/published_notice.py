""" "Tell me when the results are published": the list, and the one email to everyone on it.

A respondent who ticks the box is on the list of the consultation their response is for
(`Contact.notify_when_published`). `queue_notices` puts one message for each of them in the
outbox and takes them off the list, in one transaction, so running it twice sends nothing
twice. As with the copy of a response (collect.emailed_copy), a task holds only the contact's
id: contact details erased before the worker sends it are never sent anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from ..core.email_delivery import Outcome, deliver
from ..publish.consultation import Consultation
from ..publish.registry import get_registry
from .models import Contact
from .write_lock import sqlite_write_lock

logger = logging.getLogger(__name__)


def waiting_list(consultation: Consultation) -> QuerySet[Contact]:
    """The contacts who asked to hear when this consultation's results are published."""
    return (
        Contact.objects.filter(
            notify_when_published=True, responses__consultation=consultation.slug
        )
        .exclude(email="")
        .distinct()
    )


def queue_notices(consultation: Consultation, results_url: str) -> int:
    """Queue one email to everyone on the list, take them off it; how many were queued."""
    with sqlite_write_lock(), transaction.atomic():
        ids = list(waiting_list(consultation).values_list("pk", flat=True))
        first_tried = timezone.now().isoformat()
        for contact_id in ids:
            send_notice.enqueue(contact_id, consultation.slug, results_url, 0, first_tried)
        Contact.objects.filter(pk__in=ids).update(notify_when_published=False)
    return len(ids)


@task()
def send_notice(
    contact_id: int, slug: str, results_url: str, attempt: int, first_tried: str
) -> str:
    """Send one notice; if the mail server fails, queue the next try."""
    contact = Contact.objects.filter(pk=contact_id).exclude(email="").first()
    if contact is None:
        return "not sent: the contact details were erased"
    consultation = get_registry().get(slug)
    name = consultation.title if consultation else slug
    reply_to = consultation.settings.contact_email if consultation else ""
    context = {"consultation_name": name, "results_url": results_url, "contact_email": reply_to}
    message = EmailMultiAlternatives(
        subject=f"The results of {name} are published",
        body=render_to_string("collect/email/published.txt", context),
        from_email=formataddr((name, settings.DEFAULT_FROM_EMAIL)),
        to=[contact.email],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(
        render_to_string("collect/email/published.html", context), "text/html"
    )
    delivery = deliver(message, first_tried=dt.datetime.fromisoformat(first_tried), attempt=attempt)
    if delivery.outcome is Outcome.RETRY:
        send_notice.using(run_after=delivery.retry_at).enqueue(
            contact_id, slug, results_url, attempt + 1, first_tried
        )
    if delivery.outcome is not Outcome.SENT:
        logger.warning("Results notice for %s %s: %s", slug, delivery.outcome, delivery.problem)
    return f"{delivery.outcome}: {delivery.problem}" if delivery.problem else delivery.outcome
