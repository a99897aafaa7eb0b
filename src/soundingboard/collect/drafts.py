"""Save and come back later: questionnaire answers kept on the server, reopened by a link.

"Save and come back later" keeps whatever the form holds (checked only for length, since an
unfinished answer is not yet an error) in a `Draft`, and shows a link with its random token;
when the respondent gave an email address, the link is emailed too, through the outbox. The
link fills the questionnaire in again until the draft expires (`questionnaire.save_days` in
consultation.yml, 28 days by default). A draft is never a response and never counted; it is
deleted when its answers are sent, when it expires, and when contact details with its email
address are erased (analyse.erasure).
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from ..core.email_delivery import Outcome, deliver
from ..publish.consultation import Consultation
from ..publish.registry import get_registry
from .limits import LIMITS
from .models import Draft
from .write_lock import sqlite_write_lock

logger = logging.getLogger(__name__)

DRAFT_FIELD = "draft"  # the hidden field that names the draft a filled-in form came from
MAX_PAIRS = 1000
MAX_VALUE = LIMITS["details"]
NOT_KEPT = {"csrfmiddlewaretoken", "action", "token", DRAFT_FIELD}


def answers_to_keep(pairs: list[tuple[str, str]], field_names: set[str]) -> list[list[str]]:
    """The form's own fields, as sent, each value cut to a length a field may have."""
    kept = [
        [name, value[:MAX_VALUE]]
        for name, value in pairs
        if (name in field_names or name == "about_you") and name not in NOT_KEPT
    ]
    return kept[:MAX_PAIRS]


def save_draft(
    consultation: Consultation, answers: list[list[str]], email: str, site_url: str
) -> Draft:
    """Keep these answers; queue the link to `email` (if any, and email can be sent)."""
    now = timezone.now()
    questionnaire = consultation.settings.questionnaire
    days = questionnaire.save_days if questionnaire else 28
    with sqlite_write_lock(), transaction.atomic():
        Draft.objects.filter(expires_at__lte=now).delete()
        draft = Draft.objects.create(
            consultation=consultation.slug,
            answers=answers,
            email=email,
            saved_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        if email and settings.SOUNDINGBOARD_EMAIL_ENABLED:
            send_draft_link.enqueue(draft.pk, site_url, 0, now.isoformat())
    return draft


def open_draft(consultation: Consultation, token: str) -> Draft | None:
    """The draft with this token, if it is this consultation's and has not expired."""
    draft = Draft.objects.filter(token=token[:64], consultation=consultation.slug).first()
    if draft is None or draft.expires_at <= timezone.now():
        return None
    return draft


def forget_draft(token: str) -> None:
    """Delete a draft whose answers were sent (inside the transaction that stored them)."""
    if token:
        Draft.objects.filter(token=token[:64]).delete()


def draft_url(consultation: Consultation, draft: Draft) -> str:
    return consultation.url(f"questionnaire/saved/{draft.token}/")


@task()
def send_draft_link(draft_id: int, site_url: str, attempt: int, first_tried: str) -> str:
    """Email the link to a saved questionnaire; if the mail server fails, try again later."""
    draft = Draft.objects.filter(pk=draft_id).exclude(email="").first()
    if draft is None or draft.expires_at <= timezone.now():
        return "not sent: the saved answers were sent, erased or expired"
    consultation = get_registry().get(draft.consultation)
    if consultation is None:
        return "not sent: the consultation is not served here"
    context = {
        "consultation_name": consultation.title,
        "link": site_url.rstrip("/") + draft_url(consultation, draft),
        "expires_at": timezone.localtime(draft.expires_at),
    }
    message = EmailMultiAlternatives(
        subject=f"Your saved answers to {consultation.title}",
        body=render_to_string("collect/email/draft.txt", context),
        from_email=formataddr((consultation.title, settings.DEFAULT_FROM_EMAIL)),
        to=[draft.email],
    )
    message.attach_alternative(render_to_string("collect/email/draft.html", context), "text/html")
    first = dt.datetime.fromisoformat(first_tried)
    delivery = deliver(message, first_tried=first, attempt=attempt)
    if delivery.outcome is Outcome.RETRY:
        send_draft_link.using(run_after=delivery.retry_at).enqueue(
            draft_id, site_url, attempt + 1, first_tried
        )
    if delivery.outcome is not Outcome.SENT:
        logger.warning("Saved answers link %s: %s", delivery.outcome, delivery.problem)
    return f"{delivery.outcome}: {delivery.problem}" if delivery.problem else delivery.outcome
