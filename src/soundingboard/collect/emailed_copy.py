"""The copy of a response emailed to the respondent who asked for one ("send me a copy").

`queue_copy` is called inside the transaction that stores the response, so the task is
committed with it or not at all. The task holds only the response's id: the message is
written when the worker sends it (core.email_delivery), in the consultation's name, as plain
HTML and text (never a PDF) with the reference and the answers. A contact erased before
then gets nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from ..core.email_delivery import Outcome, deliver
from ..publish.consultation import Consultation
from ..publish.registry import get_registry
from .models import Response
from .questionnaire_forms import score_label

logger = logging.getLogger(__name__)

NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


def queue_copy(response_id: int) -> None:
    """Queue the copy of this response (call inside the transaction that stores it)."""
    send_copy.enqueue(response_id, 0, timezone.now().isoformat())


@task()
def send_copy(response_id: int, attempt: int, first_tried: str) -> str:
    """Send the copy; if the mail server fails, queue the next try. Returns what happened."""
    response = Response.objects.select_related("contact").filter(pk=response_id).first()
    if response is None or response.contact is None or not response.contact.email:
        return "not sent: the response or its email address was erased"
    delivery = deliver(
        copy_message(response), first_tried=dt.datetime.fromisoformat(first_tried), attempt=attempt
    )
    if delivery.outcome is Outcome.RETRY:
        send_copy.using(run_after=delivery.retry_at).enqueue(response_id, attempt + 1, first_tried)
    if delivery.outcome is not Outcome.SENT:
        logger.warning("Copy of %s %s: %s", response.reference, delivery.outcome, delivery.problem)
    return f"{delivery.outcome}: {delivery.problem}" if delivery.problem else delivery.outcome


def copy_message(response: Response) -> EmailMultiAlternatives:
    """The email: the reference and the answers, from the consultation, as text and HTML."""
    assert response.contact is not None
    consultation = get_registry().get(response.consultation)
    name = consultation.title if consultation else response.consultation
    reply_to = consultation.settings.contact_email if consultation else ""
    context = {
        "consultation_name": name,
        "reference": response.reference,
        "submitted_at": timezone.localtime(response.submitted_at),
        "about": _about(response),
        "answers": answers(response, consultation),
        "contact_email": reply_to,
    }
    message = EmailMultiAlternatives(
        subject=f"Your response to {name}: {response.reference}",
        body=render_to_string("collect/email/copy.txt", context),
        from_email=formataddr((name, settings.DEFAULT_FROM_EMAIL)),
        to=[response.contact.email],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(render_to_string("collect/email/copy.html", context), "text/html")
    return message


def _about(response: Response) -> str:
    if response.kind == Response.Kind.QUESTIONNAIRE:
        return "the questionnaire"
    about = f"the page “{response.page_title or response.page_path}”"
    if response.section_title:
        about += f", section “{response.section_title}”"
    return about


def answers(response: Response, consultation: Consultation | None) -> list[Answer]:
    """Each question with the respondent's answer, in the order the form asked them."""
    rows: list[Answer] = []
    if response.kind == Response.Kind.QUESTIONNAIRE:
        rows += _questionnaire_answers(response, consultation)
        rows.append(Answer("What kind of feedback is this?", response.nature or NOT_ANSWERED))
        rows.append(Answer("Any other comments", response.comments or NOT_ANSWERED))
    else:
        rows.append(Answer("What kind of feedback is this?", response.nature or NOT_ANSWERED))
        rows.append(Answer("Summary of your feedback", response.summary))
        rows.append(Answer("Details", response.details or NOT_ANSWERED))
    contact = response.contact
    rows.append(Answer("Your role", response.role or NOT_ANSWERED))
    rows.append(
        Answer("Your organisation", (contact.organisation if contact else "") or "Not given")
    )
    return rows


def _questionnaire_answers(response: Response, consultation: Consultation | None) -> list[Answer]:
    questionnaire = consultation.settings.questionnaire if consultation else None
    scores = {s.idea: s for s in response.scores.all()}
    ticks: dict[str, list[str]] = {}
    for tick in response.ticks.all():
        ticks.setdefault(tick.idea, []).append(tick.activity or tick.raw)

    def label(score: int | None) -> str:
        if score is None:
            return NOT_ANSWERED
        return score_label(score, questionnaire) if questionnaire else str(score)

    names = [idea.name for idea in questionnaire.ideas] if questionnaire else sorted(scores)
    usefulness = questionnaire.usefulness_question if questionnaire else "Usefulness"
    likelihood = questionnaire.likelihood_question if questionnaire else "Likelihood"
    rows = []
    for name in names:
        score = scores.get(name)
        rows.append(Answer(f"{name}: {usefulness}", label(score.usefulness if score else None)))
        rows.append(Answer(f"{name}: {likelihood}", label(score.likelihood if score else None)))
        if ticks.get(name):
            rows.append(Answer(f"{name}: activities", "; ".join(ticks[name])))
    return rows
