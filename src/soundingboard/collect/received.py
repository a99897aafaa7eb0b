"""Responses received outside soundingboard, by email or on paper, entered by an analyst.

They are stored like any other response (checked as the intake API checks a payload, then
`Submission.store`), so that they are counted, themed and exported with the rest; their
`channel` says how they came, and their `submitted_at` is when they were received. Who entered
each is in the audit log (the analyst workspace records it, `accounts.audit`).

Feedback on a page goes through the intake API's checks (`store_received`); a main-questionnaire
response has been checked by the questionnaire's own form, whose answers
`store_received_questionnaire` stores as the questionnaire stores a respondent's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..publish.consultation import Consultation
from .models import Response
from .payloads import PAGE_FEEDBACK_TAB, submission_from_payload
from .storage import ContactDetails, Score, Tick, store_response

CHANNELS = (Response.Channel.PAPER, Response.Channel.EMAIL)
TOKEN_PREFIX = "entered:"


def store_received(
    consultation: Consultation,
    answers: dict[str, str],
    *,
    channel: str,
    received_at: dt.datetime,
    token: str,
) -> tuple[Response, bool]:
    """Store feedback on a page received by `channel`; returns the response and whether it is
    new (False: this form was sent before, and its response is returned). Raises
    `payloads.PayloadError` as the intake API would."""
    _check_channel(channel)
    payload = {"tab": PAGE_FEEDBACK_TAB, **answers}
    submission = submission_from_payload(consultation, payload, channel=channel)
    return submission.store(token=TOKEN_PREFIX + token, submitted_at=received_at)


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """A main-questionnaire response as its form checked it."""

    role: str
    nature: str = ""
    comments: str = ""
    may_quote: bool | None = None
    contact: ContactDetails | None = None
    scores: Sequence[Score] = ()
    ticks: Sequence[Tick] = ()


def store_received_questionnaire(
    consultation: Consultation,
    answers: QuestionnaireAnswers,
    *,
    channel: str,
    received_at: dt.datetime,
    token: str,
) -> tuple[Response, bool]:
    """Store a main-questionnaire response received by `channel`; returns the response and
    whether it is new (False: this form was sent before)."""
    _check_channel(channel)
    if consultation.settings.questionnaire is None:
        raise ValueError(f"{consultation.slug} has no main questionnaire")
    return store_response(
        {
            "consultation": consultation.slug,
            "kind": Response.Kind.QUESTIONNAIRE,
            "channel": channel,
            "status": Response.Status.ACCEPTED,
            "page_path": "",
            "role": answers.role,
            "nature": answers.nature,
            "comments": answers.comments,
            "may_quote": answers.may_quote,
            "submitted_at": received_at,
        },
        token=TOKEN_PREFIX + token,
        contact=answers.contact,
        scores=answers.scores,
        ticks=answers.ticks,
    )


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
